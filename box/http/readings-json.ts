import { MAX_BATCH_READINGS } from '../store/reading-validation.ts';
import { MAX_TIMESTAMP, MIN_TIMESTAMP, type ReadingColumns } from '../store/types.ts';
import { EXACT_DECIMAL_DIGITS, exactDecimal } from '../util/exact-decimal.ts';

/**
 * The JSON API's fast path for a batch of readings: a body `[{"t":<ms>,"v":<number>},…]` (as
 * `JSON.stringify` writes it, whitespace allowed between tokens) read from its characters
 * straight into columns, without `JSON.parse`'s object per reading. Those objects were 124 of the
 * 211 bytes allocated per reading ingested, and a batch of them, alive while it was written, was
 * copied by every young-generation collection (bench/README.md).
 *
 * Returns undefined for anything else: another key order, other keys, a non-integer or
 * out-of-range `t`, an exponent in `t`, unsorted timestamps, more than a batch's limit,
 * `{ "readings": … }`, or a body that is not JSON at all. The caller then takes the general path
 * (`JSON.parse` and `validateReadings`), which reads it or names the error, so this path never
 * decides that a body is bad and the two always store the same readings
 * (test/box/http/readings-json.test.ts holds them to each other).
 *
 * @example
 * readingColumnsFromJson('[{"t":1700000000000,"v":230.5}]'); // { t: [1700000000000], v: [230.5] }
 * readingColumnsFromJson('{"readings":[]}'); // undefined: the general path reads it
 */
export function readingColumnsFromJson(text: string): ReadingColumns | undefined {
  const n = text.length;
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 91 /* [ */) return undefined;
  i = skipSpace(text, i + 1);
  // the shortest reading is {"t":0,"v":0} and a comma: 14 characters
  const capacity = Math.min(MAX_BATCH_READINGS, Math.floor(n / 14) + 1);
  const t = new Float64Array(capacity);
  const v = new Float64Array(capacity);
  let count = 0;
  let previous = Number.NEGATIVE_INFINITY;
  if (text.charCodeAt(i) === 93 /* ] */) return end(text, i + 1, t, v, 0);
  for (;;) {
    if (count === capacity) return undefined;
    if (text.charCodeAt(i) !== 123 /* { */) return undefined;
    i = key(text, skipSpace(text, i + 1), 116 /* t */);
    if (i < 0) return undefined;
    // t: JSON's integer without a sign (t ≥ 0), at most 15 digits (MAX_TIMESTAMP has 15), read
    // digit by digit: exact below 2^53
    let c = text.charCodeAt(i);
    let ts = 0;
    const tStart = i;
    if (c === 48 /* 0 */) c = text.charCodeAt(++i);
    else
      while (c >= 48 && c <= 57) {
        ts = ts * 10 + (c - 48);
        c = text.charCodeAt(++i);
      }
    if (i === tStart || i - tStart > 15) return undefined;
    // a fraction, an exponent or a leading zero's next digit is the general path's
    if (c === 46 || c === 101 || c === 69 || (c >= 48 && c <= 57)) return undefined;
    if (ts < MIN_TIMESTAMP || ts > MAX_TIMESTAMP || ts < previous) return undefined;
    i = skipSpace(text, i);
    if (text.charCodeAt(i) !== 44 /* , */) return undefined;
    i = key(text, skipSpace(text, i + 1), 118 /* v */);
    if (i < 0) return undefined;
    const value = numberAt(text, i);
    if (value === undefined) return undefined;
    i = skipSpace(text, numberEndAt);
    if (text.charCodeAt(i) !== 125 /* } */) return undefined;
    t[count] = ts;
    v[count] = value;
    count++;
    previous = ts;
    i = skipSpace(text, i + 1);
    c = text.charCodeAt(i);
    if (c === 93 /* ] */) return end(text, i + 1, t, v, count);
    if (c !== 44 /* , */) return undefined;
    i = skipSpace(text, i + 1);
  }
}

function end(text: string, from: number, t: Float64Array, v: Float64Array, count: number) {
  if (skipSpace(text, from) !== text.length) return undefined;
  return { t: t.subarray(0, count), v: v.subarray(0, count) };
}

/** JSON's whitespace: space, tab, newline, carriage return. */
function skipSpace(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
}

/** After `"<name>"` and its colon (and the spaces around), or -1. `name` is one letter. */
function key(text: string, from: number, name: number): number {
  if (text.charCodeAt(from) !== 34 || text.charCodeAt(from + 1) !== name || text.charCodeAt(from + 2) !== 34)
    return -1;
  const colon = skipSpace(text, from + 3);
  return text.charCodeAt(colon) === 58 /* : */ ? skipSpace(text, colon + 1) : -1;
}

/** Where the number {@link numberAt} read last ends (one module-level slot: no object per call). */
let numberEndAt = 0;

/**
 * The finite JSON number `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?` at `from`, ending at
 * {@link numberEndAt}; undefined when there is none or it is not finite. One pass: without an
 * exponent and with at most 15 digits it is `exactDecimal` (box/util/exact-decimal.ts), the same
 * double as `JSON.parse`; anything longer is read by `Number`, which reads JSON numbers alike.
 */
function numberAt(text: string, from: number): number | undefined {
  let i = from;
  let c = text.charCodeAt(i);
  const negative = c === 45; /* - */
  if (negative) c = text.charCodeAt(++i);
  const digitsFrom = i;
  let mantissa = 0;
  if (c === 48 /* 0 */) c = text.charCodeAt(++i);
  else
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      c = text.charCodeAt(++i);
    }
  let digits = i - digitsFrom;
  if (digits === 0 || (c >= 48 && c <= 57)) return undefined;
  let fraction = 0;
  if (c === 46 /* . */) {
    c = text.charCodeAt(++i);
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      fraction++;
      c = text.charCodeAt(++i);
    }
    if (fraction === 0) return undefined;
    digits += fraction;
  }
  let exponent = false;
  if (c === 101 || c === 69 /* e E */) {
    c = text.charCodeAt(++i);
    if (c === 43 || c === 45) c = text.charCodeAt(++i);
    const exponentFrom = i;
    while (c >= 48 && c <= 57) c = text.charCodeAt(++i);
    if (i === exponentFrom) return undefined;
    exponent = true;
  }
  numberEndAt = i;
  if (exponent || digits > EXACT_DECIMAL_DIGITS) {
    const value = Number(text.slice(from, i));
    return Number.isFinite(value) ? value : undefined;
  }
  return exactDecimal(mantissa, fraction, negative);
}
