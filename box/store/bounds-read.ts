import type Database from 'better-sqlite3';
import { rollupTable } from './rollup-tables.ts';
import type { Aggregate } from './types.ts';

/** Stored rollup widths, coarsest first: a read sums the coarsest that divides all its boundaries. */
const WIDTHS = [86_400_000, 3_600_000, 1_800_000, 900_000, 300_000, 60_000];

/**
 * Everything the rollups know about one bucket, as a tuple (a year of them is read at once):
 * readings, their sum, min, max, first and last (time and value), and a counter's increments
 * (`null` for a gauge or a bucket with none). min … last are `null` when `n` is 0.
 */
export type BucketStatsRow = [
  n: number,
  sum: number,
  min: number | null,
  max: number | null,
  firstT: number | null,
  first: number | null,
  lastT: number | null,
  last: number | null,
  delta: number | null,
];

/** A bucket with no readings and no increments. */
export const EMPTY_STATS: Readonly<BucketStatsRow> = [0, 0, null, null, null, null, null, null, null];

/** Per connection, the statement of each width read. */
const statements = new WeakMap<Database.Database, Map<number, Database.Statement>>();

function statement(db: Database.Database, width: number): Database.Statement {
  let byWidth = statements.get(db);
  if (!byWidth) {
    byWidth = new Map();
    statements.set(db, byWidth);
  }
  let found = byWidth.get(width);
  if (!found) {
    const table = rollupTable(width);
    // buckets from a flat JSON array of boundaries (no nested arrays to parse); per bucket the
    // merged rollup rows of one width, then first/last values by primary key: the row holding
    // the bucket's first (last) instant has it as its own first (last)
    found = db
      .prepare(
        `WITH b(k, s, e) AS (SELECT key, value, lead(value) OVER (ORDER BY key) FROM json_each(@bounds)),
         g AS (SELECT b.k AS k, sum(r.n) AS n, sum(r.sum) AS sum, min(r.min) AS mn, max(r.max) AS mx,
                 min(r.first_t) AS ft, max(r.last_t) AS lt, sum(r.delta) AS delta
               FROM b JOIN ${table} AS r ON r.sid = @sid AND r.bucket >= b.s AND r.bucket < b.e
               WHERE b.e IS NOT NULL GROUP BY b.k)
         SELECT k, n, sum, mn, mx, ft,
           (SELECT first FROM ${table} WHERE sid = @sid AND bucket = g.ft - g.ft % @res),
           lt, (SELECT last FROM ${table} WHERE sid = @sid AND bucket = g.lt - g.lt % @res),
           delta
         FROM g`,
      )
      .raw();
    byWidth.set(width, found);
  }
  return found;
}

/** The coarsest stored rollup width dividing every boundary, or undefined (offsets of seconds). */
export function widthFor(bounds: readonly number[]): number | undefined {
  return WIDTHS.find((w) => bounds.every((b) => b % w === 0));
}

/**
 * The statistics of buckets `[bounds[i], bounds[i + 1])` of any lengths (local days, local hours),
 * from the stored rollups in one SQLite statement: every boundary must be a multiple of the
 * width read, so each bucket is a whole number of rollup rows and the merge is exact (counts
 * exactly, sums up to floating-point rounding). One row per bucket, {@link EMPTY_STATS} where
 * no rollup row falls in it.
 *
 * @example
 * ```ts
 * readBoundsStats(db, sid, [Date.UTC(2026, 4, 1, 18, 15), Date.UTC(2026, 4, 2, 18, 15)], 900_000); // one Kathmandu day
 * ```
 */
export function readBoundsStats(
  db: Database.Database,
  sid: number,
  bounds: readonly number[],
  width: number,
): BucketStatsRow[] {
  const out: BucketStatsRow[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) out.push([...EMPTY_STATS] as BucketStatsRow);
  if (out.length === 0) return out;
  const rows = statement(db, width).all({ bounds: JSON.stringify(bounds), sid, res: width }) as unknown[][];
  for (const [k, ...stats] of rows) out[k as number] = stats as BucketStatsRow;
  return out;
}

/** `b` merged into `a` (in place): the statistics of the two buckets as one. */
export function mergeStats(a: BucketStatsRow, b: Readonly<BucketStatsRow>): BucketStatsRow {
  a[0] += b[0];
  a[1] += b[1];
  if (b[0] > 0) {
    if (a[2] === null || (b[2] as number) < a[2]) a[2] = b[2];
    if (a[3] === null || (b[3] as number) > a[3]) a[3] = b[3];
    if (a[4] === null || (b[4] as number) < a[4]) [a[4], a[5]] = [b[4], b[5]];
    if (a[6] === null || (b[6] as number) > a[6]) [a[6], a[7]] = [b[6], b[7]];
  }
  if (b[8] !== null) a[8] = (a[8] ?? 0) + b[8];
  return a;
}

/** One aggregate of a bucket's stats; undefined for a bucket the store would leave out. */
export function statsValue(s: BucketStatsRow, aggregate: Aggregate, counter: boolean): number | undefined {
  const [n, sum, min, max, , first, , last, delta] = s;
  // a bucket with no readings only matters for a counter's delta (an increment re-based into it)
  if (n === 0) return aggregate === 'delta' && counter && delta !== null && delta !== 0 ? delta : undefined;
  switch (aggregate) {
    case 'mean':
      return sum / n;
    case 'sum':
      return sum;
    case 'count':
      return n;
    case 'min':
      return min as number;
    case 'max':
      return max as number;
    case 'first':
      return first as number;
    case 'last':
      return last as number;
    case 'delta':
      return counter ? (delta ?? 0) : (last as number) - (first as number);
  }
}
