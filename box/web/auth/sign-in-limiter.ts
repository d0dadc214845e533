/**
 * Limits sign-in attempts: at most `perClient` failures per client address per window, and
 * `overall` failures per window from all addresses together (so spreading a guessing attack over
 * many addresses does not help). A success clears that client's count.
 *
 * @example
 * const limiter = new SignInLimiter();
 * limiter.retryAfter('127.0.0.1', Date.now()); // 0: may try
 * limiter.fail('127.0.0.1', Date.now());
 */
export class SignInLimiter {
  readonly #windowMs: number;
  readonly #perClient: number;
  readonly #overall: number;
  readonly #failures = new Map<string, number[]>();

  constructor(options: { windowMs?: number; perClient?: number; overall?: number } = {}) {
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#perClient = options.perClient ?? 5;
    this.#overall = options.overall ?? 50;
  }

  /** Milliseconds until `client` may try again; 0 when it may try now. */
  retryAfter(client: string, now: number): number {
    const mine = this.#recent(client, now);
    if (mine.length >= this.#perClient) return mine[0] + this.#windowMs - now;
    const all = [...this.#failures.keys()].flatMap((k) => this.#recent(k, now)).sort((a, b) => a - b);
    if (all.length >= this.#overall) return all[all.length - this.#overall] + this.#windowMs - now;
    return 0;
  }

  fail(client: string, now: number): void {
    this.#failures.set(client, [...this.#recent(client, now), now]);
  }

  succeed(client: string): void {
    this.#failures.delete(client);
  }

  #recent(client: string, now: number): number[] {
    const kept = (this.#failures.get(client) ?? []).filter((t) => t > now - this.#windowMs);
    if (kept.length === 0) this.#failures.delete(client);
    else this.#failures.set(client, kept);
    return kept;
  }
}
