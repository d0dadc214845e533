import type { DataPoint } from '../../../apps-sdk/src/app.ts';

/** The World Health Organization's minimum for a healthy indoor temperature (Housing and health guidelines, 2018). */
export const DEFAULT_THRESHOLD_C = 18;

/**
 * Hours per UTC day in which a bucket was both occupied (mean occupancy above 0.5: someone was in
 * the room more than half of the bucket) and cold (mean temperature below `thresholdC`).
 * Buckets missing either series count as unknown, not cold.
 */
export function coldOccupiedHours(
  temperature: readonly DataPoint[],
  occupancy: readonly DataPoint[],
  widthMs: number,
  thresholdC: number,
): Map<string, number> {
  const occupied = new Map(occupancy.map((p) => [p.t, p.v > 0.5]));
  const days = new Map<string, number>();
  for (const p of temperature) {
    if (occupied.get(p.t) !== true || p.v >= thresholdC) continue;
    const date = new Date(p.t).toISOString().slice(0, 10);
    days.set(date, (days.get(date) ?? 0) + widthMs / 3_600_000);
  }
  return days;
}
