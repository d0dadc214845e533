import type { DataPoint, LocalClock } from '../../../apps-sdk/src/app.ts';
import { isNight, TARIFFS } from './tariffs.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** kWh of one bucket: mean watts × bucket hours / 1000. */
export function bucketKWh(point: DataPoint, widthMs: number): number {
  return (point.v * widthMs) / HOUR / 1000;
}

/**
 * The local hour or day a bucket belongs to is that of its middle: 30-minute buckets start on the
 * UTC half hour, which in a zone such as Asia/Kathmandu (+05:45) is a quarter past, so each local
 * hour gets the two buckets whose middles fall in it.
 */
function middle(p: DataPoint, widthMs: number): number {
  return p.t + Math.min(widthMs, HOUR) / 2;
}

/**
 * kWh per local day of `clock`, for days the data covers completely: every bucket present, and
 * the day over before `to` (a `1d` bucket that holds the current, unfinished day is one bucket
 * too). Days are 23 or 25 hours long where the clocks change; a `1d` bucket is one local day.
 */
export function dailyKWh(
  points: readonly DataPoint[],
  widthMs: number,
  to: number,
  clock: LocalClock,
): Array<{ date: string; kWh: number }> {
  const days = new Map<string, { kWh: number; buckets: number }>();
  for (const p of points) {
    const date = clock.date(middle(p, widthMs));
    const entry = days.get(date) ?? { kWh: 0, buckets: 0 };
    // a 1d bucket is the local day, which is not always 24 hours
    entry.kWh += widthMs >= DAY ? bucketKWh(p, dayLength(clock, date)) : bucketKWh(p, widthMs);
    entry.buckets++;
    days.set(date, entry);
  }
  return [...days]
    .filter(([date, d]) => {
      const end = clock.dayStart(nextDate(date));
      return d.buckets === Math.max(1, Math.round(dayLength(clock, date) / widthMs)) && end <= to;
    })
    .map(([date, d]) => ({ date, kWh: d.kWh }));
}

function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

function dayLength(clock: LocalClock, date: string): number {
  return clock.dayStart(nextDate(date)) - clock.dayStart(date);
}

/** Mean power per local hour of day (of `clock`), and the three highest hours. */
export function peakHours(
  points: readonly DataPoint[],
  widthMs: number,
  clock: LocalClock,
): { meanW: number[]; peak: number[] } {
  const sums = new Array<number>(24).fill(0);
  const counts = new Array<number>(24).fill(0);
  for (const p of points) {
    const hour = clock.hour(middle(p, widthMs));
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
