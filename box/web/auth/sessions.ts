import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../../store/store.ts';

/** Sessions end this long after sign-in, however active. */
export const SESSION_MAX_AGE_MS = 12 * 3_600_000;
/** …and this long after the last request. */
export const SESSION_IDLE_MS = 60 * 60_000;
const KV_NAMESPACE = 'web:sessions';

export interface Session {
  /** Synchronizer token every POST form of this session carries. */
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

function keyOf(id: string): string {
  // only a hash of the cookie value is stored, so a copy of the database cannot be replayed as a cookie
  return createHash('sha256').update(id).digest('hex');
}

/**
 * Server-side sessions in the store (kv namespace `web:sessions`), so they survive a restart and
 * can be ended from the CLI. A session expires {@link SESSION_IDLE_MS} after its last request or
 * {@link SESSION_MAX_AGE_MS} after sign-in, whichever is first.
 *
 * @example
 * const sessions = new SessionStore(store);
 * const { id } = sessions.create();
 * sessions.get(id)?.csrf;
 */
export class SessionStore {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  create(): { id: string; session: Session } {
    const now = this.#store.now();
    const id = randomBytes(32).toString('base64url');
    const session: Session = {
      csrf: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: Math.min(now + SESSION_IDLE_MS, now + SESSION_MAX_AGE_MS),
    };
    this.#store.kv.set(KV_NAMESPACE, keyOf(id), session, now);
    this.#sweep(now);
    return { id, session };
  }

  /** The live session for a cookie value (its idle expiry extended), or undefined. */
  get(id: string | undefined): Session | undefined {
    if (!id || id.length > 100) return undefined;
    const key = keyOf(id);
    const session = this.#store.kv.get(KV_NAMESPACE, key) as Session | undefined;
    if (!session) return undefined;
    const now = this.#store.now();
    if (session.expiresAt <= now) {
      this.#store.kv.delete(KV_NAMESPACE, key);
      return undefined;
    }
    // write at most once a minute so page views do not each cost a write
    if (now - session.lastSeenAt > 60_000) {
      session.lastSeenAt = now;
      session.expiresAt = Math.min(now + SESSION_IDLE_MS, session.createdAt + SESSION_MAX_AGE_MS);
      this.#store.kv.set(KV_NAMESPACE, key, session, now);
    }
    return session;
  }

  delete(id: string): void {
    this.#store.kv.delete(KV_NAMESPACE, keyOf(id));
  }

  /** Ends every session (after a password change). */
  clear(): number {
    return this.#store.kv.wipe(KV_NAMESPACE);
  }

  #sweep(now: number): void {
    for (const { key, value } of this.#store.kv.list(KV_NAMESPACE))
      if ((value as Session).expiresAt <= now) this.#store.kv.delete(KV_NAMESPACE, key);
  }
}
