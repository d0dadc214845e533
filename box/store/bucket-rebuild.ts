import type Database from 'better-sqlite3';
import { Blocks } from './blocks.ts';
import { BucketStats, upsertRollupSql } from './rollup-bucket.ts';
import { rollupTable } from './rollup-tables.ts';

interface LevelStatements {
  delete: Database.Statement;
  deleteRange: Database.Statement;
  upsert: Database.Statement;
}

/**
 * Recomputes rollup buckets from the raw rows that remain. Used after an erasure; a bucket that
 * starts before the raw-retention horizon cannot be recomputed (part of its raw rows are gone), so
 * it is deleted instead: erasure errs on the side of forgetting.
 */
export class BucketRebuilder {
  readonly #db: Database.Database;
  readonly #blocks: Blocks;
  readonly #levels = new Map<number, LevelStatements>();

  constructor(db: Database.Database) {
    this.#db = db;
    this.#blocks = new Blocks(db);
  }

  /** Deletes the buckets of `width` starting in `[first, last]`; returns how many. */
  deleteRange(sid: number, width: number, first: number, last: number): number {
    return this.#level(width).deleteRange.run(sid, first, last).changes;
  }

  /** Replaces one bucket with what the raw rows (at or after `rawHorizon`) say. */
  rebuild(sid: number, width: number, bucket: number, rawHorizon: number): void {
    const level = this.#level(width);
    level.delete.run(sid, bucket);
    if (bucket < rawHorizon) return;
    const stats = new BucketStats(width, bucket);
    // rows and compressed blocks alike (a bucket is at most a day: one block)
    for (const row of this.#blocks.rows(sid, bucket, bucket + width)) stats.add(row.t, row.v, row.inc);
    if (stats.n > 0) level.upsert.run(stats.params(sid));
  }

  /** A level's statements, prepared on first use: every store opens an eraser, few erase. */
  #level(width: number): LevelStatements {
    let level = this.#levels.get(width);
    if (level === undefined) {
      const table = rollupTable(width);
      level = {
        delete: this.#db.prepare(`DELETE FROM ${table} WHERE sid = ? AND bucket = ?`),
        deleteRange: this.#db.prepare(`DELETE FROM ${table} WHERE sid = ? AND bucket >= ? AND bucket <= ?`),
        upsert: this.#db.prepare(upsertRollupSql(width)),
      };
      this.#levels.set(width, level);
    }
    return level;
  }
}
