/**
 * Restart delays for failed drivers: exponential from `initialMs`, capped at `maxMs`, with
 * "equal jitter" (a random point in the upper half of the step) so that several drivers failing
 * together (e.g. the broker went away) do not retry in lockstep, yet never retry sooner than half
 * the step.
 */
export interface BackoffOptions {
  /** First delay; default 1 s. */
  initialMs?: number;
  /** Largest delay; default 60 s. */
  maxMs?: number;
  /** Source of randomness in [0, 1); tests pass a fixed one. */
  random?: () => number;
}

/**
 * The delay before restart attempt `attempt` (0 for the first retry).
 *
 * @example
 * backoffDelay(0);                          // 500–1000 ms
 * backoffDelay(3);                          // 4–8 s
 * backoffDelay(20);                         // 30–60 s
 * backoffDelay(2, { random: () => 1 - Number.EPSILON }); // ~4000 ms
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 1_000;
  const max = options.maxMs ?? 60_000;
  const random = options.random ?? Math.random;
  // 2 ** 30 is already far past any cap; clamping keeps the arithmetic finite
  const step = Math.min(max, initial * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.round(step / 2 + (step / 2) * random());
}
