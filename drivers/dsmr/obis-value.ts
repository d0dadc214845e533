/**
 * Reading the bracketed values of COSEM objects: `000004.426*kWh`, `00.244*kW`, `0230.0*V`,
 * `003`, hex-encoded text. Numbers are converted by shifting the decimal exponent in the text
 * (`Number('00.244e3')`), so `0.244 kW` becomes exactly 244 W without floating-point noise.
 */

/** A number with its unit as sent (`null` when the value has no `*unit`). */
export interface Quantity {
  value: number;
  unit: string | null;
}

/** Powers of ten from a unit to the one the box stores. */
const SCALE: Record<string, { unit: string; pow: number }> = {
  kwh: { unit: 'kWh', pow: 0 },
  wh: { unit: 'kWh', pow: -3 },
  mwh: { unit: 'kWh', pow: 3 },
  kw: { unit: 'W', pow: 3 },
  w: { unit: 'W', pow: 0 },
  v: { unit: 'V', pow: 0 },
  a: { unit: 'A', pow: 0 },
  m3: { unit: 'm³', pow: 0 },
  'm³': { unit: 'm³', pow: 0 },
  dm3: { unit: 'm³', pow: -3 },
  l: { unit: 'm³', pow: -3 },
  gj: { unit: 'GJ', pow: 0 },
  s: { unit: 's', pow: 0 },
};

/**
 * Parses `digits[*unit]` into a number (in the unit given) and the unit; `null` when it is not a number.
 *
 * @example
 * ```ts
 * parseQuantity('000004.426*kWh'); // { value: 4.426, unit: 'kWh' }
 * parseQuantity('00013'); // { value: 13, unit: null }
 * ```
 */
export function parseQuantity(text: string): Quantity | null {
  const m = /^\s*([-+]?\d+(?:\.\d+)?)\s*(?:\*\s*(\S+))?\s*$/.exec(text);
  if (!m) return null;
  return { value: Number(m[1]), unit: m[2] ?? null };
}

/**
 * Parses a value and converts it to the box's unit for its dimension (kWh, W, V, A, m³, GJ, s).
 * `expected` is the box unit the caller wants; a value in another dimension gives `null`.
 * A value without a unit is taken to already be in `defaultUnit` (DSMR 2.2 gas has its unit on a
 * separate line).
 *
 * @example
 * ```ts
 * toBoxUnit('01.193*kW', 'W'); // 1193
 * toBoxUnit('12345*Wh', 'kWh'); // 12.345
 * toBoxUnit('00001.001', 'm³', 'm3'); // 1.001
 * ```
 */
export function toBoxUnit(text: string, expected: string, defaultUnit?: string): number | null {
  const m = /^\s*([-+]?\d+(?:\.\d+)?)\s*(?:\*\s*(\S+))?\s*$/.exec(text);
  if (!m) return null;
  const unit = m[2] ?? defaultUnit;
  if (unit === undefined) return null;
  const scale = SCALE[unit.toLowerCase()];
  if (!scale || scale.unit !== expected) return null;
  return scale.pow === 0 ? Number(m[1]) : Number(`${m[1]}e${scale.pow}`);
}

/**
 * Parses a plain integer value such as `00013` or `0002`; `null` when it is not one.
 *
 * @example
 * ```ts
 * parseInteger('0002'); // 2
 * ```
 */
export function parseInteger(text: string): number | null {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : null;
}

/**
 * Decodes a hex-encoded ASCII text message (DSMR 4+), or returns the text unchanged when it is
 * not hex (DSMR 2.2 sent plain text); `null` for an empty message.
 *
 * @example
 * ```ts
 * decodeHexText('303132'); // '012'
 * ```
 */
export function decodeHexText(text: string): string | null {
  if (text === '') return null;
  if (/^(?:[0-9A-Fa-f]{2})+$/.test(text)) return Buffer.from(text, 'hex').toString('latin1');
  return text;
}
