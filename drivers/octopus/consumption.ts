/**
 * Half-hourly (or other interval) consumption as Octopus Energy publishes it, and the shared
 * helpers of the CSV and REST API parsers.
 */

/** Energy used in one interval: `start`/`end` ms UTC, `kWh` as published (m³ for some gas meters). */
export interface ConsumptionReading {
  start: number;
  end: number;
  kWh: number;
  /** The dashboard CSV's `Estimated Cost Inc. Tax (p)`, in pence, when the file has it. */
  costP?: number;
  /** The dashboard CSV's `Standing Charge Inc. Tax (p)`, in pence, when the file has it. */
  standingP?: number;
}

/** A row or result that could not be used, and why; nothing is dropped silently. */
export interface ConsumptionRowError {
  /** 1-based line number in the CSV, or the index in `results` for the API. */
  line: number;
  /** Where, e.g. `line 7: Consumption (kWh)` or `results[3].interval_start`. */
  path: string;
  message: string;
}

export interface ConsumptionParse {
  /** Valid readings sorted by start (oldest first), one per start time. */
  readings: ConsumptionReading[];
  errors: ConsumptionRowError[];
}

/** ISO 8601 date-time that carries its offset (`Z` or `±hh:mm`): local times without one are ambiguous. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses an ISO timestamp with offset to ms UTC; returns an error message instead when it is not one.
 *
 * @example
 * ```ts
 * parseOffsetTime('2020-05-08T00:00:00+01:00'); // 1588892400000
 * parseOffsetTime('2020-05-08 00:00'); // 'not an ISO 8601 time with offset: "2020-05-08 00:00"'
 * ```
 */
export function parseOffsetTime(text: string): number | string {
  const ms = ISO_WITH_OFFSET.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(ms) ? `not an ISO 8601 time with offset: ${JSON.stringify(text)}` : ms;
}

/**
 * Sorts readings by start and keeps the first of any with the same start, reporting the others
 * through `onDuplicate` (called with the index of the dropped reading in the input).
 *
 * @example
 * ```ts
 * sortUnique(rows, (i) => errors.push({ line: lines[i], path: `line ${lines[i]}`, message: 'duplicate interval' }));
 * ```
 */
export function sortUnique(
  readings: ConsumptionReading[],
  onDuplicate: (index: number) => void,
): ConsumptionReading[] {
  const order = readings.map((r, i) => ({ r, i })).sort((a, b) => a.r.start - b.r.start || a.i - b.i);
  const out: ConsumptionReading[] = [];
  for (const { r, i } of order) {
    if (out.length > 0 && out[out.length - 1].start === r.start) onDuplicate(i);
    else out.push(r);
  }
  return out;
}

/**
 * Pence to pounds without binary noise in the last digit (22.47 p is 0.2247 £, not 0.22469999999999998).
 *
 * @example
 * ```ts
 * penceToPounds(22.47); // 0.2247
 * ```
 */
export function penceToPounds(pence: number): number {
  return Number((pence / 100).toPrecision(15));
}
