import type Database from 'better-sqlite3';
import { BatchedInsert } from './batched-insert.ts';
import { decodeBlock } from './block-codec.ts';

export const DAY_MS = 86_400_000;
/** The UTC day number of `t`. */
export const dayOf = (t: number) => Math.floor(t / DAY_MS);

/**
 * `blocks` holds compressed raw readings: one row per (datasource, UTC day), every reading of
 * that day (docs/store.md, *Compressed blocks*). Invariant: a day is either rows in `readings` or
 * one block, never both, so a reading is stored exactly once. Created here rather than by a
 * numbered migration so older box files gain it on open. Blocks are decoded in JavaScript (a
 * table-valued SQL function was tried: 15 µs a row through better-sqlite3, 20× the decoder).
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS blocks (
    sid INTEGER NOT NULL,
    day INTEGER NOT NULL,
    n INTEGER NOT NULL,
    first_t INTEGER NOT NULL,
    last_t INTEGER NOT NULL,
    first_v REAL NOT NULL,
    last_v REAL NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (sid, day)
  ) WITHOUT ROWID;
`;

const prepared = new WeakSet<Database.Database>();

/** Creates the table if it is missing; once per connection. */
export function prepareBlocks(db: Database.Database): void {
  if (prepared.has(db)) return;
  prepared.add(db);
  if (!db.readonly) db.exec(SCHEMA);
}

export interface RawRow {
  t: number;
  v: number;
  inc: number | null;
}

/** Block bookkeeping shared by the writer, eraser, retention and readers. */
export class Blocks {
  readonly #any: Database.Statement<[number], number>;
  readonly #inDays: Database.Statement<[number, number, number], { day: number; data: Buffer }>;
  readonly #before: Database.Statement<[number, number], number>;
  readonly #after: Database.Statement<[number, number], number>;
  readonly #newest: Database.Statement<[number], { t: number; v: number }>;
  readonly #deleteDays: Database.Statement;
  readonly #rowsIn: Database.Statement<[number, number, number], RawRow>;
  readonly #insert: BatchedInsert;
  readonly #nextAt: Database.Statement<[number, number, number, number], number | null>;

  constructor(db: Database.Database) {
    prepareBlocks(db);
    this.#any = db.prepare('SELECT 1 FROM blocks WHERE sid = ? LIMIT 1').pluck() as never;
    this.#inDays = db.prepare(
      'SELECT day, data FROM blocks WHERE sid = ? AND day >= ? AND day <= ? ORDER BY day',
    );
    this.#before = db
      .prepare('SELECT day FROM blocks WHERE sid = ? AND day < ? ORDER BY day DESC LIMIT 1')
      .pluck() as never;
    this.#after = db
      .prepare('SELECT day FROM blocks WHERE sid = ? AND day > ? ORDER BY day LIMIT 1')
      .pluck() as never;
    this.#newest = db.prepare(
      'SELECT last_t AS t, last_v AS v FROM blocks WHERE sid = ? ORDER BY day DESC LIMIT 1',
    );
    this.#deleteDays = db.prepare('DELETE FROM blocks WHERE sid = ? AND day >= ? AND day <= ?');
    this.#rowsIn = db.prepare('SELECT t, v, inc FROM readings WHERE sid = ? AND t >= ? AND t < ? ORDER BY t');
    this.#nextAt = db
      .prepare(
        // scalar min() is NULL if either side is: coalesce both to "none" first
        'SELECT nullif(min(coalesce((SELECT min(t) FROM readings WHERE sid = ? AND t >= ?), 9e18), coalesce((SELECT min(first_t) FROM blocks WHERE sid = ? AND last_t >= ?), 9e18)), 9e18)',
      )
      .pluck() as never;
    this.#insert = new BatchedInsert(db, 'INSERT INTO readings (sid, t, v, inc)', 4);
  }

  /** Whether `sid` has any block (one index probe). */
  has(sid: number): boolean {
    return this.#any.get(sid) !== undefined;
  }

  /** The newest reading held in a block, if any. */
  newest(sid: number): { t: number; v: number } | undefined {
    return this.#newest.get(sid);
  }

  /**
   * Turns the blocks covering `[from, to)` back into rows, plus the nearest block on each side
   * (a counter's neighbouring readings), inside the caller's transaction. Writes and erasures call
   * it first, so every rule of the row code (first write wins, increments) applies unchanged; the
   * compaction job compresses the days again later. Returns how many readings it unpacked.
   */
  thawAround(sid: number, from: number, to: number): number {
    if (!this.has(sid)) return 0;
    const first = dayOf(from);
    const last = dayOf(Math.max(from, to - 1));
    let unpacked = this.thaw(sid, first, last);
    const before = this.#before.get(sid, first);
    if (before !== undefined) unpacked += this.thaw(sid, before, before);
    const after = this.#after.get(sid, last);
    if (after !== undefined) unpacked += this.thaw(sid, after, after);
    return unpacked;
  }

  /** Turns the blocks of days `[first, last]` back into rows (inside the caller's transaction). */
  thaw(sid: number, first: number, last: number): number {
    let unpacked = 0;
    try {
      for (const { data } of this.#inDays.all(sid, first, last)) {
        const { t, v, inc } = decodeBlock(data);
        for (let i = 0; i < t.length; i++) this.#insert.push(sid, t[i], v[i], inc[i]);
        unpacked += t.length;
      }
      this.#insert.flush();
    } finally {
      this.#insert.clear();
    }
    if (unpacked > 0) this.#deleteDays.run(sid, first, last);
    return unpacked;
  }

  /** Every reading in `[from, to)`, rows and blocks merged, sorted by `t` (for bounded ranges). */
  rows(sid: number, from: number, to: number): RawRow[] {
    const rows = this.#rowsIn.all(sid, from, to);
    if (!this.has(sid)) return rows;
    const blocks = this.#inDays.all(sid, dayOf(from), dayOf(Math.max(from, to - 1)));
    if (blocks.length === 0) return rows;
    for (const { data } of blocks) {
      const { t, v, inc } = decodeBlock(data);
      for (let i = 0; i < t.length; i++)
        if (t[i] >= from && t[i] < to) rows.push({ t: t[i], v: v[i], inc: inc[i] });
    }
    return rows.sort((a, b) => a.t - b.t);
  }

  /**
   * Every reading of `sid`, rows and blocks merged, oldest first, read 30 days at a time (the
   * consistency check's full scan).
   */
  *all(sid: number): Generator<RawRow> {
    const chunk = 30 * DAY_MS;
    let cursor = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const next = this.#nextAt.get(sid, cursor, sid, cursor);
      if (next === null || next === undefined) return;
      const from = Math.max(cursor, dayOf(next) * DAY_MS);
      yield* this.rows(sid, from, from + chunk);
      cursor = from + chunk;
    }
  }
}
