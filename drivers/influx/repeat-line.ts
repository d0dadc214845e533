/**
 * The ingest's fast path for the line Telegraf and Home Assistant send most: the previous line's
 * series key and single field again, with a new value and timestamp,
 *
 *   power,meter=p1 w=1234.5 1700000000000
 *
 * read from its characters into a number pair, without the general parser's per-line objects,
 * substrings and field list. Anything else (another series or field, more fields, an integer,
 * boolean or string value, an exponent, no timestamp, a sign, extra spaces, a CR, a timestamp out
 * of range) is not read here: the caller hands the line to the general parser, which reads it
 * or names its error, so this path never decides that a line is bad.
 */

import { MAX_TIMESTAMP } from '../../box/store/types.ts';
import { PRECISION_DROP, PRECISION_MS, plainFloat } from './line-numbers.ts';

const NL = 10;
const SPACE = 32;

/** The value and ms timestamp of the last line {@link readRepeatLine} read (one object per body). */
export interface RepeatReading {
  t: number;
  v: number;
}

/**
 * Reads `<float> <digits>` from `from` (just after the repeated `series field=` prefix) to the
 * line's end. Returns the offset of the line's newline (or the body's length) and sets `out`, or
 * -1 when the line is not of that plain form. Timestamps are cut to ms towards the past, exactly
 * as `timestampToMs` does.
 *
 * @example
 * const out = { t: 0, v: 0 };
 * const body = 'm f=1 5\nm f=2.5 1700000000000';
 * readRepeatLine(body, 12, 'ms', out); // 29 (the body's length); out → { t: 1700000000000, v: 2.5 }
 */
export function readRepeatLine(body: string, from: number, precision: string, out: RepeatReading): number {
  const n = body.length;
  let i = from;
  while (i < n && body.charCodeAt(i) !== SPACE) {
    const c = body.charCodeAt(i);
    if (c === NL || c === 44 /* , */) return -1;
    i++;
  }
  if (i === from || i >= n) return -1;
  const v = plainFloat(body, from, i);
  if (v === undefined) return -1;
  const tsStart = ++i;
  let end = tsStart;
  while (end < n) {
    const c = body.charCodeAt(end);
    if (c === NL) break;
    if (c < 48 || c > 57) return -1;
    end++;
  }
  // the units of timestampToMs: digits cut off below ms, or a factor up to ms
  const drop = PRECISION_DROP[precision] ?? 0;
  const factor = PRECISION_MS[precision] ?? (drop > 0 ? 1 : undefined);
  const digits = end - tsStart;
  if (factor === undefined || digits === 0 || digits > 19) return -1;
  const keep = digits - drop;
  // at most 15 digits stay an exact integer on the way; longer ones are the general parser's
  if (keep > 15) return -1;
  let ms = 0;
  for (let k = tsStart; k < tsStart + keep; k++) ms = ms * 10 + (body.charCodeAt(k) - 48);
  ms *= factor;
  if (ms > MAX_TIMESTAMP) return -1;
  out.t = ms;
  out.v = v;
  return end;
}
