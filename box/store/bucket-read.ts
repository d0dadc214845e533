import { BadRequestError } from '../errors.ts';
import { type BucketStatsRow, readBoundsStats, statsValue, widthFor } from './bounds-read.ts';
import type { Store } from './store.ts';
import type { Aggregate, AggregatePoint } from './types.ts';

/** A read of buckets whose boundaries the caller fixed (the arbiter's local hours and days). */
export interface BucketQuery {
  /** Bucket starts and the end of the last bucket, ascending, each a whole number of minutes. */
  bounds: readonly number[];
  aggregate: Aggregate;
  /**
   * When every bucket is a whole local day of this zone: they are read from the store's stored
   * local days ({@link Store.localDays}) rather than merged again.
   */
  dayZone?: string;
}

/**
 * One aggregate per bucket `[bounds[i], bounds[i + 1])` from the rollups, exact whatever the
 * bucket lengths (23- and 25-hour days, 90-minute hours across a half-hour DST change), with each
 * bucket's reading count `n`. Buckets with no readings are left out, as the store's reads do
 * (a counter's delta re-based into an empty bucket is kept). Not audited: the caller audits.
 *
 * @example
 * ```ts
 * readBuckets(store, 'meter.power', { bounds: [a, b, c], aggregate: 'mean' }); // two points
 * ```
 */
export function readBuckets(store: Store, id: string, query: BucketQuery): AggregatePoint[] {
  const entry = store.catalogue.get(id);
  if (entry.valueType !== 'gauge' && entry.valueType !== 'counter')
    throw new BadRequestError(`datasource "${id}" holds ${entry.valueType} values, not numeric readings`);
  const { bounds } = query;
  if (bounds.length < 2) return [];
  let stats: BucketStatsRow[];
  if (query.dayZone) stats = store.localDays.days(entry.sid, query.dayZone, bounds, store.now());
  else {
    const width = widthFor(bounds);
    if (width === undefined)
      throw new BadRequestError(
        'bucket boundaries are not whole minutes; they cannot be built from the rollups',
      );
    stats = readBoundsStats(store.db, entry.sid, bounds, width);
  }
  const counter = entry.valueType === 'counter';
  const points: AggregatePoint[] = [];
  for (let i = 0; i < stats.length; i++) {
    const v = statsValue(stats[i], query.aggregate, counter);
    if (v !== undefined) points.push({ t: bounds[i], v, n: stats[i][0] });
  }
  return points;
}
