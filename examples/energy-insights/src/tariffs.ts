/**
 * Tariff rates the comparison uses (pence, including VAT; see the README). Times are UTC: the
 * box's buckets are UTC and the UK's night rate windows are set in GMT all year.
 */
export const TARIFFS = {
  flat: { unitPence: 24.5, standingPencePerDay: 60 },
  dayNight: {
    dayPence: 28,
    nightPence: 13,
    standingPencePerDay: 60,
    /** Night is [00:30, 07:30) UTC, as on an Economy 7 meter. */
    nightStartMinute: 30,
    nightEndMinute: 7 * 60 + 30,
  },
} as const;

/** True when the bucket starting at `t` (ms) lies in the night window. */
export function isNight(t: number): boolean {
  const minute = Math.floor((t % 86_400_000) / 60_000);
  return minute >= TARIFFS.dayNight.nightStartMinute && minute < TARIFFS.dayNight.nightEndMinute;
}
