import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AuditLog } from '../audit/audit-log.ts';
import { IngestWindows } from '../audit/ingest-window.ts';
import { BadRequestError } from '../errors.ts';
import { AuditedEvents } from './audited-events.ts';
import { AuditedReads } from './audited-reads.ts';
import { AuditedWrites, type WriteOptions } from './audited-writes.ts';
import { Catalogue, type CatalogueEntry, publicDatasource } from './catalogue.ts';
import type { BinaryColumns } from './columns-binary.ts';
import { ColumnsCache } from './columns-cache.ts';
import { Eraser, type ErasureReport } from './erasure.ts';
import { EventSeries } from './event-series.ts';
import { KvStore } from './kv-store.ts';
import { LocalDayCache } from './local-day-cache.ts';
import { type ColumnsRead, NumericReader } from './numeric-reader.ts';
import { NumericWriter } from './numeric-writer.ts';
import { validateRange } from './reading-validation.ts';
import { expireRaw, type SourceRetention } from './retention.ts';
import { migrateStore } from './schema.ts';
import type {
  Actor,
  AggregatePoint,
  AggregateQuery,
  Datasource,
  EventRecord,
  RangeQuery,
  ReadAudit,
  Reading,
  ReadingColumns,
  WriteResult,
} from './types.ts';

/**
 * The daemon's SQLite page cache, KiB (better-sqlite3's build default is 16,000). Reads of a year
 * go through the rollup tables and the columns cache, ingest appends at the right edge of each
 * B-tree, so a small cache costs little (bench/README.md, *Daemon memory, the page cache*).
 */
export const DAEMON_SQLITE_CACHE_KIB = 2048;

export interface StoreOptions {
  /** Clock for timestamps of catalogue changes, audit entries and retention (tests inject one). */
  clock?: () => number;
  /** `NORMAL` survives a crash of the process; `FULL` also survives power loss, at some write speed. */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * Ingest audit window in ms: one `readings.write` entry per datasource, writer and window
   * (the daemon and CLI use one hour, `HOUR_WINDOW_MS`). 0 (the default) audits every batch at once.
   */
  ingestWindowMs?: number;
  /**
   * SQLite's page cache for this connection, KiB. Without it the connection keeps better-sqlite3's
   * build default, 16,000 KiB, which a year's ingest fills and which stays resident (the daemon
   * passes a smaller one: `DAEMON_SQLITE_CACHE_KIB`, bench/README.md).
   */
  cacheKiB?: number;
}

export type { WriteOptions } from './audited-writes.ts';

