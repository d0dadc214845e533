import type { DataPoint } from '../../../apps-sdk/src/app.ts';

/** What counts as kettle-like: a rise of 2–3 kW, undone by a fall of about the same size soon after. */
export const KETTLE = { minW: 2000, maxW: 3000, maxOnMs: 10 * 60_000, matchW: 300 } as const;

export interface KettleUse {
  start: number;
  durationS: number;
  watts: number;
}

/**
 * Finds kettle-like uses in raw power: a step up of 2–3 kW between consecutive readings, then a
 * step down within 300 W of it no more than ten minutes later. Longer loads of the same size (an
 * oven, a shower) are not kettles; smaller or larger steps are other appliances.
 */
export function findKettleUses(points: readonly DataPoint[]): KettleUse[] {
  const uses: KettleUse[] = [];
  for (let i = 1; i < points.length; i++) {
    const rise = points[i].v - points[i - 1].v;
    if (rise < KETTLE.minW || rise > KETTLE.maxW) continue;
    for (let j = i + 1; j < points.length && points[j].t - points[i].t <= KETTLE.maxOnMs; j++) {
      const fall = points[j - 1].v - points[j].v;
      if (Math.abs(fall - rise) <= KETTLE.matchW) {
        uses.push({
          start: points[i].t,
          durationS: (points[j].t - points[i].t) / 1000,
          watts: Math.round(rise),
        });
        i = j;
        break;
      }
    }
  }
  return uses;
}

/** Median gap between readings, ms (raw data may be sampled more coarsely than the 10 s asked for). */
export function medianIntervalMs(points: readonly DataPoint[]): number {
  const gaps = points.slice(1).map((p, i) => p.t - points[i].t);
  gaps.sort((a, b) => a - b);
  return gaps.length ? gaps[Math.floor(gaps.length / 2)] : 0;
}
