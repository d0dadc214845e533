import { isIPv6 } from 'node:net';

export interface SignInLimiterOptions {
  /** Failures a client may make before it has to wait (default 5). */
  freeFailures?: number;
  /** The first wait, doubled with each further failure (default 1 s). */
  baseDelayMs?: number;
  /** The longest wait between two attempts of one client (default 15 minutes). */
  maxDelayMs?: number;
  /** A client without a failure for this long starts afresh (default 24 hours). */
  forgetAfterMs?: number;
  /** Failures from all clients but the box's own `127.0.0.1` and `::1` together, per window (default 100). */
  ceiling?: number;
  /** The window of {@link ceiling} (default 1 hour). */
  ceilingWindowMs?: number;
  /** Clients remembered at most (the least recently failed are forgotten first; default 10 000). */
  maxClients?: number;
}

/** Why a client must wait: its own failures, or the failures of many clients together. */
export interface SignInWait {
  ms: number;
  reason: 'client' | 'ceiling';
}

/** The addresses a browser on the box itself uses: never held by other clients' failures. */
const HOME = new Set(['127.0.0.1', '::1']);

/**
 * Who a failure is counted against: an IPv4 address, or an IPv6 /64 (one LAN device can take any
 * number of addresses in its /64, so each does not earn fresh attempts). IPv4-mapped IPv6 counts as IPv4.
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!isIPv6(address) || address === '::1') return address;
  const [head, tail = ''] = address.replace(/%.*$/, '').toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/**
 * Backs off sign-in attempts per client, exponentially: after {@link SignInLimiterOptions.freeFailures}
 * failures each further one doubles the wait (1 s, 2 s, 4 s … up to 15 minutes). A ceiling on the
 * failures of all clients together stops a guesser spreading over many addresses; the box's own
 * `127.0.0.1` and `::1` are never held by that ceiling, only by their own failures, so a network
 * attack cannot lock the householder at the box out. A success clears the client. Nothing is
 * stored: a restart forgets every count.
 *
 * Count an attempt with {@link fail} *before* checking the password (and {@link succeed} after a
 * right one), so parallel requests cannot all pass one check.
 *
 * @example
 * const limiter = new SignInLimiter();
 * if (!limiter.retryAfter('192.168.1.20', Date.now())) limiter.fail('192.168.1.20', Date.now());
 */
export class SignInLimiter {
  readonly #free: number;
  readonly #base: number;
  readonly #max: number;
  readonly #forget: number;
  readonly #ceiling: number;
  readonly #window: number;
  readonly #maxClients: number;
  /** Per client: failures and the time of the last one, ordered by that time (oldest first). */
  readonly #clients = new Map<string, { failures: number; last: number }>();
  /** Times of failures counted towards the ceiling, oldest first, with their client. */
  #pooled: Array<{ key: string; at: number }> = [];
  /** Per client: attempts refused since its last counted one (only the first is audited). */
  readonly #refused = new Map<string, number>();

  constructor(options: SignInLimiterOptions = {}) {
    this.#free = options.freeFailures ?? 5;
    this.#base = options.baseDelayMs ?? 1_000;
    this.#max = options.maxDelayMs ?? 15 * 60_000;
    this.#forget = options.forgetAfterMs ?? 24 * 3_600_000;
    this.#ceiling = options.ceiling ?? 100;
    this.#window = options.ceilingWindowMs ?? 3_600_000;
    this.#maxClients = options.maxClients ?? 10_000;
  }

  /** How long `address` must wait before its next attempt, or undefined when it may try now. */
  retryAfter(address: string, now: number): SignInWait | undefined {
    const key = clientKey(address);
    const mine = this.#client(key, now);
    if (mine && mine.failures >= this.#free) {
      const delay = Math.min(this.#max, this.#base * 2 ** (mine.failures - this.#free));
      if (mine.last + delay > now) return { ms: mine.last + delay - now, reason: 'client' };
    }
    if (HOME.has(key)) return undefined;
    this.#pooled = this.#pooled.filter((f) => f.at > now - this.#window);
    if (this.#pooled.length >= this.#ceiling) {
      const oldest = this.#pooled[this.#pooled.length - this.#ceiling].at;
      return { ms: oldest + this.#window - now, reason: 'ceiling' };
    }
    return undefined;
  }

  /** Counts a failed (or a started, not yet checked) attempt of `address`. */
  fail(address: string, now: number): void {
    const key = clientKey(address);
    const failures = (this.#client(key, now)?.failures ?? 0) + 1;
    this.#clients.delete(key);
    this.#clients.set(key, { failures, last: now });
    if (this.#clients.size > this.#maxClients)
      this.#clients.delete(this.#clients.keys().next().value as string);
    if (HOME.has(key)) return;
    this.#pooled = this.#pooled.filter((f) => f.at > now - this.#window);
    this.#pooled.push({ key, at: now });
  }

  /**
   * Counts a refused attempt of `address`; true for the first since its last counted attempt, so
   * only that one is audited and a flood of refused requests cannot flood the audit trail.
   */
  refuse(address: string): boolean {
    const key = clientKey(address);
    const count = (this.#refused.get(key) ?? 0) + 1;
    this.#refused.delete(key);
    this.#refused.set(key, count);
    if (this.#refused.size > this.#maxClients)
      this.#refused.delete(this.#refused.keys().next().value as string);
    return count === 1;
  }

  /** The refusals of `address` not yet reported (see {@link refuse}), and starts counting afresh. */
  takeRefused(address: string): number {
    const key = clientKey(address);
    const count = this.#refused.get(key) ?? 0;
    this.#refused.delete(key);
    return count;
  }

  /** A right password: forgets the client's failures and takes its latest one off the ceiling. */
  succeed(address: string): void {
    const key = clientKey(address);
    this.#clients.delete(key);
    const i = this.#pooled.findLastIndex((f) => f.key === key);
    if (i >= 0) this.#pooled.splice(i, 1);
  }

  #client(key: string, now: number): { failures: number; last: number } | undefined {
    const entry = this.#clients.get(key);
    if (entry && now - entry.last > this.#forget) {
      this.#clients.delete(key);
      return undefined;
    }
    return entry;
  }
}
