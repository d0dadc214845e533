import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { BadRequestError } from '../../errors.ts';
import type { Store } from '../../store/store.ts';

/** scrypt cost: N=2^15, r=8, p=1 (OWASP's minimum is 2^17 at p=1 with more memory; 32 MiB keeps a Pi responsive). */
const PARAMS = { N: 32_768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;
export const MIN_PASSWORD_LENGTH = 10;
const KV_NAMESPACE = 'web';
const KV_KEY = 'password';

interface StoredHash {
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}

function derive(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, { ...params, maxmem: PARAMS.maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** Explains why a password is not acceptable, or undefined when it is. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `the password must be at least ${MIN_PASSWORD_LENGTH} characters long (it has ${password.length})`;
  if (password.length > 1024) return 'the password must be at most 1024 characters long';
  return undefined;
}

/**
 * The householder's dashboard password, kept as an scrypt hash (random 16-byte salt) in the
 * store's kv namespace `web`. Setting it is audited as `user.password.set`.
 *
 * @example
 * const passwords = new PasswordStore(store);
 * await passwords.set('correct horse battery');
 * await passwords.verify('correct horse battery'); // true
 */
export class PasswordStore {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  isSet(): boolean {
    return this.#store.kv.get(KV_NAMESPACE, KV_KEY) !== undefined;
  }

  async set(password: string, via = 'cli'): Promise<void> {
    const problem = passwordProblem(password);
    if (problem) throw new BadRequestError(problem, { code: 'weak_password' });
    const salt = randomBytes(16);
    const key = await derive(password, salt, PARAMS);
    const stored: StoredHash = {
      algorithm: 'scrypt',
      N: PARAMS.N,
      r: PARAMS.r,
      p: PARAMS.p,
      salt: salt.toString('base64'),
      hash: key.toString('base64'),
    };
    const replaced = this.isSet();
    this.#store.transaction(() => {
      this.#store.kv.set(KV_NAMESPACE, KV_KEY, stored, this.#store.now());
      this.#store.audit.append({ actor: 'user', action: 'user.password.set', details: { via, replaced } });
    });
  }

  /** True when `password` matches (constant-time compare); false when none is set. */
  async verify(password: string): Promise<boolean> {
    const stored = this.#store.kv.get(KV_NAMESPACE, KV_KEY) as StoredHash | undefined;
    if (stored?.algorithm !== 'scrypt') return false;
    const expected = Buffer.from(stored.hash, 'base64');
    const key = await derive(password, Buffer.from(stored.salt, 'base64'), stored);
    return key.length === expected.length && timingSafeEqual(key, expected);
  }
}
