import type Database from 'better-sqlite3';
import { dayOf, prepareBlocks } from './blocks.ts';
import type { CatalogueEntry } from './catalogue.ts';
import { bucketStart } from './rollup-bucket.ts';
import {
  type Aggregate,
  type AggregatePoint,
  type RangeQuery,
  RESOLUTION_MS,
  type Reading,
  type ReadResolution,
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
type ColumnsRow = [
  count: number,
  first: number | null,
  last: number | null,
  v: string | null,
  n: string | null,
];

/**
 * A read as columns of JSON number text, comma-separated (`"1.5,2,3.25"`), built by SQLite's
 * `group_concat` in one row: no object per bucket. SQLite prints a REAL with as many digits as it
 * takes to read back the same double (`2011.0`, `0.33333333333333332`), so the numbers are exact
 * though not always spelled as `JSON.stringify` would (test/box/store/read-columns.test.ts).
 */
export interface ColumnsRead {
  count: number;
  /** First and last `t` (undefined when empty). */
  first?: number;
  last?: number;
  /** The `t` column, only when the rows are not evenly spaced by `step`. */
  t?: string;
  /** Bucket width (rollups); raw reads have none. */
  step?: number;
  v: string;
  /** Readings per bucket (rollups only). */
  n?: string;
}
type RollupStatement = Database.Statement<[number, number, number, number, number], RollupRow>;

/**
 * Raw rows of `[from, to)` from `readings` and from the compressed blocks of days `[first, last]`
 * (a day is one or the other, never both), merged by `t`: SQLite merges the two ordered sides
 * (`MERGE (UNION ALL)`), so the row side still stops at `LIMIT`. Parameters: sid, from, to, sid,
 * first day, last day, from, to, limit.
 */
const RAW_UNION_SQL = (order: 'ASC' | 'DESC') =>
  `SELECT t, v FROM readings WHERE sid = ? AND t >= ? AND t < ? UNION ALL SELECT CAST(r.t AS INTEGER), r.v FROM blocks b, block_rows(b.data) r WHERE b.sid = ? AND b.day >= ? AND b.day <= ? AND r.t >= ? AND r.t < ? ORDER BY 1 ${order} LIMIT ?`;
const RAW_ROWS_SQL = 'SELECT t, v FROM readings WHERE sid = ? AND t >= ? AND t < ? ORDER BY t LIMIT ?';

/** Reads numeric readings: raw rows and rollups. Raw rows older than the retention horizon are hidden. */
export class NumericReader {
  readonly #newest: Database.Statement<[number, number, number], Reading>;
  readonly #range: Database.Statement<[number, number, number, number], Reading>;
  readonly #db: Database.Database;
  readonly #rollups = new Map<string, RollupStatement>();
  readonly #columns = new Map<string, Database.Statement>();
  readonly #blockDays: Database.Statement<[number, number, number], [number, number]>;
  readonly #blockDaysDesc: Database.Statement<[number, number], [number, number]>;
  readonly #unionAsc: Database.Statement;
  readonly #unionDesc: Database.Statement;

  constructor(db: Database.Database) {
    prepareBlocks(db);
    this.#blockDays = db
      .prepare('SELECT day, n FROM blocks WHERE sid = ? AND day >= ? AND day <= ? ORDER BY day')
      .raw() as never;
    this.#blockDaysDesc = db
      .prepare('SELECT day, n FROM blocks WHERE sid = ? AND last_t >= ? ORDER BY day DESC')
      .raw() as never;
    this.#unionAsc = db.prepare(RAW_UNION_SQL('ASC'));
    this.#unionDesc = db.prepare(RAW_UNION_SQL('DESC'));
    this.#newest = db.prepare('SELECT t, v FROM readings WHERE sid = ? AND t >= ? ORDER BY t DESC LIMIT ?');
    this.#range = db.prepare(
      'SELECT t, v FROM readings WHERE sid = ? AND t >= ? AND t < ? ORDER BY t LIMIT ?',
    );
    this.#db = db;
  }

  /** The newest `n` readings, oldest first. */
  lastN(entry: CatalogueEntry, n: number): Reading[] {
    const limit = Math.min(n, MAX_READ_ROWS);
    // the newest blocks that hold `limit` readings between them (none: rows only)
    let first: number | undefined;
    let last: number | undefined;
    let held = 0;
    for (const [day, count] of this.#blockDaysDesc.iterate(entry.sid, entry.rawHorizon)) {
      last ??= day;
      first = day;
      held += count;
      if (held >= limit) break;
    }
    if (first === undefined || last === undefined)
      return this.#newest.all(entry.sid, entry.rawHorizon, limit).reverse();
    const to = Number.MAX_SAFE_INTEGER;
    const from = entry.rawHorizon;
    return (
      this.#unionDesc.all(entry.sid, from, to, entry.sid, first, last, from, to, limit) as Reading[]
    ).reverse();
  }

  raw(entry: CatalogueEntry, query: RangeQuery): Reading[] {
    const from = Math.max(query.from, entry.rawHorizon);
    const limit = Math.min(query.limit ?? DEFAULT_RAW_LIMIT, MAX_READ_ROWS);
    const span = this.#blockSpan(entry.sid, from, query.to, limit);
    if (span === undefined) return this.#range.all(entry.sid, from, query.to, limit);
    return this.#unionAsc.all(
      entry.sid,
      from,
      query.to,
      entry.sid,
      span[0],
      span[1],
      from,
      query.to,
      limit,
    ) as Reading[];
  }

  /**
   * The days of the blocks a raw read of `[from, to)` needs: those overlapping the range, up to
   * the one by which they hold `limit` readings (later readings cannot be among the first
   * `limit`). Undefined when no block overlaps: the read is the plain row scan.
   */
  #blockSpan(sid: number, from: number, to: number, limit: number): [number, number] | undefined {
    if (to <= from) return undefined;
    let first: number | undefined;
    let last = 0;
    let held = 0;
    for (const [day, count] of this.#blockDays.iterate(sid, dayOf(from), dayOf(to - 1))) {
      first ??= day;
      last = day;
      held += count;
      if (held >= limit) break;
    }
    return first === undefined ? undefined : [first, last];
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

  /** {@link rollup} as columns: `t` only when a bucket is missing (else `first` + `step`). */
  rollupColumns(
    entry: CatalogueEntry,
    query: RangeQuery & { resolution: Resolution; aggregate: Aggregate },
  ): ColumnsRead {
    const width = RESOLUTION_MS[query.resolution];
    const counter = entry.valueType === 'counter';
    const keep = query.aggregate === 'delta' && counter ? '' : 'AND n > 0';
    const value = VALUE_SQL[query.aggregate][counter ? 'counter' : 'gauge'];
    const inner = `SELECT bucket AS t, n, ${value} AS v FROM rollups WHERE sid = ? AND res = ? AND bucket >= ? AND bucket < ? ${keep} ORDER BY bucket LIMIT ?`;
    const args = [
      entry.sid,
      width,
      bucketStart(Math.max(query.from, 0), width),
      query.to,
      Math.min(query.limit ?? MAX_READ_ROWS, MAX_READ_ROWS),
    ];
    const [count, first, last, v, n] = this.#columnsStatement(
      `rollup:${keep}:${value}`,
      `SELECT count(*), min(t), max(t), group_concat(v, ','), group_concat(n, ',') FROM (${inner})`,
    ).get(...args) as ColumnsRow;
    const read: ColumnsRead = { count, step: width, v: v ?? '', n: n ?? '' };
    if (count === 0 || first === null || last === null) return read;
    read.first = first;
    read.last = last;
    if ((last - first) / width + 1 !== count) {
      read.t = this.#columnsStatement(
        `rollup-t:${keep}:${value}`,
        `SELECT group_concat(t, ',') FROM (${inner})`,
      )
        .pluck()
        .get(...args) as string;
    }
    return read;
  }

  /**
   * {@link rollup} (or {@link raw} for `resolution: 'raw'`) as the JSON text of its rows,
   * `[{"t":…,"v":…,"n":…},…]`, built by SQLite's `json_group_array` in one row: the same rows and
   * numbers (exact, as for {@link ColumnsRead}) without an object per row in JavaScript.
   */
  json(
    entry: CatalogueEntry,
    query: RangeQuery & { resolution: ReadResolution; aggregate: Aggregate },
  ): {
    count: number;
    json: string;
  } {
    let key: string;
    let row: string;
    let inner: string;
    let args: number[];
    if (query.resolution === 'raw') {
      row = "json_object('t', t, 'v', v)";
      ({ key, inner, args } = this.#rawInner(entry, query));
    } else {
      const width = RESOLUTION_MS[query.resolution];
      const counter = entry.valueType === 'counter';
      const keep = query.aggregate === 'delta' && counter ? '' : 'AND n > 0';
      const value = VALUE_SQL[query.aggregate][counter ? 'counter' : 'gauge'];
      key = `rollup:${keep}:${value}`;
      row = "json_object('t', t, 'v', v, 'n', n)";
      inner = `SELECT bucket AS t, ${value} AS v, n FROM rollups WHERE sid = ? AND res = ? AND bucket >= ? AND bucket < ? ${keep} ORDER BY bucket LIMIT ?`;
      args = [
        entry.sid,
        width,
        bucketStart(Math.max(query.from, 0), width),
        query.to,
        Math.min(query.limit ?? MAX_READ_ROWS, MAX_READ_ROWS),
      ];
    }
    const [count, json] = this.#columnsStatement(
      `json:${key}`,
      `SELECT count(*), json_group_array(${row}) FROM (${inner})`,
    ).get(...args) as [number, string];
    return { count, json };
  }

  /** {@link raw} as columns `t` and `v`. */
  rawColumns(entry: CatalogueEntry, query: RangeQuery): ColumnsRead {
    const { key, inner, args } = this.#rawInner(entry, query);
    const [count, first, last, t, v] = this.#columnsStatement(
      `columns:${key}`,
      `SELECT count(*), min(t), max(t), group_concat(t, ','), group_concat(v, ',') FROM (${inner})`,
    ).get(...args) as ColumnsRow;
    return count === 0 || first === null || last === null
      ? { count, v: '' }
      : { count, first, last, t: t ?? '', v: v ?? '' };
  }

  /** The raw read as a subquery: the plain row scan, or its union with the blocks it needs. */
  #rawInner(entry: CatalogueEntry, query: RangeQuery): { key: string; inner: string; args: number[] } {
    const from = Math.max(query.from, entry.rawHorizon);
    const limit = Math.min(query.limit ?? DEFAULT_RAW_LIMIT, MAX_READ_ROWS);
    const span = this.#blockSpan(entry.sid, from, query.to, limit);
    if (span === undefined)
      return { key: 'raw', inner: RAW_ROWS_SQL, args: [entry.sid, from, query.to, limit] };
    return {
      key: 'raw-blocks',
      inner: RAW_UNION_SQL('ASC'),
      args: [entry.sid, from, query.to, entry.sid, span[0], span[1], from, query.to, limit],
    };
  }

  #columnsStatement(key: string, sql: string): Database.Statement {
    let statement = this.#columns.get(key);
    if (!statement) {
      statement = this.#db.prepare(sql).raw();
      this.#columns.set(key, statement);
    }
    return statement;
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
