/**
 * The numbers of line protocol read on the ingest path: plain decimal field values without a
 * substring or `Number()`, and timestamps in any `precision` to exact ms. The strict grammar and
 * its error messages are in line-values.ts (`fieldValue`), which falls back to it.
 */

import { EXACT_DECIMAL_DIGITS, exactDecimal } from '../../box/util/exact-decimal.ts';

/**
 * The value of `body[from, to)` when it is a plain decimal float, `-digits[.digits]` or
 * `-.digits` (the part of `FLOAT`'s language without an exponent), else undefined: checked
 * by its characters, without a regular expression or a substring (this runs once per field on the
 * ingest path). With at most 15 digits it is `exactDecimal`, the same double as `Number(token)`;
 * longer tokens are read by `Number`. Exponents (which can overflow to
 * Infinity) and tokens longer than 300 characters (10^300 is still finite) go to `fieldValue`.
 */
export function plainFloat(body: string, from: number, to: number): number | undefined {
  if (to - from > 300) return undefined;
  let i = from;
  let c = body.charCodeAt(i);
  const negative = c === 45;
  if (negative) c = body.charCodeAt(++i);
  let digits = 0;
  let mantissa = 0;
  while (c >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    digits++;
    c = body.charCodeAt(++i);
  }
  let fraction = 0;
  if (c === 46 /* . */) {
    c = body.charCodeAt(++i);
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      fraction++;
      c = body.charCodeAt(++i);
    }
  }
  if (digits === 0 || i !== to) return undefined;
  if (digits > EXACT_DECIMAL_DIGITS) return Number(body.slice(from, to));
  return exactDecimal(mantissa, fraction, negative);
}

/** Factor from a timestamp's unit to ms, for the precisions that are ms or coarser. */
export const PRECISION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Digits cut from the end to reach ms, for the precisions finer than ms. */
export const PRECISION_DROP: Record<string, number> = { n: 6, ns: 6, u: 3, us: 3, µ: 3 };

/** The precisions `/write?precision=` accepts (InfluxDB 1.x names, plus `ns` and `us`). */
export const PRECISIONS = ['n', 'ns', 'u', 'us', 'µ', 'ms', 's', 'm', 'h'] as const;

/**
 * A timestamp's digits in `precision` as integer ms since the epoch (sub-millisecond digits are
 * cut off, rounding towards the past), or undefined when it is negative or out of range.
 * Works on the digits, not a float, so 19-digit nanosecond timestamps stay exact.
 */
export function timestampToMs(digits: string, precision: string): number | undefined {
  const sign = digits.charCodeAt(0);
  if (sign === 45 /* - */) return undefined;
  const plain = sign === 43 /* + */ ? digits.slice(1) : digits;
  if (precision === 'ms') {
    const ms = Number(plain);
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  const drop = PRECISION_DROP[precision];
  if (drop !== undefined) return plain.length <= drop ? 0 : Number(plain.slice(0, plain.length - drop));
  const factor = PRECISION_MS[precision];
  if (factor === undefined) return undefined;
  const ms = Number(plain) * factor;
  return Number.isSafeInteger(ms) ? ms : undefined;
}
