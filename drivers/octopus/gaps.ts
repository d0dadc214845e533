import type { ConsumptionReading } from './consumption.ts';

/** A run of missing intervals: `[start, end)` ms UTC, `missing` intervals long. */
export interface ConsumptionGap {
  start: number;
  end: number;
  missing: number;
}

/**
 * Lists the missing intervals between the first and the last reading: wherever a reading starts
 * later than the previous one ended. Overlapping readings do not count as gaps. Readings need
 * not be sorted. `missing` is rounded up when the gap is not a whole number of intervals.
 *
 * @example
 * ```ts
 * const { readings } = parseConsumptionApiJson(page);
 * gaps(readings, 30 * 60_000);
 * // [{ start: Date.parse('2020-05-04T23:30Z'), end: Date.parse('2020-05-05T23:30Z'), missing: 48 }, …]
 * ```
 */
export function gaps(
  readings: ReadonlyArray<Pick<ConsumptionReading, 'start' | 'end'>>,
  intervalMs: number,
): ConsumptionGap[] {
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  const sorted = [...readings].sort((a, b) => a.start - b.start);
  const out: ConsumptionGap[] = [];
  let covered = sorted.length > 0 ? sorted[0].end : 0;
  for (const r of sorted.slice(1)) {
    if (r.start > covered)
      out.push({ start: covered, end: r.start, missing: Math.ceil((r.start - covered) / intervalMs) });
    covered = Math.max(covered, r.end);
  }
  return out;
}
