import type { DataPoint, LocalClock } from '../../../apps-sdk/src/app.ts';

/** The World Health Organization's minimum for a healthy indoor temperature (Housing and health guidelines, 2018). */
export const DEFAULT_THRESHOLD_C = 18;

/**
 * Hours per local day of `clock` (the household's, or UTC when it is not shared) in which a
 * bucket was both occupied (mean occupancy above 0.5: someone was in the room more than half of
 * the bucket) and cold (mean temperature below `thresholdC`).
 * Buckets missing either series count as unknown, not cold. A bucket counts in the day of its
 * middle (an hour bucket starts on the local hour; a 15-minute one on the UTC quarter, which is a
 * local quarter in every zone in use).
 */
export function coldOccupiedHours(
  temperature: readonly DataPoint[],
  occupancy: readonly DataPoint[],
  widthMs: number,
  thresholdC: number,
  clock: LocalClock,
): Map<string, number> {
  const occupied = new Map(occupancy.map((p) => [p.t, p.v > 0.5]));
  const days = new Map<string, number>();
  for (const p of temperature) {
    if (occupied.get(p.t) !== true || p.v >= thresholdC) continue;
    const date = clock.date(p.t + widthMs / 2);
    days.set(date, (days.get(date) ?? 0) + widthMs / 3_600_000);
  }
  return days;
}
