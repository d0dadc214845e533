import { hash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AuditLog } from './audit-log.ts';
import { GENESIS_HASH } from './canonical.ts';

/** One hour: the daemon's ingest window (one `readings.write` entry per source, writer and hour). */
export const HOUR_WINDOW_MS = 3_600_000;

/** Why a window was sealed into its audit entry. */
export type SealReason = 'closed' | 'batch' | 'stop' | 'flush' | 'erase';

/**
 * The running digest of the readings one window wrote: starts at 64 zeros and, for every reading
 * actually stored (duplicates are not), becomes `sha256hex(digest ‖ canonicalJson([id, t, v]))`,
 * e.g. `["meter.power",1700000000000,230.5]`, in the order the readings were stored. It is the
 * chain rule of the audit log applied to readings, so anyone holding the readings in write order
 * can recompute it (see docs/audit.md, *Ingest windows*).
 */
export class ReadingDigest {
  readonly #prefix: string;
  value: string;

  constructor(id: string, value = GENESIS_HASH) {
    this.#prefix = `[${JSON.stringify(id)},`;
    this.value = value;
  }

  /** Adds one stored reading (`t` an integer, `v` finite: validated before they get here). */
  add(t: number, v: number): void {
    this.value = hash('sha256', `${this.value}${this.#prefix}${t},${JSON.stringify(v)}]`, 'hex');
  }
}

/** The open accumulator of one (datasource, writer), as kept in `ingest_window`. */
export interface OpenWindow {
  id: string;
  actor: string;
  openedAt: number;
  lastAt: number;
  batches: number;
  written: number;
  duplicates: number;
  skipped: number;
  from: number;
  to: number;
  digest: ReadingDigest;
}

interface Row {
  id: string;
  actor: string;
  opened_at: number;
  last_at: number;
  batches: number;
  written: number;
  duplicates: number;
  skipped: number;
  first_t: number;
  last_t: number;
  digest: string;
}

/**
 * Audits ingest per datasource, writer and time window instead of per batch, so the trail grows
 * with time and sources, not with the data rate. Each batch updates the window's row in
 * `ingest_window` inside the caller's transaction (the one that stores the readings), so a crash
 * loses neither; a window is sealed into one `readings.write` entry when its window has passed
 * (on the next write to it, or by {@link sealDue}), at stop, or before an erase of its source.
 * With `windowMs` 0 every batch is sealed at once (one entry per batch).
 */
export class IngestWindows {
  readonly #db: Database.Database;
  readonly #audit: AuditLog;
  readonly #windowMs: number;
  readonly #get: Database.Statement<[string, string], Row>;
  readonly #save: Database.Statement;
  readonly #remove: Database.Statement;
  readonly #touch: Database.Statement;

