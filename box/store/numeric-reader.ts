import type Database from 'better-sqlite3';
import type { CatalogueEntry } from './catalogue.ts';
import { bucketStart } from './rollup-bucket.ts';
import {
  type Aggregate,
  type AggregatePoint,
  type RangeQuery,
  RESOLUTION_MS,
  type Reading,
  type Resolution,
} from './types.ts';

/** Most rows one read may return; callers page with `from` past the last `t`. */
export const MAX_READ_ROWS = 1_000_000;
export const DEFAULT_RAW_LIMIT = 10_000;

type RollupRow = [
  bucket: number,
  n: number,
  sum: number,
  min: number | null,
  max: number | null,
  first: number | null,
  last: number | null,
  delta: number | null,
];

/** Picks one aggregate out of a rollup row; `undefined` for a bucket that holds no readings. */
function aggregateOf(row: RollupRow, aggregate: Aggregate, counter: boolean): number | undefined {
  const [, n, sum, min, max, first, last, delta] = row;
  if (n === 0) return aggregate === 'delta' && delta !== null ? delta : undefined;
  switch (aggregate) {
    case 'mean':
      return sum / n;
    case 'sum':
      return sum;
    case 'count':
      return n;
    case 'min':
      return min ?? undefined;
    case 'max':
      return max ?? undefined;
    case 'first':
      return first ?? undefined;
    case 'last':
      return last ?? undefined;
    case 'delta':
      // A counter's delta is its consumption in the bucket; a gauge's is its change across it.
      return counter ? (delta ?? 0) : (last ?? 0) - (first ?? 0);
  }
}

/** Reads numeric readings: raw rows and rollups. Raw rows older than the retention horizon are hidden. */
export class NumericReader {
  readonly #newest: Database.Statement<[number, number, number], Reading>;
  readonly #range: Database.Statement<[number, number, number, number], Reading>;
  readonly #rollups: Database.Statement<[number, number, number, number, number], RollupRow>;

  constructor(db: Database.Database) {
    this.#newest = db.prepare('SELECT t, v FROM readings WHERE sid = ? AND t >= ? ORDER BY t DESC LIMIT ?');
    this.#range = db.prepare(
      'SELECT t, v FROM readings WHERE sid = ? AND t >= ? AND t < ? ORDER BY t LIMIT ?',
    );
    this.#rollups = db
      .prepare(
        `SELECT bucket, n, sum, min, max, first, last, delta FROM rollups
         WHERE sid = ? AND res = ? AND bucket >= ? AND bucket < ? ORDER BY bucket LIMIT ?`,
      )
      .raw() as unknown as Database.Statement<[number, number, number, number, number], RollupRow>;
  }

  /** The newest `n` readings, oldest first. */
  lastN(entry: CatalogueEntry, n: number): Reading[] {
    return this.#newest.all(entry.sid, entry.rawHorizon, Math.min(n, MAX_READ_ROWS)).reverse();
  }

  raw(entry: CatalogueEntry, query: RangeQuery): Reading[] {
    const from = Math.max(query.from, entry.rawHorizon);
    const limit = Math.min(query.limit ?? DEFAULT_RAW_LIMIT, MAX_READ_ROWS);
    return this.#range.all(entry.sid, from, query.to, limit);
  }

  /**
   * Buckets of `resolution` that start in `[floor(from), to)`, as one aggregate each. Costs one
   * index range scan over the rollup table: O(buckets), whatever the raw rate.
   */
  rollup(
    entry: CatalogueEntry,
    query: RangeQuery & { resolution: Resolution; aggregate: Aggregate },
  ): AggregatePoint[] {
    const width = RESOLUTION_MS[query.resolution];
    const limit = Math.min(query.limit ?? MAX_READ_ROWS, MAX_READ_ROWS);
    const rows = this.#rollups.all(
      entry.sid,
      width,
      bucketStart(Math.max(query.from, 0), width),
      query.to,
      limit,
    );
    const counter = entry.valueType === 'counter';
    const points: AggregatePoint[] = [];
    for (const row of rows) {
      const v = aggregateOf(row, query.aggregate, counter);
      if (v !== undefined) points.push({ t: row[0], v, n: row[1] });
    }
    return points;
  }
}
