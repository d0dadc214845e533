import type Database from 'better-sqlite3';
import { decodeBlock } from './block-codec.ts';
import { dayOf, prepareBlocks } from './blocks.ts';
import type { CatalogueEntry } from './catalogue.ts';
import { type BinaryColumns, joinBinary } from './columns-binary.ts';
import type { ColumnsCache } from './columns-cache.ts';
import { bucketStart } from './rollup-bucket.ts';
import { RollupColumns, type RollupColumnsQuery } from './rollup-columns.ts';
import { rollupTable } from './rollup-tables.ts';
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
type RollupStatement = Database.Statement<[number, number, number, number], RollupRow>;

const RAW_ROWS_SQL = 'SELECT t, v FROM readings WHERE sid = ? AND t >= ? AND t < ? ORDER BY t LIMIT ?';

/** Reads numeric readings: raw rows and rollups. Raw rows older than the retention horizon are hidden. */
export class NumericReader {
  readonly #newest: Database.Statement<[number, number, number], Reading>;
  readonly #range: Database.Statement<[number, number, number, number], Reading>;
  readonly #db: Database.Database;
  readonly #rollups = new Map<string, RollupStatement>();
  readonly #columns = new Map<string, Database.Statement>();
  /**
   * Runs a raw read's statements in one read transaction: the compaction job may move a day from
   * rows to a block between two statements, and one snapshot sees it in exactly one of them.
   */
  readonly #snapshot: (fn: () => unknown) => unknown;
  readonly #blockDays: Database.Statement<[number, number, number], [number, number, number, Buffer]>;
  readonly #blockDaysDesc: Database.Statement<[number, number], [number, number, number, Buffer]>;

  readonly #rollupColumns: RollupColumns;

