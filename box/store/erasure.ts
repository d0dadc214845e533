import type Database from 'better-sqlite3';
import { Blocks } from './blocks.ts';
import { BucketRebuilder } from './bucket-rebuild.ts';
import type { CatalogueEntry } from './catalogue.ts';
import { bucketStart, counterIncrement, ROLLUP_WIDTHS } from './rollup-bucket.ts';

export interface ErasureReport {
  readings: number;
  events: number;
  /** Rollup buckets deleted or recomputed. */
  buckets: number;
}

/**
 * Erases a datasource's data in `[from, to)`: raw readings, events and the rollups built from
 * them. Buckets wholly inside the range go; buckets that straddle an end are recomputed from the
 * raw rows left (or deleted when raw rows for them have expired). A counter's next reading after
 * the range gets its increment over the reading before the range, so deltas still add up.
 * Runs inside the caller's transaction.
 */
export class Eraser {
  readonly #db: Database.Database;
  readonly #rebuilder: BucketRebuilder;
  readonly #blocks: Blocks;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#blocks = new Blocks(db);
    this.#rebuilder = new BucketRebuilder(db);
  }

  erase(entry: CatalogueEntry, from: number, to: number): ErasureReport {
    const { sid } = entry;
    const db = this.#db;
    // compressed days in the range (and beside it, for a counter's next increment) go back to
    // rows first; the compaction job compresses what is left of them again later
    this.#blocks.thawAround(sid, from, to);
    const readings = db
      .prepare('DELETE FROM readings WHERE sid = ? AND t >= ? AND t < ?')
      .run(sid, from, to).changes;
    const events = db
      .prepare('DELETE FROM events WHERE sid = ? AND t >= ? AND t < ?')
      .run(sid, from, to).changes;

    const rebuild = new Set<string>();
    let nextT: number | undefined;
    if (entry.valueType === 'counter' && readings > 0) {
      const next = db
        .prepare<[number, number], { t: number; v: number; inc: number | null }>(
          'SELECT t, v, inc FROM readings WHERE sid = ? AND t >= ? ORDER BY t LIMIT 1',
        )
        .get(sid, to);
      if (next) {
        const previous = db
          .prepare<[number, number], { v: number }>(
            'SELECT v FROM readings WHERE sid = ? AND t < ? ORDER BY t DESC LIMIT 1',
          )
          .get(sid, from);
        const inc = counterIncrement(next.v, previous?.v);
        if (inc !== next.inc) {
          db.prepare('UPDATE readings SET inc = ? WHERE sid = ? AND t = ?').run(inc, sid, next.t);
          nextT = next.t;
        }
      }
    }

    let buckets = 0;
    for (const width of ROLLUP_WIDTHS) {
      const first = bucketStart(from, width);
      const last = bucketStart(Math.max(from, to - 1), width);
      buckets += this.#rebuilder.deleteRange(sid, width, first, last);
      rebuild.add(`${width}:${first}`).add(`${width}:${last}`);
      if (nextT !== undefined) rebuild.add(`${width}:${bucketStart(nextT, width)}`);
    }
    for (const key of rebuild) {
      const [width, bucket] = key.split(':').map(Number);
      this.#rebuilder.rebuild(sid, width, bucket, entry.rawHorizon);
    }
    return { readings, events, buckets };
  }
}
