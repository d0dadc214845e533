import type Database from 'better-sqlite3';
import type { ReadingDigest } from '../audit/ingest-window.ts';
import { BatchedInsert } from './batched-insert.ts';
import { Blocks, dayOf } from './blocks.ts';
import type { CatalogueEntry } from './catalogue.ts';
import {
  BucketStats,
  bucketStart,
  counterIncrement,
  ROLLUP_UPSERT_TAIL,
  ROLLUP_WIDTHS,
  rollupColumns,
  rollupInsertHead,
} from './rollup-bucket.ts';
import type { ReadingColumns, WriteResult } from './types.ts';

interface StoredReading {
  t: number;
  v: number;
  inc: number | null;
}

/**
 * Writes numeric readings and keeps every rollup exact, inside the caller's transaction.
 *
 * Rules (see docs/store.md):
 * - a timestamp is a reading's identity: the first value written for a (datasource, t) wins and a
 *   later one is counted as a duplicate and ignored, so retries and re-imports change nothing;
 * - readings may arrive in any order; rollups keep first/last by timestamp, not arrival;
 * - a counter reading's increment is taken over the stored reading just before it, so a reading
 *   that lands between two stored ones also corrects the increment of the one after it.
 *
 * Appends (every reading newer than the newest stored one, the common case) take a fast path that
 * aggregates the batch in memory and upserts one row per touched bucket and resolution.
 */
export class NumericWriter {
  readonly #gaugeRows: BatchedInsert;
  readonly #counterRows: BatchedInsert;
  readonly #insertOrIgnore: Database.Statement;
  readonly #newest: Database.Statement<[number], StoredReading>;
  readonly #before: Database.Statement<[number, number], StoredReading>;
  readonly #after: Database.Statement<[number, number], StoredReading>;
  readonly #setInc: Database.Statement;
  /** One batched upsert per rollup level (its own table), in the order of `ROLLUP_WIDTHS`. */
  readonly #gaugeUpserts: BatchedInsert[];
  readonly #counterUpserts: BatchedInsert[];
  readonly #blocks: Blocks;
  /** The append's open bucket of each level; reused by every append (writes do not nest). */
  readonly #open = new OpenBuckets(ROLLUP_WIDTHS.length);

