import { type BoxKey, noteKeyId, verifyEd25519 } from './box-key.ts';

/** A parsed C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint) and its signatures. */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
  /** The note text that is signed: the three lines, each ending in a newline. */
  text: string;
  signatures: Array<{ name: string; keyId: Buffer; signature: Buffer }>;
}

/**
 * The signed note of a checkpoint: origin, tree size, base64 root hash (each line ending in a
 * newline), a blank line and `— <name> <base64(key id ‖ Ed25519 signature of the text)>`.
 *
 * @example
 * signCheckpoint(key, 12, root); // 'databox/…\n12\nq2…=\n\n— databox/… AbCd…\n'
 */
export function signCheckpoint(key: BoxKey, size: number, root: Buffer): string {
  const text = `${key.name}\n${size}\n${root.toString('base64')}\n`;
  const signature = Buffer.concat([key.keyId, key.sign(Buffer.from(text, 'utf8'))]);
  return `${text}\n\u2014 ${key.name} ${signature.toString('base64')}\n`;
}

/** Parses a checkpoint note; throws naming the first thing that is not the format. */
export function parseCheckpoint(note: string): Checkpoint {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error('not a signed note: no blank line between the text and the signatures');
  const text = note.slice(0, split + 1);
  const [origin, sizeLine, rootLine] = text.split('\n');
  if (!origin) throw new Error('checkpoint line 1: the origin is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine ?? ''))
    throw new Error(`checkpoint line 2: "${sizeLine}" is not a tree size`);
  const root = Buffer.from(rootLine ?? '', 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootLine)
    throw new Error('checkpoint line 3: not the base64 of a 32-byte root hash');
  const signatures = [];
  for (const line of note.slice(split + 2).split('\n')) {
    if (line === '') continue;
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match) throw new Error(`signature line "${line.slice(0, 40)}" is not "— <name> <base64>"`);
    const bytes = Buffer.from(match[2], 'base64');
    if (bytes.length < 5) throw new Error('a signature is shorter than its key id');
    signatures.push({ name: match[1], keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) });
  }
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw new Error('checkpoint line 2: the tree size is too large');
  return { origin, size, root, text, signatures };
}

/**
 * Parses `note` and checks that `key` (name and public key) signed it and that the origin is the
 * key's name; throws with the reason otherwise.
 */
export function verifyCheckpoint(note: string, key: { name: string; publicKey: Buffer }): Checkpoint {
  const checkpoint = parseCheckpoint(note);
  const keyId = noteKeyId(key.name, key.publicKey);
  const mine = checkpoint.signatures.filter((s) => s.name === key.name && s.keyId.equals(keyId));
  if (mine.length === 0) throw new Error(`the checkpoint has no signature by ${key.name}`);
  for (const s of mine) {
    if (!verifyEd25519(key.publicKey, Buffer.from(checkpoint.text, 'utf8'), s.signature))
      throw new Error(`the signature by ${key.name} does not verify: the checkpoint was altered or forged`);
  }
  if (checkpoint.origin !== key.name)
    throw new Error(`the checkpoint is for log "${checkpoint.origin}", not ${key.name}`);
  return checkpoint;
}
