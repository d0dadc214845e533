/** Retry timing: `baseMs · 2^(attempt−1)`, at most `maxMs`, then ±20% jitter. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Random source in [0, 1); tests pass a fixed one. */
  random?: () => number;
}

/**
 * How long to wait after failed attempt number `attempt` (1-based): 1 s, 2 s, 4 s … capped at
 * 5 min with the defaults. The jitter spreads retries of many exports to one receiver out.
 *
 * @example
 * backoffDelay(3, { baseMs: 1000, maxMs: 300_000, random: () => 0.5 }); // 4000
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const nominal = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  const jitter = 0.8 + 0.4 * (options.random ?? Math.random)();
  return Math.round(Math.min(options.maxMs, nominal * jitter));
}

/**
 * A receiver's `Retry-After` (seconds or an HTTP date) in ms from `now`, or undefined when it
 * is absent or unreadable.
 */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
