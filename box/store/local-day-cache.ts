import type Database from 'better-sqlite3';
import { BadRequestError } from '../errors.ts';
import { type BucketStatsRow, EMPTY_STATS, readBoundsStats, widthFor } from './bounds-read.ts';
import { CostDays } from './cost-days.ts';
import { rollupTableOf } from './rollup-tables.ts';

const DAY = 86_400_000;
/** The columns of a stored day, in {@link BucketStatsRow} order. */
const ALL_COLUMNS = 'n, sum, min, max, first_t, first, last_t, last, delta';

/** One column of a day's statistics; `change` is a gauge's last − first. */
export type DayColumn = 'sum' | 'min' | 'max' | 'first' | 'last' | 'delta' | 'change';
const COLUMN_SQL: Record<DayColumn, string> = {
  sum: 'sum',
  min: 'min',
  max: 'max',
  first: 'first',
  last: 'last',
  delta: 'delta',
  change: 'last - first',
};
const COLUMN_INDEX: Record<DayColumn, number> = {
  sum: 1,
  min: 2,
  max: 3,
  first: 5,
  last: 7,
  delta: 8,
  change: -1,
};
/** No local day is longer than this (25 h days, and a margin for odd historical changes). */
const LONGEST_DAY = 3 * DAY;

/**
 * The statistics of closed local days, per datasource and zone, kept in the `local_days` table so
 * a year of local days costs one index range read (as the UTC `1d` read does), not a merge of
 * 8,760 hourly or 35,040 quarter-hour rollups. A day is stored the first time it is read once it
 * has ended (the day still filling is merged on every read), and it stays exact because every
 * change to the rollups under it drops it in the same transaction ({@link invalidate}: a late or
 * backfilled reading, a counter increment it changes, an erasure; {@link forget}: a deleted
 * datasource). Retention never touches rollups, so it never touches this table. A stored day
 * is used only if its start and end are still the zone's (a tzdata update moves them). The
 * stored days' costs ({@link costs}, `cost_days`) are dropped by the same calls.
 *
 * @example
 * ```ts
 * const cache = new LocalDayCache(db);
 * cache.days(sid, 'Asia/Kathmandu', bounds, Date.now()); // one stats row per local day
 * ```
 */