  constructor(db: Database.Database, columnsCache: ColumnsCache) {
    prepareBlocks(db);
    this.#rollupColumns = new RollupColumns(db, columnsCache);
    this.#snapshot = db.transaction((fn: () => unknown) => fn());
    this.#blockDays = db
      .prepare(
        'SELECT n, first_t, last_t, data FROM blocks WHERE sid = ? AND day >= ? AND day <= ? ORDER BY day',
      )
      .raw() as never;
    this.#blockDaysDesc = db
      .prepare('SELECT n, first_t, last_t, data FROM blocks WHERE sid = ? AND last_t >= ? ORDER BY day DESC')
      .raw() as never;
    this.#newest = db.prepare('SELECT t, v FROM readings WHERE sid = ? AND t >= ? ORDER BY t DESC LIMIT ?');
    this.#range = db.prepare(
      'SELECT t, v FROM readings WHERE sid = ? AND t >= ? AND t < ? ORDER BY t LIMIT ?',
    );
    this.#db = db;
  }

  /** The newest `n` readings, oldest first. */
  lastN(entry: CatalogueEntry, n: number): Reading[] {
    return this.#snapshot(() => this.#lastN(entry, n)) as Reading[];
  }

  raw(entry: CatalogueEntry, query: RangeQuery): Reading[] {
    return this.#snapshot(() => this.#raw(entry, query)) as Reading[];
  }

  #lastN(entry: CatalogueEntry, n: number): Reading[] {
    const limit = Math.min(n, MAX_READ_ROWS);
    const rows = this.#newest.all(entry.sid, entry.rawHorizon, limit).reverse();
    // the newest blocks that hold `limit` visible readings between them (none: rows only); a
    // block straddling the horizon is not counted, as only part of it is visible
    const blocks: Buffer[] = [];
    let held = 0;
    for (const [count, firstT, , data] of this.#blockDaysDesc.iterate(entry.sid, entry.rawHorizon)) {
      blocks.push(data);
      if (firstT >= entry.rawHorizon) held += count;
      if (held >= limit) break;
    }
    if (blocks.length === 0) return rows;
    const packed = blockReadings(blocks.reverse(), entry.rawHorizon, Number.MAX_SAFE_INTEGER);
    const merged = mergeByT(rows, packed, Number.MAX_SAFE_INTEGER);
    return merged.slice(Math.max(0, merged.length - limit));
  }

  #raw(entry: CatalogueEntry, query: RangeQuery): Reading[] {
    const from = Math.max(query.from, entry.rawHorizon);
    const limit = Math.min(query.limit ?? DEFAULT_RAW_LIMIT, MAX_READ_ROWS);
    return (
      this.#withBlocks(entry.sid, from, query.to, limit) ?? this.#range.all(entry.sid, from, query.to, limit)
    );
  }

  /**
   * A raw read of `[from, to)` when compressed blocks overlap it: the rows (one index range
   * scan, as ever) merged with the readings of the blocks it needs, decoded in JavaScript (a
   * day is rows or a block, never both). Only blocks up to the one by which they hold `limit`
   * readings are decoded: later readings cannot be among the first `limit`. Undefined when no
   * block overlaps, so a read of recent data costs one extra index probe.
   */
  #withBlocks(sid: number, from: number, to: number, limit: number): Reading[] | undefined {
    if (to <= from) return undefined;
    const blocks: Buffer[] = [];
    let held = 0;
    for (const [count, firstT, lastT, data] of this.#blockDays.iterate(sid, dayOf(from), dayOf(to - 1))) {
      blocks.push(data);
      // only a block wholly inside the range counts: the first and last may be partly outside
      if (firstT >= from && lastT < to) held += count;
      if (held >= limit) break;
    }
    if (blocks.length === 0) return undefined;
    return mergeByT(this.#range.all(sid, from, to, limit), blockReadings(blocks, from, to), limit);
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
    const rows = this.#statement(width, query.aggregate, entry.valueType === 'counter').all(
      entry.sid,
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

  /**
   * {@link rollup} as columns: `t` only when a bucket is missing (else `first` + `step`). Whole
   * closed chunks come from the columns cache ({@link RollupColumns}); `now` is the box's clock.
   */
  rollupColumns(
    entry: CatalogueEntry,
    query: RangeQuery & { resolution: Resolution; aggregate: Aggregate; now: number },
  ): ColumnsRead {
    const q = rollupColumnsQuery(entry, query);
    return { ...this.#rollupColumns.read(q), step: q.width };
  }

  /** {@link rollupColumns} as typed arrays (`format=f64`), a cached chunk parsed only once. */
  rollupBinary(
    entry: CatalogueEntry,
    query: RangeQuery & { resolution: Resolution; aggregate: Aggregate; now: number },
  ): BinaryColumns {
    const q = rollupColumnsQuery(entry, query);
    return joinBinary(this.#rollupColumns.readParts(q), q.width);
  }

  /**
   * {@link rollup} (or {@link raw} for `resolution: 'raw'`) as the JSON text of its rows,
   * `[{"t":…,"v":…,"n":…},…]`, built by SQLite's `json_group_array` in one row: the same rows and
   * numbers (exact, as for {@link ColumnsRead}) without an object per row in JavaScript.
   */
  json(
    entry: CatalogueEntry,
    query: RangeQuery & { resolution: ReadResolution; aggregate: Aggregate },
  ): { count: number; json: string } {
    return this.#snapshot(() => this.#json(entry, query)) as { count: number; json: string };
  }

  #json(
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
      const from = Math.max(query.from, entry.rawHorizon);
      const limit = Math.min(query.limit ?? DEFAULT_RAW_LIMIT, MAX_READ_ROWS);
      const merged = this.#withBlocks(entry.sid, from, query.to, limit);
      // with blocks the text is JavaScript's (`2011`, not SQLite's `2011.0`): the same numbers
      if (merged !== undefined) return { count: merged.length, json: JSON.stringify(merged) };
      key = 'raw';
      row = "json_object('t', t, 'v', v)";
      inner = RAW_ROWS_SQL;
      args = [entry.sid, from, query.to, limit];
    } else {
      const width = RESOLUTION_MS[query.resolution];
      const counter = entry.valueType === 'counter';
      const keep = query.aggregate === 'delta' && counter ? '' : 'AND n > 0';
      const value = VALUE_SQL[query.aggregate][counter ? 'counter' : 'gauge'];
      key = `rollup:${width}:${keep}:${value}`;
      row = "json_object('t', t, 'v', v, 'n', n)";
      inner = `SELECT bucket AS t, ${value} AS v, n FROM ${rollupTable(width)} WHERE sid = ? AND bucket >= ? AND bucket < ? ${keep} ORDER BY bucket LIMIT ?`;
      args = [
        entry.sid,
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
    return this.#snapshot(() => this.#rawColumns(entry, query)) as ColumnsRead;
  }

  #rawColumns(entry: CatalogueEntry, query: RangeQuery): ColumnsRead {
    const from = Math.max(query.from, entry.rawHorizon);
    const limit = Math.min(query.limit ?? DEFAULT_RAW_LIMIT, MAX_READ_ROWS);
    const merged = this.#withBlocks(entry.sid, from, query.to, limit);
    if (merged !== undefined) {
      if (merged.length === 0) return { count: 0, v: '' };
      return {
        count: merged.length,
        first: merged[0].t,
        last: merged[merged.length - 1].t,
        t: merged.map((r) => r.t).join(','),
        v: merged.map((r) => r.v).join(','),
      };
    }
    const [count, first, last, t, v] = this.#columnsStatement(
      'raw',
      `SELECT count(*), min(t), max(t), group_concat(t, ','), group_concat(v, ',') FROM (${RAW_ROWS_SQL})`,
    ).get(entry.sid, from, query.to, limit) as ColumnsRow;
    return count === 0 || first === null || last === null
      ? { count, v: '' }
      : { count, first, last, t: t ?? '', v: v ?? '' };
  }

  #columnsStatement(key: string, sql: string): Database.Statement {
    let statement = this.#columns.get(key);
    if (!statement) {
      statement = this.#db.prepare(sql).raw();
      this.#columns.set(key, statement);
    }
    return statement;
  }

  #statement(width: number, aggregate: Aggregate, counter: boolean): RollupStatement {
    const key = `${width}:${aggregate}:${counter}`;
    let statement = this.#rollups.get(key);
    if (!statement) {
      const value = VALUE_SQL[aggregate][counter ? 'counter' : 'gauge'];
      statement = this.#db
        .prepare(
          `SELECT bucket, n, ${value} FROM ${rollupTable(width)} WHERE sid = ? AND bucket >= ? AND bucket < ? ORDER BY bucket LIMIT ?`,
        )
        .raw() as unknown as RollupStatement;
      this.#rollups.set(key, statement);
    }
    return statement;
  }
}