  constructor(db: Database.Database) {
    this.#blocks = new Blocks(db);
    // appended rows and every bucket upsert go out many per statement (see BatchedInsert); a
    // gauge's rows and buckets leave out the columns that are always NULL for it (inc, delta)
    this.#gaugeRows = new BatchedInsert(db, 'INSERT INTO readings (sid, t, v)', 3);
    this.#counterRows = new BatchedInsert(db, 'INSERT INTO readings (sid, t, v, inc)', 4);
    this.#insertOrIgnore = db.prepare('INSERT OR IGNORE INTO readings (sid, t, v, inc) VALUES (?, ?, ?, ?)');
    this.#newest = db.prepare('SELECT t, v, inc FROM readings WHERE sid = ? ORDER BY t DESC LIMIT 1');
    this.#before = db.prepare(
      'SELECT t, v, inc FROM readings WHERE sid = ? AND t < ? ORDER BY t DESC LIMIT 1',
    );
    this.#after = db.prepare('SELECT t, v, inc FROM readings WHERE sid = ? AND t > ? ORDER BY t ASC LIMIT 1');
    this.#setInc = db.prepare('UPDATE readings SET inc = ? WHERE sid = ? AND t = ?');
    const upserts = (withDelta: boolean) =>
      ROLLUP_WIDTHS.map(
        (width) =>
          new BatchedInsert(
            db,
            rollupInsertHead(width, withDelta),
            rollupColumns(withDelta),
            ROLLUP_UPSERT_TAIL,
          ),
      );
    this.#gaugeUpserts = upserts(false);
    this.#counterUpserts = upserts(true);
  }

  /**
   * `readings` must be validated and sorted by `t` (ties keep arrival order). Every reading
   * actually stored (not a duplicate) is added to `digest`, in the order stored, for the audit.
   */
  write(entry: CatalogueEntry, readings: ReadingColumns, digest?: ReadingDigest): WriteResult {
    const count = readings.t.length;
    if (count === 0) return { written: 0, duplicates: 0 };
    const first = readings.t[0];
    let newest = this.#newest.get(entry.sid);
    // a source whose newest readings are compressed (it went quiet) appends after its last block
    const block = this.#blocks.newest(entry.sid);
    if (block !== undefined && (newest === undefined || block.t > newest.t)) {
      newest = { ...block, inc: null };
      // a late reading after the last one of a packed day: that day goes back to rows, so a day
      // is never rows and a block at once
      const day = dayOf(block.t);
      if (dayOf(first) === day) this.#blocks.thaw(entry.sid, day, day);
    }
    try {
      if (newest === undefined || first > newest.t) return this.#append(entry, readings, newest, digest);
      // a late reading in a compressed day: the days it touches (and their neighbours, for the
      // counter rules) go back to rows first, so duplicates and increments are judged as ever
      this.#blocks.thawAround(entry.sid, first, readings.t[count - 1] + 1);
      return this.#merge(entry, readings, digest);
    } finally {
      // after a failure (SQLITE_FULL, a constraint) nothing buffered may outlive the rollback
      this.#gaugeRows.clear();
      this.#counterRows.clear();
      for (const upsert of this.#gaugeUpserts) upsert.clear();
      for (const upsert of this.#counterUpserts) upsert.clear();
    }
  }

  #append(
    entry: CatalogueEntry,
    readings: ReadingColumns,
    newest: StoredReading | undefined,
    digest: ReadingDigest | undefined,
  ): WriteResult {
    const { sid } = entry;
    const counter = entry.valueType === 'counter';
    const rows = counter ? this.#counterRows : this.#gaugeRows;
    const upserts = counter ? this.#counterUpserts : this.#gaugeUpserts;
    const widths = ROLLUP_WIDTHS;
    const levels = widths.length;
    // each level's open bucket as columns (OpenBuckets), not a BucketStats object per bucket:
    // those were most of what an append allocated (~60 of 105 bytes a reading, bench/README.md)
    const o = this.#open;
    o.n.fill(0);
    // the readings are sorted, so a level's bucket changes exactly when t reaches its end: one
    // comparison per level and reading instead of computing the bucket start (a float modulo)
    const ends = new Float64Array(levels).fill(Number.NEGATIVE_INFINITY);
    let previousT = Number.NEGATIVE_INFINITY;
    let previousV = newest?.v;
    let written = 0;
    let duplicates = 0;
    const ts = readings.t;
    const vs = readings.v;
    for (let r = 0; r < ts.length; r++) {
      const t = ts[r];
      const v = vs[r];
      if (t === previousT) {
        duplicates++;
        continue;
      }
      const inc = counter ? counterIncrement(v, previousV) : null;
      rows.put(sid);
      rows.put(t);
      rows.put(v);
      if (counter) rows.put(inc);
      digest?.add(t, v);
      written++;
      previousT = t;
      previousV = v;
      // what BucketStats.add does, on the open bucket's columns: the readings come sorted and
      // without duplicates, so a bucket's first reading is its first and each one its last
      for (let i = 0; i < levels; i++) {
        if (t >= ends[i]) {
          if (o.n[i] > 0) putOpenInto(o, upserts[i], sid, i, counter);
          const width = widths[i];
          const bucket = bucketStart(t, width);
          o.bucket[i] = bucket;
          ends[i] = bucket + width;
          o.n[i] = 0;
          o.sum[i] = 0;
          o.min[i] = v;
          o.max[i] = v;
          o.firstT[i] = t;
          o.first[i] = v;
          o.delta[i] = 0;
        }
        o.n[i]++;
        o.sum[i] += v;
        if (v < o.min[i]) o.min[i] = v;
        if (v > o.max[i]) o.max[i] = v;
        o.lastT[i] = t;
        o.last[i] = v;
        if (inc !== null) o.delta[i] += inc;
      }
    }
    for (let i = 0; i < levels; i++) if (o.n[i] > 0) putOpenInto(o, upserts[i], sid, i, counter);
    rows.flush();
    for (const upsert of upserts) upsert.flush();
    return { written, duplicates };
  }

  #merge(entry: CatalogueEntry, readings: ReadingColumns, digest: ReadingDigest | undefined): WriteResult {
    const { sid } = entry;
    const counter = entry.valueType === 'counter';
    // the buckets touched, per level (in the order of ROLLUP_WIDTHS) and bucket start
    const touched = ROLLUP_WIDTHS.map(() => new Map<number, BucketStats>());
    const statsFor = (level: number, t: number): BucketStats => {
      const width = ROLLUP_WIDTHS[level];
      const bucket = bucketStart(t, width);
      let stats = touched[level].get(bucket);
      if (stats === undefined) {
        stats = new BucketStats(width, bucket);
        touched[level].set(bucket, stats);
      }
      return stats;
    };
    let written = 0;
    let duplicates = 0;
    for (let r = 0; r < readings.t.length; r++) {
      const t = readings.t[r];
      const v = readings.v[r];
      let inc: number | null = null;
      let next: StoredReading | undefined;
      if (counter) {
        inc = counterIncrement(v, this.#before.get(sid, t)?.v);
        next = this.#after.get(sid, t);
      }
      if (this.#insertOrIgnore.run(sid, t, v, inc).changes === 0) {
        duplicates++;
        continue;
      }
      digest?.add(t, v);
      written++;
      for (let level = 0; level < ROLLUP_WIDTHS.length; level++) statsFor(level, t).add(t, v, inc);
      if (next !== undefined) {
        const nextInc = counterIncrement(next.v, v);
        const change = nextInc - (next.inc ?? 0);
        if (change !== 0) {
          this.#setInc.run(nextInc, sid, next.t);
          for (let level = 0; level < ROLLUP_WIDTHS.length; level++) statsFor(level, next.t).addDelta(change);
        }
      }
    }
    const upserts = counter ? this.#counterUpserts : this.#gaugeUpserts;
    for (let level = 0; level < touched.length; level++) {
      for (const stats of touched[level].values()) stats.putInto(upserts[level], sid, counter);
      upserts[level].flush();
    }
    return { written, duplicates };
  }
}

