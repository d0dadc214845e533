import type Database from 'better-sqlite3';
import { type BlockColumns, decodeBlock, encodeBlock } from './block-codec.ts';
import { Blocks, DAY_MS, dayOf } from './blocks.ts';
import type { CatalogueEntry } from './catalogue.ts';

/** What one compaction pass did for one datasource. */
export interface CompactionReport {
  id: string;
  /** Days turned into blocks. */
  days: number;
  readings: number;
  /** Days left as rows: their values or increments did not round-trip exactly. */
  skipped: number;
  bytes: number;
  /** Where a pass cut short by `maxDays` goes on (`from` of the next call); undefined when done. */
  next?: number;
}

/**
 * Compresses closed UTC days of raw readings into blocks (docs/store.md, *Compressed blocks*):
 * a day is compacted once every reading in it is older than `minAgeMs` (default one day). Each
 * day is ONE IMMEDIATE transaction that reads the rows, encodes them, decodes the block and
 * compares it with the rows bit for bit, inserts the block and deletes the rows. A crash
 * (SIGKILL) at any point rolls the transaction back: the rows are still there and the next pass
 * does the day again, so a reading is never lost nor visible twice.
 *
 * @example
 * ```ts
 * const compactor = new Compactor(store.db);
 * for (const entry of store.catalogue.list()) compactor.compact(entry, Date.now());
 * ```
 */
export class Compactor {
  readonly #db: Database.Database;
  readonly #blocks: Blocks;
  readonly #firstRow: Database.Statement<[number, number, number], number | null>;
  readonly #rows: Database.Statement<[number, number, number], [number, number, number | null]>;
  readonly #insert: Database.Statement;
  readonly #delete: Database.Statement;

  constructor(
    db: Database.Database,
    readonly minAgeMs = DAY_MS,
  ) {
    this.#db = db;
    this.#blocks = new Blocks(db);
    this.#firstRow = db
      .prepare('SELECT t FROM readings WHERE sid = ? AND t >= ? AND t < ? ORDER BY t LIMIT 1')
      .pluck() as never;
    this.#rows = db
      .prepare('SELECT t, v, inc FROM readings WHERE sid = ? AND t >= ? AND t < ? ORDER BY t')
      .raw() as never;
    this.#insert = db.prepare(
      'INSERT INTO blocks (sid, day, n, first_t, last_t, first_v, last_v, min, max, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#delete = db.prepare('DELETE FROM readings WHERE sid = ? AND t >= ? AND t < ?');
  }

  /**
   * Compacts up to `maxDays` closed days of one numeric datasource (oldest first, from `from`),
   * one transaction each.
   */
  compact(
    entry: CatalogueEntry,
    now: number,
    { from = Number.MIN_SAFE_INTEGER, maxDays = Number.POSITIVE_INFINITY } = {},
  ): CompactionReport {
    const report: CompactionReport = { id: entry.id, days: 0, readings: 0, skipped: 0, bytes: 0 };
    if (entry.valueType !== 'gauge' && entry.valueType !== 'counter') return report;
    // days ending at or before this are closed and old enough
    const limit = Math.floor((now - this.minAgeMs) / DAY_MS) * DAY_MS;
    let cursor = from;
    for (;;) {
      if (report.days + report.skipped >= maxDays) {
        report.next = cursor;
        break;
      }
      const t = this.#firstRow.get(entry.sid, cursor, limit);
      if (t === undefined || t === null) break;
      const day = dayOf(t);
      const result = this.#db.transaction(() => this.#compactDay(entry.sid, day)).immediate();
      if (result === undefined) report.skipped++;
      else {
        report.days++;
        report.readings += result.n;
        report.bytes += result.bytes;
      }
      cursor = (day + 1) * DAY_MS;
    }
    return report;
  }

  #compactDay(sid: number, day: number): { n: number; bytes: number } | undefined {
    // a block left beside rows (never made by this code) is merged rather than duplicated
    this.#blocks.thaw(sid, day, day);
    const start = day * DAY_MS;
    const columns: BlockColumns = { t: [], v: [], inc: [] };
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const [t, v, inc] of this.#rows.iterate(sid, start, start + DAY_MS)) {
      columns.t.push(t);
      columns.v.push(v);
      columns.inc.push(inc);
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const n = columns.t.length;
    if (n === 0) return undefined;
    const data = encodeBlock(columns);
    if (data === undefined || !sameColumns(decodeBlock(data), columns)) return undefined;
    this.#insert.run(
      sid,
      day,
      n,
      columns.t[0],
      columns.t[n - 1],
      columns.v[0],
      columns.v[n - 1],
      min,
      max,
      data,
    );
    const deleted = this.#delete.run(sid, start, start + DAY_MS).changes;
    if (deleted !== n) throw new Error(`compaction: day ${day} of source ${sid} changed while compacting`);
    return { n, bytes: data.length };
  }
}

/** Bit-exact equality (`Object.is`: -0 and 0 differ) of a decoded block and its rows. */
function sameColumns(a: BlockColumns, b: BlockColumns): boolean {
  if (a.t.length !== b.t.length) return false;
  for (let i = 0; i < a.t.length; i++) {
    if (a.t[i] !== b.t[i] || !Object.is(a.v[i], b.v[i]) || !Object.is(a.inc[i], b.inc[i])) return false;
  }
  return true;
}
