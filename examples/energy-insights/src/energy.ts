import type { DataPoint } from '../../../apps-sdk/src/app.ts';
import { isNight, TARIFFS } from './tariffs.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** kWh of one bucket: mean watts × bucket hours / 1000. */
export function bucketKWh(point: DataPoint, widthMs: number): number {
  return (point.v * widthMs) / HOUR / 1000;
}

/**
 * kWh per UTC day, for days the data covers completely: every bucket present, and the day over
 * before `to` (a `1d` bucket that holds the current, unfinished day is one bucket too).
 */
export function dailyKWh(
  points: readonly DataPoint[],
  widthMs: number,
  to: number,
): Array<{ date: string; kWh: number }> {
  const days = new Map<number, { kWh: number; buckets: number }>();
  for (const p of points) {
    const day = p.t - (p.t % DAY);
    const entry = days.get(day) ?? { kWh: 0, buckets: 0 };
    entry.kWh += bucketKWh(p, widthMs);
    entry.buckets++;
    days.set(day, entry);
  }
  return [...days]
    .filter(([day, d]) => d.buckets === DAY / widthMs && day + DAY <= to)
    .map(([day, d]) => ({ date: new Date(day).toISOString().slice(0, 10), kWh: d.kWh }));
}

/** Mean power per UTC hour of day, and the three highest hours. */
export function peakHours(points: readonly DataPoint[]): { meanW: number[]; peak: number[] } {
  const sums = new Array<number>(24).fill(0);
  const counts = new Array<number>(24).fill(0);
  for (const p of points) {
    const hour = Math.floor((p.t % DAY) / HOUR);
    sums[hour] += p.v;
    counts[hour]++;
  }
  const meanW = sums.map((s, h) => (counts[h] ? s / counts[h] : 0));
  const peak = meanW
    .map((w, h) => ({ w, h }))
    .sort((a, b) => b.w - a.w || a.h - b.h)
    .slice(0, 3)
    .map((x) => x.h);
  return { meanW, peak };
}

/** Cost in pence of the given whole days on each tariff, and the night share of use. */
export function compareTariffs(
  points: readonly DataPoint[],
  widthMs: number,
  days: number,
): { flatPence: number; dayNightPence: number; nightShare: number } {
  let total = 0;
  let night = 0;
  for (const p of points) {
    const kWh = bucketKWh(p, widthMs);
    total += kWh;
    if (isNight(p.t)) night += kWh;
  }
  const { flat, dayNight } = TARIFFS;
  return {
    flatPence: total * flat.unitPence + days * flat.standingPencePerDay,
    dayNightPence:
      night * dayNight.nightPence + (total - night) * dayNight.dayPence + days * dayNight.standingPencePerDay,
    nightShare: total > 0 ? night / total : 0,
  };
}