/** The statistics of one open bucket per rollup level, as columns indexed by level. */
class OpenBuckets {
  readonly bucket: Float64Array;
  readonly n: Float64Array;
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly firstT: Float64Array;
  readonly first: Float64Array;
  readonly lastT: Float64Array;
  readonly last: Float64Array;
  readonly delta: Float64Array;

  constructor(levels: number) {
    this.bucket = new Float64Array(levels);
    this.n = new Float64Array(levels);
    this.sum = new Float64Array(levels);
    this.min = new Float64Array(levels);
    this.max = new Float64Array(levels);
    this.firstT = new Float64Array(levels);
    this.first = new Float64Array(levels);
    this.lastT = new Float64Array(levels);
    this.last = new Float64Array(levels);
    this.delta = new Float64Array(levels);
  }
}

/**
 * Buffers level `i`'s open bucket (which has readings) for its batched upsert: the columns of
 * `rollupInsertHead`, as `BucketStats.putInto` puts them.
 */
function putOpenInto(o: OpenBuckets, insert: BatchedInsert, sid: number, i: number, counter: boolean): void {
  insert.put(sid);
  insert.put(o.bucket[i]);
  insert.put(o.n[i]);
  insert.put(o.sum[i]);
  insert.put(o.min[i]);
  insert.put(o.max[i]);
  insert.put(o.firstT[i]);
  insert.put(o.first[i]);
  insert.put(o.lastT[i]);
  insert.put(o.last[i]);
  if (counter) insert.put(o.delta[i]);
}
