import type Database from 'better-sqlite3';
import { BadRequestError, ConflictError, issuesToDetails, NotFoundError } from '../errors.ts';
import { datasourcePatchSchema, datasourceSpecSchema } from './datasource-schema.ts';
import { ROLLUP_TABLES } from './rollup-tables.ts';
import type { Datasource, DatasourcePatch, DatasourceSpec, ValueType } from './types.ts';

interface Row {
  sid: number;
  id: string;
  kind: string;
  unit: string;
  value_type: ValueType;
  description: string;
  vendor: string;
  location: string;
  driver: string;
  retention_raw: string | null;
  raw_horizon: number;
  created_at: number;
  updated_at: number;
}

/** A catalogue entry with the store-internal key and retention state. */
export interface CatalogueEntry extends Datasource {
  sid: number;
  rawHorizon: number;
}

function toEntry(row: Row): CatalogueEntry {
  return {
    sid: row.sid,
    id: row.id,
    kind: row.kind,
    unit: row.unit,
    valueType: row.value_type,
    description: row.description,
    vendor: row.vendor,
    location: row.location,
    driver: row.driver,
    retention: { raw: row.retention_raw },
    rawHorizon: row.raw_horizon,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Public view of a catalogue entry (no internal keys). */
export function publicDatasource(entry: CatalogueEntry): Datasource {
  const { sid: _sid, rawHorizon: _h, ...rest } = entry;
  return rest;
}

/**
 * The catalogue of datasources. Reads go to SQLite every time (no cache), so several processes
 * (daemon and CLI) can share one database file and always agree.
 */
export class Catalogue {
  readonly #db: Database.Database;
  readonly #byId: Database.Statement<[string], Row>;
  readonly #all: Database.Statement<[], Row>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#byId = db.prepare('SELECT * FROM datasources WHERE id = ?');
    this.#all = db.prepare('SELECT * FROM datasources ORDER BY id');
  }

  list(): CatalogueEntry[] {
    return this.#all.all().map(toEntry);
  }

  find(id: string): CatalogueEntry | undefined {
    const row = this.#byId.get(id);
    return row ? toEntry(row) : undefined;
  }

  /** The entry, or a 404 naming the id. */
  get(id: string): CatalogueEntry {
    const entry = this.find(id);
    if (!entry) throw new NotFoundError(`datasource "${id}" does not exist`);
    return entry;
  }

  /** Validates and inserts; must run inside the caller's write transaction. */
  insert(input: unknown, now: number): CatalogueEntry {
    const parsed = datasourceSpecSchema.safeParse(input);
    if (!parsed.success) {
      throw new BadRequestError('invalid datasource', { details: issuesToDetails(parsed.error.issues) });
    }
    const spec: DatasourceSpec = parsed.data;
    if (this.find(spec.id)) throw new ConflictError(`datasource "${spec.id}" already exists`);
    this.#db
      .prepare(
        `INSERT INTO datasources (id, kind, unit, value_type, description, vendor, location, driver,
           retention_raw, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        spec.id,
        spec.kind,
        spec.unit,
        spec.valueType,
        spec.description ?? '',
        spec.vendor ?? '',
        spec.location ?? '',
        spec.driver ?? '',
        spec.retention?.raw ?? null,
        now,
        now,
      );
    return this.get(spec.id);
  }

  /** Validates and applies a patch; returns the entry before and after. */
  update(id: string, input: unknown, now: number): { before: CatalogueEntry; after: CatalogueEntry } {
    const parsed = datasourcePatchSchema.safeParse(input);
    if (!parsed.success) {
      throw new BadRequestError('invalid datasource update', {
        details: issuesToDetails(parsed.error.issues),
      });
    }
    const patch: DatasourcePatch = parsed.data;
    const before = this.get(id);
    const next = { ...before, ...patch, retention: patch.retention ?? before.retention };
    this.#db
      .prepare(
        `UPDATE datasources SET kind = ?, unit = ?, description = ?, vendor = ?, location = ?, driver = ?,
           retention_raw = ?, updated_at = ? WHERE sid = ?`,
      )
      .run(
        next.kind,
        next.unit,
        next.description,
        next.vendor,
        next.location,
        next.driver,
        next.retention.raw,
        now,
        before.sid,
      );
    return { before, after: this.get(id) };
  }

  setRawHorizon(sid: number, horizon: number): void {
    this.#db.prepare('UPDATE datasources SET raw_horizon = ? WHERE sid = ?').run(horizon, sid);
  }

  /** Deletes the entry and every row it owns. */
  delete(entry: CatalogueEntry): void {
    for (const table of ['readings', 'blocks', ...ROLLUP_TABLES, 'events']) {
      this.#db.prepare(`DELETE FROM ${table} WHERE sid = ?`).run(entry.sid);
    }
    this.#db.prepare('DELETE FROM kv WHERE ns = ?').run(datasourceKvNamespace(entry.id));
    this.#db.prepare('DELETE FROM datasources WHERE sid = ?').run(entry.sid);
  }
}

/** The kv namespace that holds a `kv` datasource's state. */
export function datasourceKvNamespace(id: string): string {
  return `datasource:${id}`;
}
