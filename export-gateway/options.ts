import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BadRequestError, issuesToDetails } from '../box/errors.ts';

/**
 * The gateway's settings: key `gateway` of `<home>/config.json` (the box's config schema uses this
 * same schema for that key, so both processes accept and refuse the same settings). The first six are the shared
 * contract; `backoffBaseMs`, `backoffMaxMs` and `concurrency` are gateway tuning (tests shorten them).
 */
export const gatewayOptionsSchema = z.strictObject({
  /** Allows loopback destinations and plain http:// to loopback. Never on a real box. */
  devMode: z.boolean().default(false),
  /** Attempts before an export is marked failed. */
  maxAttempts: z.number().int().min(1).max(100).default(8),
  connectTimeoutMs: z.number().int().min(1).max(120_000).default(5000),
  totalTimeoutMs: z.number().int().min(1).max(600_000).default(15_000),
  maxResponseBytes: z
    .number()
    .int()
    .min(0)
    .max(16 * 1024 * 1024)
    .default(65_536),
  /** Box-wide exports per day; enforced by the box before it queues (read here for completeness). */
  boxWidePerDay: z.number().int().min(1).default(200),
  /** First retry delay; doubles per attempt (with ±20% jitter). */
  backoffBaseMs: z.number().int().min(1).default(1000),
  /** Longest retry delay. */
  backoffMaxMs: z.number().int().min(1).default(300_000),
  /** Deliveries in flight at once. */
  concurrency: z.number().int().min(1).max(64).default(4),
});
export type GatewayOptions = z.infer<typeof gatewayOptionsSchema>;

/**
 * Reads the gateway options from `<home>/config.json` (defaults when the file or the key is
 * missing). Throws a BadRequestError listing every invalid field as `gateway.<field>: message`.
 *
 * @example
 * const options = loadGatewayOptions('/var/lib/databox'); // { devMode: false, maxAttempts: 8, ... }
 */
export function loadGatewayOptions(home: string): GatewayOptions {
  const file = join(home, 'config.json');
  let config: unknown = {};
  try {
    config = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new BadRequestError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  const section = (config as { gateway?: unknown } | null)?.gateway ?? {};
  const parsed = gatewayOptionsSchema.safeParse(section);
  if (!parsed.success) {
    throw new BadRequestError(`invalid gateway options in ${file}`, {
      details: issuesToDetails(parsed.error.issues, 'gateway'),
    });
  }
  return parsed.data;
}
