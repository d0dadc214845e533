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

/**
 * Per aggregate, the rollup columns it needs, as `[bucket, n, value]`. Selecting only these
 * (rather than every column) halves the cost of a long read: better-sqlite3 pays per column.
 * A gauge's `delta` is its change across the bucket; a counter's is its consumption.
 */
const VALUE_SQL: Record<Aggregate, { gauge: string; counter: string }> = {
  mean: { gauge: 'sum / n', counter: 'sum / n' },
  sum: { gauge: 'sum', counter: 'sum' },
  count: { gauge: 'n', counter: 'n' },
  min: { gauge: 'min', counter: 'min' },
  max: { gauge: 'max', counter: 'max' },
  first: { gauge: 'first', counter: 'first' },
  last: { gauge: 'last', counter: 'last' },
  delta: { gauge: 'last - first', counter: 'coalesce(delta, 0)' },
};

type RollupRow = [bucket: number, n: number, value: number | null];
type RollupStatement = Database.Statement<[number, number, number, number, number], RollupRow>;

/** Reads numeric readings: raw rows and rollups. Raw rows older than the retention horizon are hidden. */
export class NumericReader {
  readonly #newest: Database.Statement<[number, number, number], Reading>;
  readonly #range: Database.Statement<[number, number, number, number], Reading>;
  readonly #db: Database.Database;
  readonly #rollups = new Map<string, RollupStatement>();

  constructor(db: Database.Database) {
    this.#newest = db.prepare('SELECT t, v FROM readings WHERE sid = ? AND t >= ? ORDER BY t DESC LIMIT ?');
    this.#range = db.prepare(
      'SELECT t, v FROM readings WHERE sid = ? AND t >= ? AND t < ? ORDER BY t LIMIT ?',
    );
    this.#db = db;
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
    const rows = this.#statement(query.aggregate, entry.valueType === 'counter').all(
      entry.sid,
      width,
      bucketStart(Math.max(query.from, 0), width),
      query.to,
      limit,
    );
    const points: AggregatePoint[] = new Array(rows.length);
    let kept = 0;
    for (const [t, n, v] of rows) {
      // a bucket left with no readings (n = 0) only matters for a counter's delta
      if (v !== null && (n > 0 || query.aggregate === 'delta')) points[kept++] = { t, v, n };
    }
    points.length = kept;
    return points;
  }

  #statement(aggregate: Aggregate, counter: boolean): RollupStatement {
    const key = `${aggregate}:${counter}`;
    let statement = this.#rollups.get(key);
    if (!statement) {
      const value = VALUE_SQL[aggregate][counter ? 'counter' : 'gauge'];
      statement = this.#db
        .prepare(
          `SELECT bucket, n, ${value} FROM rollups WHERE sid = ? AND res = ? AND bucket >= ? AND bucket < ? ORDER BY bucket LIMIT ?`,
        )
        .raw() as unknown as RollupStatement;
      this.#rollups.set(key, statement);
    }
    return statement;
  }
}
