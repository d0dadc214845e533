import type Database from 'better-sqlite3';
import { Blocks } from './blocks.ts';
import type { CatalogueEntry } from './catalogue.ts';
import { BucketStats, bucketStart, counterIncrement, ROLLUP_WIDTHS } from './rollup-bucket.ts';
import { ROLLUP_VALUE_COLUMNS, rollupTable } from './rollup-tables.ts';

export interface RollupMismatch {
  width: number;
  bucket: number;
  field: string;
  stored: unknown;
  expected: unknown;
}

const close = (a: number | null, b: number | null) =>
  a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));

/**
 * Recomputes a datasource's rollups (and counter increments) from its raw rows and lists every
 * difference from what is stored. Buckets that start before the raw-retention horizon are
 * skipped: their raw rows are gone by design. Costs a full scan of the source's raw rows.
 */
export function checkRollups(
  db: Database.Database,
  entry: CatalogueEntry,
  maxMismatches = 20,
): RollupMismatch[] {
  // one snapshot: the compaction job may move a day from rows to a block meanwhile
  return db.transaction(() => checkSnapshot(db, entry, maxMismatches))();
}

/** A stored rollup row as the check reads it. */
type StoredRow = Record<string, number | null>;

/** Stored rows a page of this many at a time. */
const PAGE_ROWS = 4096;

/**
 * One level's stored rows from `from` on, in bucket order, read a page at a time: the check walks
 * them beside the recomputed buckets, so it holds a page per level instead of every bucket of the
 * source's history (a year of 10 s readings held 176 MiB of heap that way, and the CLI runs under
 * the daemon's 256 MiB cap).
 */
class StoredLevel {
  readonly #page: Database.Statement<[number, number, number], StoredRow>;
  readonly #sid: number;
  #cursor: number;
  #rows: StoredRow[] = [];
  #at = 0;
  #done = false;

  constructor(db: Database.Database, width: number, sid: number, from: number) {
    this.#page = db.prepare(
      `SELECT bucket, ${ROLLUP_VALUE_COLUMNS} FROM ${rollupTable(width)} WHERE sid = ? AND bucket >= ? ORDER BY bucket LIMIT ?`,
    );
    this.#sid = sid;
    this.#cursor = from;
  }

  /** The next stored row not yet taken, or undefined after the last. */
  peek(): StoredRow | undefined {
    if (this.#at >= this.#rows.length && !this.#done) {
      this.#rows = this.#page.all(this.#sid, this.#cursor, PAGE_ROWS);
      this.#at = 0;
      this.#done = this.#rows.length < PAGE_ROWS;
      if (this.#rows.length > 0) this.#cursor = (this.#rows[this.#rows.length - 1].bucket as number) + 1;
    }
    return this.#rows[this.#at];
  }

  take(): void {
    this.#at++;
  }
}

function checkSnapshot(
  db: Database.Database,
  entry: CatalogueEntry,
  maxMismatches: number,
): RollupMismatch[] {
  const mismatches: RollupMismatch[] = [];
  const report = (m: RollupMismatch) => mismatches.length < maxMismatches && mismatches.push(m);
  const counter = entry.valueType === 'counter';
  const horizon = entry.rawHorizon;
  const levels = ROLLUP_WIDTHS.length;
  const stored = ROLLUP_WIDTHS.map((width) => new StoredLevel(db, width, entry.sid, horizon));
  const open: Array<BucketStats | undefined> = new Array(levels).fill(undefined);

  // stored rows before `bucket` have no raw rows: only a row that still counts readings is wrong
  const extraBefore = (i: number, bucket: number) => {
    for (
      let row = stored[i].peek();
      row !== undefined && (row.bucket as number) < bucket;
      row = stored[i].peek()
    ) {
      if ((row.n as number) > 0)
        report({
          width: ROLLUP_WIDTHS[i],
          bucket: row.bucket as number,
          field: 'n',
          stored: row.n,
          expected: 0,
        });
      stored[i].take();
    }
  };
  // a recomputed bucket is complete: compare it with the stored row of the same start
  const compare = (i: number, want: BucketStats) => {
    // buckets that start before the horizon lost raw rows by design
    if (want.bucket < horizon) return;
    const width = ROLLUP_WIDTHS[i];
    extraBefore(i, want.bucket);
    const row = stored[i].peek();
    if (row === undefined || row.bucket !== want.bucket) {
      report({ width, bucket: want.bucket, field: 'missing', stored: null, expected: 'bucket' });
      return;
    }
    stored[i].take();
    const fields: Array<[string, number | null]> = [
      ['n', want.n],
      ['sum', want.sum],
      ['min', want.min],
      ['max', want.max],
      ['first_t', want.firstT],
      ['first', want.first],
      ['last_t', want.lastT],
      ['last', want.last],
      ['delta', want.delta],
    ];
    for (const [field, value] of fields) {
      if (!close(row[field], value))
        report({ width, bucket: want.bucket, field, stored: row[field], expected: value });
    }
  };

  let previous: number | undefined;
  // rows and compressed blocks alike, oldest first, so each level's buckets complete in order
  for (const row of new Blocks(db).all(entry.sid)) {
    const inc = counter ? counterIncrement(row.v, previous) : null;
    previous = row.v;
    if (row.t < horizon) continue; // the retention anchor
    if (counter && !close(inc, row.inc))
      report({ width: 0, bucket: row.t, field: 'inc', stored: row.inc, expected: inc });
    for (let i = 0; i < levels; i++) {
      const width = ROLLUP_WIDTHS[i];
      const bucket = bucketStart(row.t, width);
      let stats = open[i];
      if (stats === undefined || stats.bucket !== bucket) {
        if (stats !== undefined) compare(i, stats);
        stats = new BucketStats(width, bucket);
        open[i] = stats;
      }
      stats.add(row.t, row.v, inc);
    }
  }
  for (let i = 0; i < levels; i++) {
    const last = open[i];
    if (last !== undefined) compare(i, last);
    extraBefore(i, Number.POSITIVE_INFINITY);
  }
  return mismatches;
}
