/**
 * What a line-protocol field value and timestamp may be, as InfluxDB reads them: floats without a
 * leading `+`, `i` integers within int64, `u` integers within uint64, the ten boolean spellings,
 * and timestamps within int64 (held to influxd 1.6 by test/drivers/influx/influxdb-conformance.
 * test.ts). The line parser (line-protocol.ts) calls these for every token its fast paths do not
 * read; line-numbers.ts reads the plain ones on the ingest path.
 */

export type FieldValue = number | boolean | string;

/** A bad line: where in it (`at`, an offset) and why. The parser turns it into a `LineError`. */
export class LineFailure extends Error {
  constructor(
    readonly at: number,
    message: string,
  ) {
    super(message);
  }
}

const BOOLEANS: Record<string, boolean> = {
  t: true,
  T: true,
  true: true,
  True: true,
  TRUE: true,
  f: false,
  F: false,
  false: false,
  False: false,
  FALSE: false,
};
// no leading '+': InfluxDB refuses `v=+2`
const FLOAT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^-?\d+$/;
/** Magnitudes of the int64 and uint64 bounds, as InfluxDB's `strconv.ParseInt` / `ParseUint` check. */
const INT64_MAX = '9223372036854775807';
const INT64_MIN_MAGNITUDE = '9223372036854775808';
const UINT64_MAX = '18446744073709551615';

/** True when the unsigned decimal `digits` (leading zeros allowed) is at most `max`. */
function atMost(digits: string, max: string): boolean {
  let from = 0;
  while (from < digits.length - 1 && digits.charCodeAt(from) === 48) from++;
  const length = digits.length - from;
  if (length !== max.length) return length < max.length;
  return digits.slice(from) <= max;
}

/** True when `-?digits` fits an int64 (a timestamp or an `i` integer). */
export function fitsInt64(text: string): boolean {
  return text.startsWith('-') ? atMost(text.slice(1), INT64_MIN_MAGNITUDE) : atMost(text, INT64_MAX);
}

/**
 * The value of a field's unquoted token: an integer (`42i`, int64), an unsigned one (`42u`,
 * uint64), a boolean or a float, or a {@link LineFailure} at `at` saying why it is none of them.
 *
 * @example
 * fieldValue('42i', 'count', 10); // 42
 * fieldValue('+2', 'w', 10); // throws: a number may not start with "+"
 */
export function fieldValue(token: string, key: string, at: number): FieldValue {
  if (token === '') throw new LineFailure(at, `field "${key}" has no value`);
  const last = token.charCodeAt(token.length - 1);
  if (last === 105 /* i */ || last === 117 /* u */) {
    const digits = token.slice(0, -1);
    if (!INTEGER.test(digits))
      throw new LineFailure(at, `field "${key}": "${token.slice(0, 40)}" is not an integer`);
    if (last === 117 && digits.startsWith('-'))
      throw new LineFailure(at, `field "${key}": an unsigned integer cannot be negative`);
    if (last === 117 ? !atMost(digits, UINT64_MAX) : !fitsInt64(digits))
      throw new LineFailure(
        at,
        `field "${key}": ${token.slice(0, 40)} is out of range (a 64-bit ${last === 117 ? 'unsigned ' : ''}integer)`,
      );
    return Number(digits);
  }
  const first = token.charCodeAt(0);
  if (first === 116 || first === 84 || first === 102 || first === 70) {
    const bool = BOOLEANS[token];
    if (bool !== undefined) return bool;
  } else {
    // fast path: Number() reads every float line protocol allows; it also reads 0x/0b/0o
    // literals, which line protocol does not, so those go to the strict check below
    const second = token.charCodeAt(1);
    const prefixed =
      first === 48 &&
      (second === 120 || second === 88 || second === 98 || second === 66 || second === 111 || second === 79);
    const value = Number(token);
    if (!prefixed && Number.isFinite(value) && FLOAT.test(token)) return value;
  }
  if (first === 43 /* + */)
    throw new LineFailure(
      at,
      `field "${key}": a number may not start with "+" (got "${token.slice(0, 40)}")`,
    );
  if (!FLOAT.test(token))
    throw new LineFailure(
      at,
      `field "${key}": "${token.slice(0, 40)}" is not a number, boolean or quoted string`,
    );
  throw new LineFailure(at, `field "${key}": ${token.slice(0, 40)} is out of range`);
}
