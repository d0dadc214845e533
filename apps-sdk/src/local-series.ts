import type { Aggregate, NumericValueType } from './aggregates.ts';
import type { ReadPlan } from './read-rules.ts';
import { bucketStart, type RollupResolution } from './resolution.ts';
import type { DataPoint } from './wire.ts';

/** One raw reading: `t` ms since the epoch, `v` the value. */
export interface RawReading {
  t: number;
  v: number;
}

interface Bucket {
  n: number;
  sum: number;
  min: number;
  max: number;
  first: number;
  last: number;
  delta: number;
}

/**
 * A datasource held in memory the way the box's store holds it: sorted raw readings (first write
 * of a timestamp wins) and, for counters, each reading's increment over the one before (a fall
 * counts as a meter reset: the increment is the new value), so rollups match the store's.
 *
 * @example
 * ```ts
 * const series = new LocalSeries([{ t: 0, v: 1 }, { t: 60_000, v: 3 }], 'gauge');
 * series.read({ resolution: '1h', aggregate: 'mean', from: 0, to: 3_600_000 }); // [{ t: 0, v: 2, n: 2 }]
 * ```
 */
export class LocalSeries {
  readonly #readings: RawReading[];
  readonly #increments: number[];

  constructor(
    readings: readonly RawReading[],
    readonly valueType: NumericValueType,
  ) {
    const byTime = new Map<number, number>();
    for (const { t, v } of readings) {
      if (!Number.isFinite(t) || !Number.isFinite(v))
        throw new Error(`reading {t: ${t}, v: ${v}} is not finite`);
      if (!byTime.has(t)) byTime.set(t, v);
    }
    this.#readings = [...byTime].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v }));
    this.#increments = this.#readings.map((r, i) => {
      if (i === 0) return 0;
      const previous = this.#readings[i - 1].v;
      return r.v >= previous ? r.v - previous : r.v;
    });
  }

  /** The newest timestamp, or undefined when empty. */
  get newest(): number | undefined {
    return this.#readings.at(-1)?.t;
  }

  /** Raw rows in `[from, to)` or one aggregate per epoch-aligned bucket starting in `[from, to)`. */
  read(plan: ReadPlan): DataPoint[] {
    if (plan.resolution === 'raw') {
      return this.#readings.filter((r) => r.t >= plan.from && r.t < plan.to).map(({ t, v }) => ({ t, v }));
    }
    const resolution: RollupResolution = plan.resolution;
    return this.#rollup(plan.aggregate ?? 'mean', (t) => {
      const start = bucketStart(t, resolution);
      return start < plan.from || start >= plan.to ? undefined : start;
    });
  }

  /**
   * One aggregate per bucket `[bounds[i], bounds[i + 1])` whose boundaries the caller fixed (the
   * box's local hours and days, which are not all the same length), at its start.
   */
  readBounds(bounds: readonly number[], aggregate: Aggregate): DataPoint[] {
    return this.#rollup(aggregate, (t) => {
      if (bounds.length < 2 || t < bounds[0] || t >= bounds[bounds.length - 1]) return undefined;
      let lo = 0;
      let hi = bounds.length - 2;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (bounds[mid] <= t) lo = mid;
        else hi = mid - 1;
      }
      return bounds[lo];
    });
  }

  /** Aggregates per bucket; `bucketOf` gives a reading's bucket start, or undefined to skip it. */
  #rollup(aggregate: Aggregate, bucketOf: (t: number) => number | undefined): DataPoint[] {
    const buckets = new Map<number, Bucket>();
    this.#readings.forEach((r, i) => {
      const start = bucketOf(r.t);
      if (start === undefined) return;
      const b = buckets.get(start);
      if (!b) {
        buckets.set(start, {
          n: 1,
          sum: r.v,
          min: r.v,
          max: r.v,
          first: r.v,
          last: r.v,
          delta: this.#increments[i],
        });
        return;
      }
      b.n++;
      b.sum += r.v;
      b.min = Math.min(b.min, r.v);
      b.max = Math.max(b.max, r.v);
      b.last = r.v;
      b.delta += this.#increments[i];
    });
    return [...buckets].map(([t, b]) => ({ t, v: this.#pick(b, aggregate), n: b.n }));
  }

  #pick(b: Bucket, aggregate: Aggregate): number {
    switch (aggregate) {
      case 'mean':
        return b.sum / b.n;
      case 'sum':
        return b.sum;
      case 'count':
        return b.n;
      case 'min':
        return b.min;
      case 'max':
        return b.max;
      case 'first':
        return b.first;
      case 'last':
        return b.last;
      case 'delta':
        return this.valueType === 'counter' ? b.delta : b.last - b.first;
    }
  }
}