export class LocalDayCache {
  /** Closed local days' energy costs, invalidated with the days here. */
  readonly costs: CostDays;
  readonly #db: Database.Database;
  readonly #selects = new Map<string, Database.Statement>();
  readonly #insert: Database.Statement;
  readonly #delete: Database.Statement;
  readonly #forget: Database.Statement;
  readonly #extent: Database.Statement;
  readonly #next: Database.Statement;
  readonly #deleteToNext: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    this.costs = new CostDays(db);
    this.#insert = db.prepare(
      'INSERT OR REPLACE INTO local_days (sid, start, zone, end, n, sum, min, max, first_t, first, last_t, last, delta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#delete = db.prepare(
      'DELETE FROM local_days WHERE sid = ? AND start > ? AND start <= ? AND end > ?',
    );
    // one statement per written batch (the write path's only extra cost): up to the next reading
    this.#deleteToNext = db.prepare(
      'DELETE FROM local_days WHERE sid = ? AND start > ? AND start <= coalesce((SELECT t FROM readings WHERE sid = ? AND t > ? ORDER BY t LIMIT 1), ?) AND end > ?',
    );
    this.#forget = db.prepare('DELETE FROM local_days WHERE sid = ?');
    this.#next = db.prepare('SELECT t FROM readings WHERE sid = ? AND t > ? ORDER BY t LIMIT 1').pluck();
    this.#extent = db
      .prepare(
        `SELECT (SELECT min(bucket) FROM ${rollupTableOf('1d')} WHERE sid = @sid), (SELECT max(bucket) FROM ${rollupTableOf('1d')} WHERE sid = @sid)`,
      )
      .raw();
  }

  /**
   * One stats row per local day `[bounds[i], bounds[i + 1])` of `zone`: stored days where they
   * are still right, the rest merged from the rollups (and stored if they ended by `now`).
   */
  days(sid: number, zone: string, bounds: readonly number[], now: number): BucketStatsRow[] {
    return this.#load(sid, zone, bounds, now, 'all', (row) => row);
  }

  /**
   * Per local day `[start, end, n, v]`: its reading count and one column (`change`: last −
   * first; start and end are 0 for days merged now). Only those columns are read (better-sqlite3
   * pays per column), so a year of days costs about what the UTC `1d` read of the rollups does.
   */
  dayValues(
    sid: number,
    zone: string,
    bounds: readonly number[],
    now: number,
    column: DayColumn,
  ): Array<[start: number, end: number, n: number, v: number | null]> {
    const i = COLUMN_INDEX[column];
    return this.#load(sid, zone, bounds, now, column, (row) => [
      0,
      0,
      row[0],
      column === 'change' ? (row[0] > 0 ? (row[7] as number) - (row[5] as number) : null) : row[i],
    ]);
  }

  #load<T>(
    sid: number,
    zone: string,
    bounds: readonly number[],
    now: number,
    column: DayColumn | 'all',
    pick: (row: BucketStatsRow) => T,
  ): T[] {
    const count = bounds.length - 1;
    const out: T[] = new Array(count);
    const empty = pick([...EMPTY_STATS] as BucketStatsRow);
    let select = this.#selects.get(column);
    if (!select) {
      const columns = column === 'all' ? ALL_COLUMNS : `n, ${COLUMN_SQL[column]}`;
      select = this.#db
        .prepare(
          `SELECT start, end, ${columns} FROM local_days WHERE sid = ? AND start >= ? AND start < ? AND zone = ? ORDER BY start`,
        )
        .raw();
      this.#selects.set(column, select);
    }
    const stored = select.all(sid, bounds[0], bounds[count], zone) as unknown[][];
    const runs: Array<[number, number]> = [];
    let storable = false;
    let extent: [number | null, number | null] | undefined;
    for (let i = 0, r = 0; i < count; i++) {
      // stored rows come in start order: walk them beside the bounds
      while (r < stored.length && (stored[r][0] as number) < bounds[i]) r++;
      const row = stored[r];
      if (row && row[0] === bounds[i] && row[1] === bounds[i + 1]) {
        out[i] = (column === 'all' ? row.slice(2) : row) as T;
        continue;
      }
      // days wholly outside the UTC days that hold data are empty: no query, nothing stored
      extent ??= this.#extent.get({ sid }) as [number | null, number | null];
      const [firstBucket, lastBucket] = extent;
      if (
        firstBucket === null ||
        lastBucket === null ||
        bounds[i + 1] <= firstBucket ||
        bounds[i] >= lastBucket + DAY
      ) {
        out[i] = empty;
        continue;
      }
      if (bounds[i + 1] <= now) storable = true;
      const last = runs[runs.length - 1];
      if (last && last[1] === i) last[1] = i + 1;
      else runs.push([i, i + 1]);
    }
    if (runs.length === 0) return out;
    const fill = (store: boolean) => {
      for (const [a, b] of runs) {
        const runBounds = bounds.slice(a, b + 1);
        const width = widthFor(runBounds);
        if (width === undefined)
          throw new BadRequestError(
            `tz: ${zone} has an offset of seconds in this window; local buckets cannot be built from the rollups`,
          );
        const stats = readBoundsStats(this.#db, sid, runBounds, width);
        for (let k = 0; k < stats.length; k++) {
          out[a + k] = pick(stats[k]);
          if (store && bounds[a + k + 1] <= now)
            this.#insert.run(sid, bounds[a + k], zone, bounds[a + k + 1], ...stats[k]);
        }
      }
    };
    if (!storable) {
      fill(false);
      return out;
    }
    // merged and stored under the write lock, so no other process's write slips in between; a
    // read never waits for that lock (a CLI import may hold it for long): it just stores nothing
    const timeout = this.#db.pragma('busy_timeout', { simple: true }) as number;
    this.#db.pragma('busy_timeout = 0');
    try {
      this.#db.transaction(() => fill(true)).immediate();
    } catch (error) {
      if (error instanceof BadRequestError) throw error;
      // busy, read-only or full: serve the merged days without keeping them
      fill(false);
    } finally {
      this.#db.pragma(`busy_timeout = ${timeout}`);
    }
    return out;
  }

  /**
   * After readings in `[from, to]` were stored: their days go, and for a counter also the days up
   * to the next stored reading, whose increment may have changed.
   */
  written(sid: number, counter: boolean, from: number, to: number): void {
    if (counter) this.#deleteToNext.run(sid, from - LONGEST_DAY, sid, to, to, from);
    else this.#delete.run(sid, from - LONGEST_DAY, to, from);
    this.costs.written(sid, counter, from, to);
  }

  /**
   * After an erasure of `[from, to)`: the UTC days at its edges may have been rebuilt or dropped
   * whole (see erasure.ts), and a counter's next reading re-based.
   */
  erased(sid: number, from: number, to: number): void {
    const next = this.#next.get(sid, to - 1) as number | undefined;
    this.invalidate(sid, Math.floor(from / DAY) * DAY, Math.ceil((Math.max(to, next ?? 0) + 1) / DAY) * DAY);
  }

  /**
   * Drops the stored days of `sid` that overlap `[from, to]`: called in the transaction of every
   * write, erasure or other change to the rollups of those instants.
   */
  invalidate(sid: number, from: number, to: number): void {
    this.#delete.run(sid, from - LONGEST_DAY, to, from);
    this.costs.invalidate(sid, from, to);
  }

  /** Drops every stored day of `sid` (the datasource is deleted; its sid may be reused). */
  forget(sid: number): void {
    this.#forget.run(sid);
    this.costs.forget(sid);
  }
}
