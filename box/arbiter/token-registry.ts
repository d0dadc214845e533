import { randomBytes, timingSafeEqual } from 'node:crypto';

/** What a run token proves: which run of which app is calling. */
export interface TokenBinding {
  runId: string;
  appId: string;
  expiresAt: number;
}

/**
 * Per-run bearer tokens for the container transport: 32 random bytes (base64url), bound to one run
 * of one app, valid until the run ends ({@link revokeRun}) or its deadline passes, whichever is
 * first. Tokens live only in the daemon's memory: a restart invalidates every one of them, which
 * is right, since no run outlives the daemon.
 *
 * @example
 * const tokens = new TokenRegistry();
 * const token = tokens.issue('run-1', 'energy-insights', Date.now() + 30_000);
 * tokens.verify(token, 'energy-insights'); // { runId: 'run-1', appId: 'energy-insights', expiresAt: … }
 * tokens.revokeRun('run-1');
 * tokens.verify(token); // undefined
 */
export class TokenRegistry {
  readonly #byToken = new Map<string, TokenBinding>();
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** Issues a fresh token for `runId` of `appId`, valid until `expiresAt` (ms). */
  issue(runId: string, appId: string, expiresAt: number): string {
    const token = randomBytes(32).toString('base64url');
    this.#byToken.set(token, { runId, appId, expiresAt });
    return token;
  }

  /**
   * The binding of a live token, or undefined when the token is unknown, revoked, expired or (when
   * `appId` is given) belongs to another app. Comparison of the app id is constant-time-ish; the
   * token itself is looked up by value, which is safe since it is 256 random bits.
   */
  verify(token: string | undefined, appId?: string): TokenBinding | undefined {
    if (!token) return undefined;
    const binding = this.#byToken.get(token);
    if (!binding) return undefined;
    if (binding.expiresAt <= this.#clock()) {
      this.#byToken.delete(token);
      return undefined;
    }
    if (appId !== undefined && !sameText(binding.appId, appId)) return undefined;
    return binding;
  }

  /** Ends every token of a run (at run end, whatever happened). */
  revokeRun(runId: string): number {
    return this.#revokeWhere((b) => b.runId === runId);
  }

  /** Ends every token of an app (uninstall, revocation). */
  revokeApp(appId: string): number {
    return this.#revokeWhere((b) => b.appId === appId);
  }

  /** Tokens currently held (expired ones are dropped first). */
  get size(): number {
    const now = this.#clock();
    this.#revokeWhere((b) => b.expiresAt <= now);
    return this.#byToken.size;
  }

  #revokeWhere(test: (binding: TokenBinding) => boolean): number {
    let n = 0;
    for (const [token, binding] of this.#byToken) {
      if (test(binding)) {
        this.#byToken.delete(token);
        n++;
      }
    }
    return n;
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
