/**
 * Decimal text to a double without `Number()`'s substring, for parsers that read numbers from a
 * body's characters (the JSON readings fast path, the line protocol's `plainFloat`). A scanner
 * collects the digits as an integer `mantissa` and counts the digits after the point
 * (`fraction`); with at most {@link EXACT_DECIMAL_DIGITS} digits in all, the mantissa is an exact
 * integer and 10^fraction an exact double, so one IEEE division gives the correctly rounded value,
 * the same double as `Number(text)` (Clinger's fast path). Longer numbers are the caller's to hand
 * to `Number`.
 *
 * @example
 * exactDecimal(2305, 1, false); // 230.5, as Number('230.5')
 */
export const EXACT_DECIMAL_DIGITS = 15;

/** Exact powers of ten: every one up to 10^22 is a float64 without rounding. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** ±mantissa / 10^fraction, correctly rounded, for at most {@link EXACT_DECIMAL_DIGITS} digits. */
export function exactDecimal(mantissa: number, fraction: number, negative: boolean): number {
  const value = mantissa / POW10[fraction];
  return negative ? -value : value;
}