  constructor(db: Database.Database, audit: AuditLog, windowMs: number) {
    this.#db = db;
    this.#audit = audit;
    this.#windowMs = windowMs;
    db.exec(`
      CREATE TABLE IF NOT EXISTS ingest_window (
        id TEXT NOT NULL, actor TEXT NOT NULL, opened_at INTEGER NOT NULL, last_at INTEGER NOT NULL,
        batches INTEGER NOT NULL, written INTEGER NOT NULL, duplicates INTEGER NOT NULL,
        skipped INTEGER NOT NULL, first_t INTEGER NOT NULL, last_t INTEGER NOT NULL,
        digest TEXT NOT NULL, PRIMARY KEY (id, actor)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ingest_rev (id TEXT PRIMARY KEY, rev INTEGER NOT NULL) WITHOUT ROWID;
    `);
    this.#get = db.prepare('SELECT * FROM ingest_window WHERE id = ? AND actor = ?');
    this.#save = db.prepare(
      `INSERT OR REPLACE INTO ingest_window VALUES (@id, @actor, @openedAt, @lastAt, @batches, @written, @duplicates, @skipped, @from, @to, @digest)`,
    );
    this.#remove = db.prepare('DELETE FROM ingest_window WHERE id = ? AND actor = ?');
    this.#touch = db.prepare(
      `INSERT OR REPLACE INTO ingest_rev VALUES (?, (SELECT coalesce(max(rev), 0) + 1 FROM ingest_rev))`,
    );
  }

  /**
   * The window a batch of `id` by `actor` at `now` goes into: the open one, or a fresh one after
   * sealing a window whose time has passed. Call inside the write transaction.
   */
  open(id: string, actor: string, now: number): OpenWindow {
    const row = this.#get.get(id, actor);
    if (row !== undefined) {
      const window = fromRow(row);
      if (!this.#isDue(window, now)) return window;
      this.#seal(window, 'closed');
    }
    return {
      id,
      actor,
      openedAt: now,
      lastAt: now,
      batches: 0,
      written: 0,
      duplicates: 0,
      skipped: 0,
      from: Number.POSITIVE_INFINITY,
      to: Number.NEGATIVE_INFINITY,
      digest: new ReadingDigest(id),
    };
  }

  /** Stores the window after a batch went into it (or seals it at once when `windowMs` is 0). */
  save(window: OpenWindow, now: number): void {
    window.batches++;
    window.lastAt = now;
    this.#touch.run(window.id);
    if (this.#windowMs <= 0) this.#seal(window, 'batch');
    else this.#save.run({ ...window, digest: window.digest.value });
  }

  /**
   * Moves `id`'s ingest revision without a window: events and kv writes are audited per batch,
   * but `on-new-data` schedules watch the revision (see `changedSince`). Call inside the write.
   */
  touch(id: string): void {
    this.#touch.run(id);
  }

  /** Seals every window whose time has passed; returns how many. Opens its own transaction if needed. */
  sealDue(now: number): number {
    return this.#sealWhere((w) => this.#isDue(w, now), 'closed');
  }

  /** Seals every open window (at stop, before an export), or those of one datasource (before an erase). */
  sealAll(reason: SealReason, id?: string): number {
    return this.#sealWhere((w) => id === undefined || w.id === id, reason);
  }

  /** Datasources written since `cursor` (0 at first) and the cursor to pass next time. */
  changedSince(cursor: number): { cursor: number; ids: string[] } {
    const rows = this.#db.prepare('SELECT id, rev FROM ingest_rev WHERE rev > ?').all(cursor) as Array<{
      id: string;
      rev: number;
    }>;
    return { cursor: rows.reduce((m, r) => Math.max(m, r.rev), cursor), ids: rows.map((r) => r.id) };
  }

  /** Every open window (the dashboard and tests look at them). */
  pending(): OpenWindow[] {
    return (this.#db.prepare('SELECT * FROM ingest_window ORDER BY opened_at').all() as Row[]).map(fromRow);
  }

  #isDue(window: OpenWindow, now: number): boolean {
    if (this.#windowMs <= 0) return true;
    return Math.floor(now / this.#windowMs) > Math.floor(window.openedAt / this.#windowMs);
  }

  #sealWhere(test: (w: OpenWindow) => boolean, reason: SealReason): number {
    const run = () => {
      let sealed = 0;
      for (const window of this.pending()) {
        if (!test(window)) continue;
        this.#seal(window, reason);
        sealed++;
      }
      return sealed;
    };
    return this.#db.inTransaction ? run() : this.#db.transaction(run).immediate();
  }

  #seal(window: OpenWindow, reason: SealReason): void {
    this.#remove.run(window.id, window.actor);
    if (window.batches === 0) return;
    this.#audit.append({
      actor: window.actor,
      action: 'readings.write',
      subject: window.id,
      details: {
        batches: window.batches,
        written: window.written,
        duplicates: window.duplicates,
        ...(window.skipped ? { skipped: window.skipped } : {}),
        from: window.from,
        to: window.to,
        openedAt: window.openedAt,
        lastAt: window.lastAt,
        digest: window.digest.value,
        sealed: reason,
      },
    });
  }
}

function fromRow(row: Row): OpenWindow {
  return {
    id: row.id,
    actor: row.actor,
    openedAt: row.opened_at,
    lastAt: row.last_at,
    batches: row.batches,
    written: row.written,
    duplicates: row.duplicates,
    skipped: row.skipped,
    from: row.first_t,
    to: row.last_t,
    digest: new ReadingDigest(row.id, row.digest),
  };
}
