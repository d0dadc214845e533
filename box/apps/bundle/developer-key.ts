import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { BadRequestError } from '../../errors.ts';
import { type Publisher, publisherOf } from './bundle-format.ts';

/** A developer's Ed25519 signing key for app bundles. */
export interface DeveloperKey extends Publisher {
  /** Where the private key is (PKCS#8 PEM, mode 0600). */
  file: string;
  /** The raw 32-byte public key. */
  publicKey: Buffer;
  /** True if this call made the key. */
  created: boolean;
  sign(message: Buffer): Buffer;
}

/**
 * The default key file: `$XDG_CONFIG_HOME/databox/developer-key.pem`, else
 * `~/.config/databox/developer-key.pem` (the developer's config folder, not a box's data folder:
 * one key signs every app of its developer).
 */
export function defaultDeveloperKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(config, 'databox', 'developer-key.pem');
}

/**
 * Loads the developer's key from `file` (default {@link defaultDeveloperKeyPath}), creating it on
 * first use: a new Ed25519 key written with `flag: 'wx'` and mode 0600 in a 0700 folder, made with
 * node:crypto as the box makes its audit key (box/audit/box-key.ts). The mode is set to 0600 again
 * on every load, whoever widened it. A file that is not an Ed25519 private key is refused.
 *
 * @example
 * const key = loadOrCreateDeveloperKey();
 * console.log(key.fingerprint); // SHA256:3q2+7w…
 */
export function loadOrCreateDeveloperKey(file = defaultDeveloperKeyPath()): DeveloperKey {
  const path = resolve(file);
  let created = false;
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    created = true;
  }
  chmodSync(path, 0o600);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (error) {
    throw new BadRequestError(`${file} is not a private key (${(error as Error).message})`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new BadRequestError(
      `${file} is a ${privateKey.asymmetricKeyType} key; app bundles are signed with Ed25519`,
    );
  const publicKey = (createPublicKey(privateKey).export({ type: 'spki', format: 'der' }) as Buffer).subarray(
    -32,
  );
  return {
    ...publisherOf(publicKey),
    file: path,
    publicKey,
    created,
    sign: (message) => sign(null, message, privateKey),
  };
}
