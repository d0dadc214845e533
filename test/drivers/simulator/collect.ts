import type { Reading } from '../../../box/store/types.ts';
import type { HouseholdSimulator } from '../../../drivers/simulator/household-simulator.ts';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const MIN = 60_000;

/** All readings of `[from, to)` grouped by datasource id, batches concatenated in order. */
export function collect(
  sim: HouseholdSimulator,
  from: number,
  to: number,
  batchSize?: number,
): Map<string, Reading[]> {
  const out = new Map<string, Reading[]>();
  for (const { sourceId, readings } of sim.batches(from, to, { batchSize })) {
    const list = out.get(sourceId) ?? [];
    for (const r of readings) list.push(r);
    out.set(sourceId, list);
  }
  return out;
}

/** Readings of one source in `[from, to)`. */
export function within(readings: Reading[], from: number, to: number): Reading[] {
  return readings.filter((r) => r.t >= from && r.t < to);
}

export function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Index of the first reading where the two series differ (length counts), or -1 when equal. */
export function firstDifference(a: Reading[] | undefined, b: Reading[] | undefined): number {
  const x = a ?? [];
  const y = b ?? [];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i].t !== y[i].t || !Object.is(x[i].v, y[i].v)) return i;
  return x.length === y.length ? -1 : n;
}