/** What {@link RollupColumns} reads for a rollup query. */
function rollupColumnsQuery(
  entry: CatalogueEntry,
  query: RangeQuery & { resolution: Resolution; aggregate: Aggregate; now: number },
): RollupColumnsQuery {
  const width = RESOLUTION_MS[query.resolution];
  const counter = entry.valueType === 'counter';
  return {
    sid: entry.sid,
    width,
    keep: query.aggregate === 'delta' && counter ? '' : 'AND n > 0',
    value: VALUE_SQL[query.aggregate][counter ? 'counter' : 'gauge'],
    start: bucketStart(Math.max(query.from, 0), width),
    to: query.to,
    limit: Math.min(query.limit ?? MAX_READ_ROWS, MAX_READ_ROWS),
    now: query.now,
  };
}

/** The readings of decoded blocks (in day order) that fall in `[from, to)`. */
function blockReadings(blocks: readonly Buffer[], from: number, to: number): Reading[] {
  const out: Reading[] = [];
  for (const data of blocks) {
    const { t, v } = decodeBlock(data);
    for (let i = 0; i < t.length; i++) if (t[i] >= from && t[i] < to) out.push({ t: t[i], v: v[i] });
  }
  return out;
}

/** Two lists sorted by `t` (disjoint: a day is rows or a block) merged, the first `limit`. */
function mergeByT(a: readonly Reading[], b: readonly Reading[], limit: number): Reading[] {
  const out: Reading[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && a[i].t < b[j].t)) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}
