import { canonicalEntryText, GENESIS_HASH, hashEntryText } from './canonical.ts';

/**
 * Checks shared by `AuditLog.verify` (rows in SQLite) and `verifyAuditJsonl` (rows in an export):
 * one entry on its own, and how it links to the entry before it.
 */

/** An entry as read back from storage, before anything about it is trusted. */
export interface UntrustedEntry {
  seq: unknown;
  ts: unknown;
  actor: unknown;
  action: unknown;
  subject: unknown;
  /** The details as the exact JSON text to hash (canonical when written by the box). */
  detailsJson: string;
  prevHash: unknown;
  hash: unknown;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Whether `value` looks like a hash: 64 lower-case hex digits. */
export function isHash(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}

/**
 * What is wrong with one entry on its own, or `null`: field types, hash format, and whether
 * `hash` is really `sha256(prevHash ‖ canonical entry)`.
 */
export function entryProblem(entry: UntrustedEntry): string | null {
  const { seq, ts, actor, action, subject, prevHash, hash } = entry;
  if (!Number.isSafeInteger(seq) || (seq as number) < 1)
    return `seq ${String(seq)} is not a positive integer`;
  if (!Number.isSafeInteger(ts)) return `ts ${JSON.stringify(ts)} is not an integer (Unix ms)`;
  if (typeof actor !== 'string' || typeof action !== 'string' || typeof subject !== 'string') {
    return 'actor, action and subject must be strings';
  }
  // A recomputed hash is always 64 hex digits, so equality below also checks the format of `hash`;
  // `prevHash` is checked by linking, or with `isHash` for the first row of a slice.
  if (typeof prevHash !== 'string' || typeof hash !== 'string') return 'prev_hash and hash must be strings';
  const text = canonicalEntryText(seq as number, ts as number, actor, action, subject, entry.detailsJson);
  const expected = hashEntryText(prevHash, text);
  if (expected !== hash)
    return `hash mismatch: stored ${hash}, recomputed ${expected} (the entry was changed)`;
  return null;
}

/** The end of a verified run of entries. */
export interface ChainLink {
  seq: number;
  hash: string;
}

/**
 * Whether `entry` follows `previous` directly (seq + 1 and prev_hash = previous hash). With
 * `previous` null, `entry` must be the genesis entry (seq 1, prev_hash 64 zeros).
 */
export function linkProblem(previous: ChainLink | null, seq: number, prevHash: string): string | null {
  const expectedSeq = previous ? previous.seq + 1 : 1;
  const expectedPrev = previous ? previous.hash : GENESIS_HASH;
  if (seq !== expectedSeq)
    return `sequence gap: expected seq ${expectedSeq}, found ${seq} (an entry was deleted)`;
  if (prevHash !== expectedPrev) {
    return seq === 1
      ? `prev_hash of seq 1 is not the genesis hash (64 zeros)`
      : `prev_hash does not link: it is ${prevHash}, but seq ${expectedSeq - 1} has hash ${expectedPrev}`;
  }
  return null;
}
