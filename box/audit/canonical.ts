import { hash } from 'node:crypto';
import { BadRequestError } from '../errors.ts';

/**
 * Canonical JSON for the audit chain. It is RFC 8785 (JSON Canonicalization Scheme) restricted to
 * what `JSON.stringify` already does byte-exactly:
 * - object keys sorted by UTF-16 code units (the default `Array.prototype.sort` order), recursively;
 * - no whitespace; strings escaped as `JSON.stringify` does (`\"`, `\\`, `\b \f \n \r \t`, other
 *   control characters as lower-case `\u00xx`, everything else literal UTF-8);
 * - numbers as ECMAScript `Number.prototype.toString` (`-0` becomes `0`).
 * Values that JSON cannot carry faithfully are rejected instead of silently changed: `undefined`,
 * functions, symbols, bigints, NaN/±Infinity, strings with lone surrogates, non-plain objects
 * (Date, Map, class instances), sparse arrays and cycles.
 */

/** The `prev_hash` of the first entry: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** In `u` mode a surrogate pair is one code point, so this matches only unpaired surrogates. */
const LONE_SURROGATE = /\p{Cs}/u;

/** The fields of an entry that the hash covers. */
export interface HashedEntry {
  seq: number;
  ts: number;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

/**
 * Serialises `value` canonically. Throws BadRequestError naming the offending path (`path` is the
 * name of the root, e.g. `details`).
 *
 * @example
 * canonicalJson({ b: [1, 2], a: 'x' }); // '{"a":"x","b":[1,2]}'
 */
export function canonicalJson(value: unknown, path = '(root)'): string {
  return write(value, path, new Set());
}

function write(value: unknown, path: string, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) throw reject(path, 'contains a lone surrogate (not valid Unicode)');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw reject(path, `${value} is not a finite number`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (seen.has(value)) throw reject(path, 'is a circular reference');
      seen.add(value);
      try {
        return Array.isArray(value) ? writeArray(value, path, seen) : writeObject(value, path, seen);
      } finally {
        seen.delete(value);
      }
    default:
      throw reject(path, `${typeof value} cannot be represented in JSON`);
  }
}

function writeArray(value: unknown[], path: string, seen: Set<object>): string {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) throw reject(`${path}[${i}]`, 'is a hole in a sparse array');
    parts.push(write(value[i], `${path}[${i}]`, seen));
  }
  return `[${parts.join(',')}]`;
}

function writeObject(value: object, path: string, seen: Set<object>): string {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw reject(path, `is a ${proto?.constructor?.name ?? 'non-plain'} object, not a plain JSON object`);
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  const parts: string[] = [];
  for (const key of keys) {
    if (LONE_SURROGATE.test(key)) throw reject(path, `key ${JSON.stringify(key)} contains a lone surrogate`);
    parts.push(`${JSON.stringify(key)}:${write(record[key], `${path}.${key}`, seen)}`);
  }
  return `{${parts.join(',')}}`;
}

function reject(path: string, message: string): BadRequestError {
  return new BadRequestError(`${path} ${message}`, { code: 'invalid_json', details: [{ path, message }] });
}

/**
 * The canonical entry text from its parts, with `detailsJson` already canonical. Equal to
 * `canonicalJson({ seq, ts, actor, action, subject, details })`; the keys are written in sorted
 * order by hand so the hot path does not sort or re-serialise.
 */
export function canonicalEntryText(
  seq: number,
  ts: number,
  actor: string,
  action: string,
  subject: string,
  detailsJson: string,
): string {
  return `{"action":${JSON.stringify(action)},"actor":${JSON.stringify(actor)},"details":${detailsJson},"seq":${seq},"subject":${JSON.stringify(subject)},"ts":${ts}}`;
}

/** `sha256(prevHash ‖ canonicalEntryText)` over UTF-8, as 64 lower-case hex digits. */
export function hashEntryText(prevHash: string, entryText: string): string {
  // One-shot crypto.hash (Node ≥ 20.12) is about twice as fast as createHash for short inputs.
  return hash('sha256', prevHash + entryText, 'hex');
}

/**
 * The hash of an entry: lower-case hex SHA-256 of the UTF-8 bytes of `prevHash` (64 hex digits)
 * immediately followed by the canonical JSON of `{action, actor, details, seq, subject, ts}`.
 *
 * @example
 * entryHash(GENESIS_HASH, { seq: 1, ts: 0, actor: 'box', action: 'box.start', subject: '', details: {} });
 */
export function entryHash(prevHash: string, entry: HashedEntry): string {
  const detailsJson = canonicalJson(entry.details, 'details');
  return hashEntryText(
    prevHash,
    canonicalEntryText(entry.seq, entry.ts, entry.actor, entry.action, entry.subject, detailsJson),
  );
}
