import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The box's Ed25519 audit key: signs checkpoints of the audit log. */
export interface BoxKey {
  /** The key name of its signature lines and the checkpoints' origin: `databox/<16 hex>`. */
  name: string;
  /** The 32-byte Ed25519 public key. */
  publicKey: Buffer;
  /** signed-note key ID: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]. */
  keyId: Buffer;
  /** Verifier key in the Go `note` encoding: `<name>+<keyid hex>+<base64(0x01 ‖ public key)>`. */
  verifierKey: string;
  sign(message: Buffer): Buffer;
}

/** Where the private key lives under the box's home (mode 0600). */
export function boxKeyPath(home: string): string {
  return join(home, 'audit-key.pem');
}

/** Loads the box key from `<home>/audit-key.pem`, creating it (0600) on first run. */
export function loadOrCreateBoxKey(home: string): BoxKey {
  const path = boxKeyPath(home);
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  // private whoever made the folder (an umask or a copy may have widened it)
  chmodSync(path, 0o600);
  return boxKeyFrom(createPrivateKey(readFileSync(path)));
}

/** Loads the key if it exists (CLI commands that only read). */
export function loadBoxKey(home: string): BoxKey | undefined {
  const path = boxKeyPath(home);
  return existsSync(path) ? boxKeyFrom(createPrivateKey(readFileSync(path))) : undefined;
}

function boxKeyFrom(privateKey: KeyObject): BoxKey {
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  const name = `databox/${createHash('sha256').update(publicKey).digest('hex').slice(0, 16)}`;
  const keyId = noteKeyId(name, publicKey);
  return {
    name,
    publicKey,
    keyId,
    verifierKey: `${name}+${keyId.toString('hex')}+${Buffer.concat([Buffer.of(1), publicKey]).toString('base64')}`,
    sign: (message) => sign(null, message, privateKey),
  };
}

/** signed-note key ID of an Ed25519 key. */
export function noteKeyId(name: string, publicKey: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.of(1), publicKey]))
    .digest()
    .subarray(0, 4);
}

/** Parses a verifier key (`name+keyid+base64(0x01‖key)`); throws naming what is wrong. */
export function parseVerifierKey(text: string): { name: string; keyId: Buffer; publicKey: Buffer } {
  // the name has no '+', the key id is hex: the base64 after the second '+' may hold more
  const [name, id] = text.trim().split('+', 2);
  const key = text.trim().slice((name?.length ?? 0) + (id?.length ?? 0) + 2);
  const bytes = Buffer.from(key ?? '', 'base64');
  if (!name || !id || bytes.length !== 33 || bytes[0] !== 1) {
    throw new Error('not a verifier key: expected <name>+<8 hex key id>+<base64 of 0x01 and 32 key bytes>');
  }
  const publicKey = bytes.subarray(1);
  const keyId = noteKeyId(name, publicKey);
  if (keyId.toString('hex') !== id) throw new Error(`verifier key id ${id} does not match its key and name`);
  return { name, keyId, publicKey };
}

/** Ed25519 verification with a raw 32-byte public key. */
export function verifyEd25519(publicKey: Buffer, message: Buffer, signature: Buffer): boolean {
  const key = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]),
    format: 'der',
    type: 'spki',
  });
  return verify(null, message, key, signature);
}

function rawPublicKey(key: KeyObject): Buffer {
  return (key.export({ type: 'spki', format: 'der' }) as Buffer).subarray(-32);
}
