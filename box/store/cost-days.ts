import type Database from 'better-sqlite3';

/**
 * How long a price series' reading stays in force when no newer one follows: a step is priced at
 * the latest price at or before it and at most this much older (box/energy/costing.ts), so a
 * price written at `t` changes the cost of steps in `[t, t + PRICE_IN_FORCE_MS]` only.
 */
export const PRICE_IN_FORCE_MS = 7 * 86_400_000;
/** No local day is longer than this (as in local-day-cache.ts). */
const LONGEST_DAY = 3 * 86_400_000;

/** A stored day: `[start, end, kWh, energy cost]` (the cost without the standing charge). */
export type CostDayRow = [start: number, end: number, kwh: number, cost: number];

/**
 * The `cost_days` table: the kWh and energy cost of closed local days of an energy datasource,
 * per zone and tariff fingerprint (box/energy/day-costs.ts computes and stores them). A tariff
 * edit changes the fingerprint, so rows of an older tariff are never read again (and are pruned
 * when new rows are stored). The store keeps the rest exact: {@link LocalDayCache} calls
 * {@link written}, {@link invalidate} and {@link forget} in the transaction of every write,
 * erasure and deletion, for the datasource's own days and for the days a price series' readings
 * are in force in (`price_sid`).
 *
 * @example
 * ```ts
 * const days = new CostDays(db);
 * days.read(sid, 'Europe/Amsterdam', fingerprint, from, to); // [[start, end, kWh, cost], …]
 * ```
 */
export class CostDays {
  readonly #db: Database.Database;
  readonly #select: Database.Statement;
  readonly #insert: Database.Statement;
  readonly #prune: Database.Statement;
  readonly #delete: Database.Statement;
  readonly #deleteToNext: Database.Statement;
  readonly #deletePriced: Database.Statement;
  readonly #forget: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#select = db
      .prepare(
        'SELECT start, end, kwh, cost FROM cost_days WHERE sid = ? AND start >= ? AND start < ? AND zone = ? AND tariff = ? ORDER BY start',
      )
      .raw();
    this.#insert = db.prepare(
      'INSERT OR REPLACE INTO cost_days (sid, start, zone, tariff, end, price_sid, kwh, cost) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#prune = db.prepare('DELETE FROM cost_days WHERE sid = ? AND tariff != ?');
    this.#delete = db.prepare('DELETE FROM cost_days WHERE sid = ? AND start > ? AND start <= ? AND end > ?');
    // a counter's write also changes the increment of its next stored reading
    this.#deleteToNext = db.prepare(
      'DELETE FROM cost_days WHERE sid = ? AND start > ? AND start <= coalesce((SELECT t FROM readings WHERE sid = ? AND t > ? ORDER BY t LIMIT 1), ?) AND end > ?',
    );
    this.#deletePriced = db.prepare(
      'DELETE FROM cost_days WHERE price_sid = ? AND start > ? AND start <= ? AND end > ?',
    );
    this.#forget = db.prepare('DELETE FROM cost_days WHERE sid = ? OR price_sid = ?');
  }

  /** The stored days of `sid` in `zone` under tariff `fingerprint` that start in `[from, to)`. */
  read(sid: number, zone: string, fingerprint: string, from: number, to: number): CostDayRow[] {
    return this.#select.all(sid, from, to, zone, fingerprint) as CostDayRow[];
  }

  /**
   * Runs `fill` (which merges days and calls {@link put}) under the write lock, so no write can
   * slip in between reading the rollups and storing what they gave. It never waits for the lock
   * (an import may hold it for long): busy, read-only or full, it returns false and stores nothing.
   */
  underWriteLock(fill: () => void): boolean {
    const timeout = this.#db.pragma('busy_timeout', { simple: true }) as number;
    this.#db.pragma('busy_timeout = 0');
    try {
      this.#db.transaction(fill).immediate();
      return true;
    } catch (error) {
      // SQLite's refusals (busy, read-only, full, …) store nothing; anything else is a bug or bad input
      if (String((error as { code?: unknown }).code).startsWith('SQLITE_')) return false;
      throw error;
    } finally {
      this.#db.pragma(`busy_timeout = ${timeout}`);
    }
  }

  /** Stores closed days of `sid`; the first call for a new fingerprint drops the older tariffs' rows. */
  put(
    sid: number,
    zone: string,
    fingerprint: string,
    priceSid: number | null,
    rows: readonly CostDayRow[],
  ): void {
    if (rows.length === 0) return;
    this.#prune.run(sid, fingerprint);
    for (const [start, end, kwh, cost] of rows)
      this.#insert.run(sid, start, zone, fingerprint, end, priceSid, kwh, cost);
  }

  /** After readings in `[from, to]` of `sid` were stored (see LocalDayCache.written). */
  written(sid: number, counter: boolean, from: number, to: number): void {
    if (counter) this.#deleteToNext.run(sid, from - LONGEST_DAY, sid, to, to, from);
    else this.#delete.run(sid, from - LONGEST_DAY, to, from);
    this.#priced(sid, from, to);
  }

  /** Drops the days of `sid` overlapping `[from, to]`, and those priced by `sid`'s readings there. */
  invalidate(sid: number, from: number, to: number): void {
    this.#delete.run(sid, from - LONGEST_DAY, to, from);
    this.#priced(sid, from, to);
  }

  /** Drops every day of `sid` and every day priced by it (the datasource is deleted). */
  forget(sid: number): void {
    this.#forget.run(sid, sid);
  }

  /** Raw readings of `priceSid` before `horizon` expired: the days they priced go. */
  pricesExpired(priceSid: number, horizon: number): void {
    this.#priced(priceSid, 0, horizon);
  }

  /** Prices of `priceSid` in `[from, to]` changed: the days their readings are in force in go. */
  #priced(priceSid: number, from: number, to: number): void {
    this.#deletePriced.run(priceSid, from - LONGEST_DAY, to + PRICE_IN_FORCE_MS, from);
  }
}
