import { z } from 'zod';

/**
 * `config.json` in the data folder. Every field has a default, so an empty object is a valid
 * config; unknown fields are errors (a typo must not be silently ignored).
 */
export const configSchema = z.strictObject({
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(7330),
      /** Largest request body accepted, in bytes. */
      bodyLimitBytes: z
        .number()
        .int()
        .min(1024)
        .max(256 * 1024 * 1024)
        .default(16 * 1024 * 1024),
    })
    .prefault({}),
  store: z
    .strictObject({
      /** `NORMAL` survives a crash of the box; `FULL` also survives a power cut, at some write speed. */
      synchronous: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
    })
    .prefault({}),
  retention: z
    .strictObject({
      /** How often the retention job runs. */
      intervalMinutes: z.number().min(1).max(10_080).default(60),
    })
    .prefault({}),
  /** The export gateway (see docs/exports.md). */
  gateway: z
    .strictObject({
      /** Allows plain http:// to loopback receivers: for development and tests only. */
      devMode: z.boolean().default(false),
      /** Delivery attempts before an export is marked failed. */
      maxAttempts: z.number().int().min(1).max(100).default(8),
      connectTimeoutMs: z.number().int().min(100).max(120_000).default(5000),
      totalTimeoutMs: z.number().int().min(100).max(600_000).default(15_000),
      /** The most of a receiver's response the gateway reads. */
      maxResponseBytes: z
        .number()
        .int()
        .min(0)
        .max(16 * 1024 * 1024)
        .default(65_536),
      /** Export requests a day across all apps. */
      boxWidePerDay: z.number().int().min(1).max(100_000).default(200),
      /** Gateway tuning: first retry delay (doubles per attempt, with jitter) and the longest one. */
      backoffBaseMs: z.number().int().min(1).max(3_600_000).default(1000),
      backoffMaxMs: z.number().int().min(1).max(86_400_000).default(300_000),
      /** Deliveries in flight at once. */
      concurrency: z.number().int().min(1).max(64).default(4),
    })
    .prefault({}),
});

export type BoxConfig = z.infer<typeof configSchema>;
export type GatewayConfig = BoxConfig['gateway'];
