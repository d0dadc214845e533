import type Database from 'better-sqlite3';
import { Blocks } from './blocks.ts';
import { BucketStats, UPSERT_ROLLUP_SQL } from './rollup-bucket.ts';

/**
 * Recomputes rollup buckets from the raw rows that remain. Used after an erasure; a bucket that
 * starts before the raw-retention horizon cannot be recomputed (part of its raw rows are gone), so
 * it is deleted instead: erasure errs on the side of forgetting.
 */
export class BucketRebuilder {
  readonly #blocks: Blocks;
  readonly #delete: Database.Statement;
  readonly #deleteRange: Database.Statement;
  readonly #upsert: Database.Statement;

  constructor(db: Database.Database) {
    this.#blocks = new Blocks(db);
    this.#delete = db.prepare('DELETE FROM rollups WHERE sid = ? AND res = ? AND bucket = ?');
    this.#deleteRange = db.prepare(
      'DELETE FROM rollups WHERE sid = ? AND res = ? AND bucket >= ? AND bucket <= ?',
    );
    this.#upsert = db.prepare(UPSERT_ROLLUP_SQL);
  }

  /** Deletes the buckets of `width` starting in `[first, last]`; returns how many. */
  deleteRange(sid: number, width: number, first: number, last: number): number {
    return this.#deleteRange.run(sid, width, first, last).changes;
  }

  /** Replaces one bucket with what the raw rows (at or after `rawHorizon`) say. */
  rebuild(sid: number, width: number, bucket: number, rawHorizon: number): void {
    this.#delete.run(sid, width, bucket);
    if (bucket < rawHorizon) return;
    const stats = new BucketStats(width, bucket);
    // rows and compressed blocks alike (a bucket is at most a day: one block)
    for (const row of this.#blocks.rows(sid, bucket, bucket + width)) stats.add(row.t, row.v, row.inc);
    if (stats.n > 0) this.#upsert.run(stats.params(sid));
  }
}