/** What the store's WAL file is cut back to after it grew past it (`PRAGMA journal_size_limit`). */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The box's store: one SQLite file (WAL) with the catalogue, numeric series and their rollups,
 * event series, key-value namespaces and the audit log. Every change commits together with its
 * audit entry. The only state kept between calls is the columns cache, which drops what another
 * connection's commit may have changed, so the daemon and the CLI may share the file.
 *
 * @example
 * const store = Store.open('/var/lib/databox/databox.db');
 * store.createDatasource({ id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' }, 'user');
 * store.writeReadings('meter.power', [{ t: Date.now(), v: 230 }], 'driver:p1');
 * store.read('meter.power', { from: 0, to: Date.now(), resolution: '30min', aggregate: 'mean' });
 */
export class Store {
  readonly db: Database.Database;
  readonly audit: AuditLog;
  readonly catalogue: Catalogue;
  readonly kv: KvStore;
  /** Open ingest windows: `sealDue` / `sealAll` turn them into `readings.write` entries. */
  readonly ingest: IngestWindows;
  /** Closed local days, kept exact by every write, erasure and deletion below. */
  readonly localDays: LocalDayCache;
  /** Encoded columns of closed rollup chunks, kept exact like `localDays` (`format=columns`). */
  readonly columnsCache: ColumnsCache;
  readonly #clock: () => number;
  readonly #writes: AuditedWrites;
  readonly #reads: AuditedReads;
  readonly #events: AuditedEvents;
  readonly #eraser: Eraser;

  constructor(db: Database.Database, options: StoreOptions = {}) {
    this.db = db;
    this.#clock = options.clock ?? Date.now;
    migrateStore(db);
    this.audit = new AuditLog(db, this.#clock);
    this.ingest = new IngestWindows(db, this.audit, options.ingestWindowMs ?? 0);
    this.catalogue = new Catalogue(db);
    this.kv = new KvStore(db);
    this.localDays = new LocalDayCache(db);
    this.columnsCache = new ColumnsCache(db);
    this.#writes = new AuditedWrites({
      writer: new NumericWriter(db),
      numeric: (id) => this.#numeric(id),
      ingest: this.ingest,
      localDays: this.localDays,
      columnsCache: this.columnsCache,
      now: () => this.now(),
      transaction: (fn) => this.transaction(fn),
    });
    this.#reads = new AuditedReads(
      new NumericReader(db, this.columnsCache),
      this.audit,
      (id) => this.#numeric(id),
      () => this.now(),
    );
    this.#events = new AuditedEvents({
      events: new EventSeries(db),
      catalogue: this.catalogue,
      kv: this.kv,
      ingest: this.ingest,
      audit: this.audit,
      now: () => this.now(),
      transaction: (fn) => this.transaction(fn),
    });
    this.#eraser = new Eraser(db);
  }

  /** Opens (creating if needed) the store file with WAL and a busy timeout. */
  static open(path: string, options: StoreOptions = {}): Store {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    // the WAL grows while a long reader (a backup's VACUUM INTO, a check) holds its snapshot: 401 MB
    // during a backup under heavy ingest (bench/backup.ts). SQLite reuses the file from its start
    // afterwards but never shrinks it; with a limit it is cut back once the WAL is reset
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    if (options.cacheKiB !== undefined)
      db.pragma(`cache_size = ${-Math.max(64, Math.trunc(options.cacheKiB))}`);
    try {
      return new Store(db, options);
    } catch (error) {
      db.close(); // a store it refused (a newer schema) or a failed migration: no handle left open
      throw error;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  now(): number {
    return this.#clock();
  }

  /** Runs `fn` in an IMMEDIATE transaction (takes the write lock first, so it never deadlocks on upgrade). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ---- catalogue ----

  listDatasources(): Datasource[] {
    return this.catalogue.list().map(publicDatasource);
  }

  getDatasource(id: string): Datasource {
    return publicDatasource(this.catalogue.get(id));
  }

  createDatasource(input: unknown, actor: Actor): Datasource {
    return this.transaction(() => {
      const entry = publicDatasource(this.catalogue.insert(input, this.now()));
      this.audit.append({ actor, action: 'datasource.create', subject: entry.id, details: { ...entry } });
      return entry;
    });
  }

  /** Creates the datasource unless one with the id exists; returns the stored one (drivers use it). */
  ensureDatasource(input: { id: string } & Record<string, unknown>, actor: Actor): Datasource {
    const existing = this.catalogue.find(input.id);
    return existing ? publicDatasource(existing) : this.createDatasource(input, actor);
  }

  updateDatasource(id: string, input: unknown, actor: Actor): Datasource {
    return this.transaction(() => {
      const { before, after } = this.catalogue.update(id, input, this.now());
      const changes: Record<string, unknown> = {};
      for (const key of Object.keys(after) as Array<keyof CatalogueEntry>) {
        if (key === 'updatedAt') continue;
        if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
          changes[key] = { from: before[key], to: after[key] };
      }
      this.audit.append({ actor, action: 'datasource.update', subject: id, details: { changes } });
      return publicDatasource(after);
    });
  }

  deleteDatasource(id: string, actor: Actor): void {
    this.transaction(() => {
      const entry = this.catalogue.get(id);
      this.ingest.sealAll('erase', id);
      this.catalogue.delete(entry);
      this.localDays.forget(entry.sid);
      this.columnsCache.forget(entry.sid);
      this.audit.append({ actor, action: 'datasource.delete', subject: id, details: { kind: entry.kind } });
    });
  }

  // ---- numeric readings ----

  #numeric(id: string): CatalogueEntry {
    const entry = this.catalogue.get(id);
    if (entry.valueType !== 'gauge' && entry.valueType !== 'counter') {
      throw new BadRequestError(`datasource "${id}" holds ${entry.valueType} values, not numeric readings`);
    }
    return entry;
  }

  /**
   * Stores a batch of readings `[{ t, v }]` (validated: integer ms timestamps 1970–9999, finite
   * values; any bad reading rejects the whole batch) and updates its rollups. It is audited in
   * the same transaction through the datasource's ingest window (`readings.write` when sealed).
   */
  writeReadings(id: string, input: unknown, actor: Actor, options: WriteOptions = {}): WriteResult {
    return this.#writes.writeReadings(id, input, actor, options);
  }

  /**
   * {@link writeReadings} for readings already as sorted columns (the HTTP API's JSON fast path,
   * `readings-json.ts`, reads a body straight into them); checked before anything is written.
   */
  writeReadingColumns(
    id: string,
    readings: ReadingColumns,
    actor: Actor,
    options: WriteOptions = {},
  ): WriteResult {
    return this.#writes.writeReadingColumns(id, readings, actor, options);
  }

  /**
   * Writes batches for several datasources in one transaction (drivers flush their buffer this
   * way): all or nothing, each datasource's batch audited through its ingest window.
   */
  writeMany(
    batches: ReadonlyArray<{ id: string; readings: unknown }>,
    actor: Actor,
    options: WriteOptions = {},
  ): Map<string, WriteResult> {
    return this.#writes.writeMany(batches, actor, options);
  }

  /** {@link writeMany} for batches collected as sorted columns (the line protocol's ingest). */
  writeManyColumns(
    batches: ReadonlyArray<{ id: string; readings: ReadingColumns }>,
    actor: Actor,
    options: WriteOptions = {},
  ): Map<string, WriteResult> {
    return this.#writes.writeManyColumns(batches, actor, options);
  }

  latest(id: string, audit?: ReadAudit): Reading | undefined {
    return this.#reads.latest(id, audit);
  }

  lastN(id: string, n: number, audit?: ReadAudit): Reading[] {
    return this.#reads.lastN(id, n, audit);
  }

  /**
   * Reads `[from, to)`: raw rows when `resolution` is `raw`, else one aggregate per bucket from the
   * rollups (`mean|min|max|sum|count|first|last|delta`).
   */
  read(id: string, query: AggregateQuery, audit?: ReadAudit): Reading[] | AggregatePoint[] {
    return this.#reads.read(id, query, audit);
  }

  /**
   * {@link read} as columns of JSON number text (`?format=columns`): one SQLite row, no object
   * per bucket, for long reads such as a year at 30 minutes. Audited like `read`.
   */
  readColumns(id: string, query: AggregateQuery, audit?: ReadAudit): ColumnsRead {
    return this.#reads.readColumns(id, query, audit);
  }

  /**
   * {@link readColumns} as typed arrays (`?format=f64`): the numbers of a cached rollup chunk are
   * parsed from its text once and kept beside it. Audited like `read`.
   */
  readBinary(id: string, query: AggregateQuery, audit?: ReadAudit): BinaryColumns {
    return this.#reads.readBinary(id, query, audit);
  }

  /**
   * {@link read} as the JSON text of its rows (`[{"t","v"[,"n"]},…]`), built by SQLite: what the
   * HTTP API sends, without a JavaScript object per row. Audited like `read`.
   */
  readJson(id: string, query: AggregateQuery, audit?: ReadAudit): { count: number; json: string } {
    return this.#reads.readJson(id, query, audit);
  }

  // ---- events and key-value (audited-events.ts) ----

  writeEvents(id: string, input: unknown, actor: Actor): number {
    return this.#events.writeEvents(id, input, actor);
  }

  readEvents(id: string, query: RangeQuery, audit?: ReadAudit): EventRecord[] {
    return this.#events.readEvents(id, query, audit);
  }

  /**
   * A page of events for an app's read (the arbiter plans and audits it): `[from, to)` after the
   * `(t, seq)` cursor, at most `limit`, each with its arrival number `seq` for the next cursor.
   */
  eventPage(
    id: string,
    query: RangeQuery & { limit: number; after: { t: number; seq: number } | null },
  ): Array<EventRecord & { seq: number }> {
    return this.#events.eventPage(id, query);
  }

  /** Sets a key of a `kv` datasource, audited. */
  setState(id: string, key: string, value: unknown, actor: Actor): void {
    this.#events.setState(id, key, value, actor);
  }

  // ---- erasure and retention ----

  /** Erases `[from, to)` of one datasource, audited as `readings.erase`. */
  erase(id: string, from: number, to: number, actor: Actor): ErasureReport {
    validateRange(from, to);
    return this.transaction(() => {
      // the writes being erased are audited before their erasure, in chain order
      this.ingest.sealAll('erase', id);
      const entry = this.catalogue.get(id);
      const report = this.#eraser.erase(entry, from, to);
      this.localDays.erased(entry.sid, from, to);
      this.columnsCache.written(entry.sid, from);
      this.audit.append({ actor, action: 'readings.erase', subject: id, details: { from, to, ...report } });
      return report;
    });
  }

  /** Applies every datasource's raw retention; each source that changed is audited. */
  applyRetention(actor: Actor = 'box'): SourceRetention[] {
    const now = this.now();
    const done: SourceRetention[] = [];
    for (const entry of this.catalogue.list()) {
      const result = expireRaw(this.db, entry, now);
      if (result) {
        done.push(result);
        // costs read prices raw: days priced by readings now gone cost differently (after the
        // deletions, so a day stored between two of their slices goes too)
        this.localDays.costs.pricesExpired(entry.sid, result.horizon);
        this.audit.append({ actor, action: 'retention.apply', subject: entry.id, details: { ...result } });
      }
    }
    return done;
  }
}
