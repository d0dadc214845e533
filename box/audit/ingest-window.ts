import { hash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AuditLog } from './audit-log.ts';
import { GENESIS_HASH } from './canonical.ts';

/** One hour: the daemon's ingest window (one `readings.write` entry per source, writer and hour). */
export const HOUR_WINDOW_MS = 3_600_000;

/** Why a window was sealed into its audit entry. */
export type SealReason = 'closed' | 'batch' | 'stop' | 'flush' | 'erase';

/** Readings per digest chunk: the digest is advanced once per this many stored readings. */
export const DIGEST_CHUNK = 256;
const RECORD_BYTES = 16;

/**
 * The digest of the readings one window stored (format 2; docs/audit.md, *Ingest windows*). Every
 * reading actually stored (duplicates are not) becomes a 16-byte record, `t` then `v` as IEEE-754
 * float64 little-endian (`-0` as `0`), in the order stored. Whole chunks of {@link DIGEST_CHUNK}
 * records advance the digest, which starts at 64 zeros:
 * `digest = sha256hex(ascii(digest) ‖ utf8(id) ‖ 0x00 ‖ chunk)`; the records after the last whole
 * chunk wait in `pending` (kept in the window's row, so a crash loses nothing) and are chained as a
 * last, shorter chunk when the window is sealed ({@link final}). Anyone holding the window's
 * readings in write order can recompute it, and it costs one hash per 256 readings instead of one
 * per reading (format 1, which hashed each reading's JSON text, was a quarter of ingest time).
 */
export class ReadingDigest {
  readonly #prefix: Buffer;
  value: string;
  #chunk: Buffer;
  #view: DataView;
  #count: number;

  constructor(id: string, value = GENESIS_HASH, pending?: Uint8Array) {
    this.#prefix = Buffer.concat([Buffer.from(id, 'utf8'), Buffer.of(0)]);
    this.value = value;
    this.#chunk = Buffer.alloc(DIGEST_CHUNK * RECORD_BYTES);
    this.#view = new DataView(this.#chunk.buffer, this.#chunk.byteOffset, this.#chunk.byteLength);
    this.#count = 0;
    if (pending !== undefined && pending.byteLength > 0) {
      if (pending.byteLength % RECORD_BYTES !== 0 || pending.byteLength >= this.#chunk.byteLength)
        throw new Error(`ingest window of ${id}: pending digest records of ${pending.byteLength} bytes`);
      this.#chunk.set(pending);
      this.#count = pending.byteLength / RECORD_BYTES;
    }
  }

  /** Adds one stored reading (`t` an integer, `v` finite: validated before they get here). */
  add(t: number, v: number): void {
    const at = this.#count * RECORD_BYTES;
    this.#view.setFloat64(at, t, true);
    this.#view.setFloat64(at + 8, v === 0 ? 0 : v, true);
    if (++this.#count === DIGEST_CHUNK) {
      this.value = this.#step(this.#chunk);
      this.#count = 0;
    }
  }

  /** The records not yet chained (fewer than a chunk), as stored in the window's row. */
  pending(): Buffer {
    return Buffer.from(this.#chunk.subarray(0, this.#count * RECORD_BYTES));
  }

  /** The digest of everything added: the pending records chained as a last chunk, if any. */
  final(): string {
    return this.#count === 0 ? this.value : this.#step(this.#chunk.subarray(0, this.#count * RECORD_BYTES));
  }

  #step(records: Uint8Array): string {
    return hash('sha256', Buffer.concat([Buffer.from(this.value, 'latin1'), this.#prefix, records]), 'hex');
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
  /** Set on a window opened before format 2 (its digest so far); it is sealed, never extended. */
  format1Digest?: string;
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
  pending: Buffer | null;
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
        digest TEXT NOT NULL, pending BLOB, PRIMARY KEY (id, actor)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ingest_rev (id TEXT PRIMARY KEY, rev INTEGER NOT NULL) WITHOUT ROWID;
    `);
    // boxes from before digest format 2 have no `pending` column; their open windows (pending
    // NULL) carry a format-1 digest and are sealed as such on their next touch, never extended
    const columns = db.prepare('PRAGMA table_info(ingest_window)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'pending'))
      db.exec('ALTER TABLE ingest_window ADD COLUMN pending BLOB');
    this.#get = db.prepare('SELECT * FROM ingest_window WHERE id = ? AND actor = ?');
    this.#save = db.prepare(
      `INSERT OR REPLACE INTO ingest_window (id, actor, opened_at, last_at, batches, written, duplicates, skipped, first_t, last_t, digest, pending)
       VALUES (@id, @actor, @openedAt, @lastAt, @batches, @written, @duplicates, @skipped, @from, @to, @digest, @pending)`,
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
      if (window.format1Digest === undefined && !this.#isDue(window, now)) return window;
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
    else this.#save.run({ ...window, digest: window.digest.value, pending: window.digest.pending() });
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
        ...(window.format1Digest === undefined
          ? { digest: window.digest.final(), digestFormat: 2 }
          : { digest: window.format1Digest }),
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
    digest: new ReadingDigest(
      row.id,
      row.pending === null ? undefined : row.digest,
      row.pending ?? undefined,
    ),
    ...(row.pending === null ? { format1Digest: row.digest } : {}),
  };
}
