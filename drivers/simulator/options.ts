import { z } from 'zod';
import { BadRequestError, issuesToDetails } from '../../box/errors.ts';

/** Room names become part of datasource ids (`sim.<room>.temperature`), so they are id-safe and dot-free. */
export const ROOM_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;

const optionsSchema = z
  .object({
    seed: z.number().int().refine(Number.isSafeInteger, 'must be a safe integer'),
    stepMs: z.number().int().min(1000).max(10_000).default(10_000),
    timezoneOffsetMinutes: z.number().int().min(-720).max(840).default(0),
    rooms: z
      .array(z.string().regex(ROOM_NAME_PATTERN, 'must match [a-z0-9][a-z0-9_-]{0,39} (no dots)'))
      .min(1)
      .max(16)
      .refine((rooms) => new Set(rooms).size === rooms.length, 'room names must be unique')
      .refine((rooms) => !rooms.includes('outdoor'), '"outdoor" is reserved for sim.outdoor.temperature')
      .default(['living', 'kitchen', 'bedroom']),
    ev: z.boolean().default(false),
    electricShower: z.boolean().default(false),
    occupants: z.number().int().min(1).max(6).default(2),
  })
  .strict();

/** Options as given to `new HouseholdSimulator(...)`. */
export type HouseholdSimulatorOptions = z.input<typeof optionsSchema>;
/** Options with defaults filled in. */
export type ResolvedSimulatorOptions = z.output<typeof optionsSchema>;

/**
 * Validates simulator options, collecting every problem into one {@link BadRequestError} whose
 * details name each bad option (`stepMs: Too small: ...`).
 *
 * @example
 * ```ts
 * const options = parseSimulatorOptions({ seed: 1, stepMs: 5000 }); // defaults filled in
 * parseSimulatorOptions({ seed: 1, stepMs: 50 }); // throws BadRequestError, details[0].path === 'stepMs'
 * ```
 */
export function parseSimulatorOptions(input: unknown): ResolvedSimulatorOptions {
  const result = optionsSchema.safeParse(input);
  if (result.success) return result.data;
  const details = issuesToDetails(result.error.issues);
  throw new BadRequestError(
    `invalid household simulator options: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
    { details, code: 'invalid_simulator_options' },
  );
}
