/**
 * Builds a Home Assistant recorder database for tests and benchmarks, with the tables, columns and
 * indexes that `homeassistant/components/recorder/db_schema.py` (SCHEMA_VERSION 41) creates on
 * SQLite, including the legacy columns it keeps empty (`CHAR(0)`), in WAL mode as HA runs it.
 * Only the tables the importer reads are created, plus `schema_changes`.
 */
import Database from 'better-sqlite3';

const DDL = `
CREATE TABLE states_meta (metadata_id INTEGER NOT NULL PRIMARY KEY, entity_id VARCHAR(255));
CREATE UNIQUE INDEX ix_states_meta_entity_id ON states_meta (entity_id);
CREATE TABLE state_attributes (attributes_id INTEGER NOT NULL PRIMARY KEY, hash BIGINT, shared_attrs TEXT);
CREATE INDEX ix_state_attributes_hash ON state_attributes (hash);
CREATE TABLE states (
  state_id INTEGER NOT NULL PRIMARY KEY, entity_id CHAR(0), state VARCHAR(255), attributes CHAR(0),
  event_id SMALLINT, last_changed CHAR(0), last_changed_ts FLOAT, last_updated CHAR(0), last_updated_ts FLOAT,
  old_state_id INTEGER REFERENCES states (state_id), attributes_id INTEGER REFERENCES state_attributes (attributes_id),
  context_id CHAR(0), context_user_id CHAR(0), context_parent_id CHAR(0), origin_idx SMALLINT,
  context_id_bin BLOB, context_user_id_bin BLOB, context_parent_id_bin BLOB,
  metadata_id INTEGER REFERENCES states_meta (metadata_id));
CREATE INDEX ix_states_metadata_id_last_updated_ts ON states (metadata_id, last_updated_ts);
CREATE INDEX ix_states_last_updated_ts ON states (last_updated_ts);
CREATE INDEX ix_states_old_state_id ON states (old_state_id);
CREATE INDEX ix_states_attributes_id ON states (attributes_id);
CREATE INDEX ix_states_context_id_bin ON states (context_id_bin);
CREATE TABLE statistics_meta (
  id INTEGER NOT NULL PRIMARY KEY, statistic_id VARCHAR(255), source VARCHAR(32), unit_of_measurement VARCHAR(255),
  has_mean BOOLEAN, has_sum BOOLEAN, name VARCHAR(255));
CREATE UNIQUE INDEX ix_statistics_meta_statistic_id ON statistics_meta (statistic_id);
CREATE TABLE statistics (
  id INTEGER NOT NULL PRIMARY KEY, created CHAR(0), created_ts FLOAT,
  metadata_id INTEGER REFERENCES statistics_meta (id) ON DELETE CASCADE, start CHAR(0), start_ts FLOAT,
  mean FLOAT, min FLOAT, max FLOAT, last_reset CHAR(0), last_reset_ts FLOAT, state FLOAT, sum FLOAT);
CREATE UNIQUE INDEX ix_statistics_statistic_id_start_ts ON statistics (metadata_id, start_ts);
CREATE INDEX ix_statistics_start_ts ON statistics (start_ts);
CREATE TABLE schema_changes (change_id INTEGER NOT NULL PRIMARY KEY, schema_version INTEGER, changed DATETIME NOT NULL);
`;

/** Writes rows into a fresh recorder database the way the recorder does (one row per state change). */
export class RecorderFixture {
  readonly db: Database.Database;
  readonly #insertState;
  readonly #insertStat;

  constructor(file: string, version = 41) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(DDL);
    this.db
      .prepare("INSERT INTO schema_changes (schema_version, changed) VALUES (?, '2023-06-01 00:00:00')")
      .run(version);
    this.#insertState = this.db.prepare(
      'INSERT INTO states (state, last_updated_ts, metadata_id, attributes_id, origin_idx) VALUES (?, ?, ?, ?, 0)',
    );
    this.#insertStat = this.db.prepare(
      'INSERT INTO statistics (created_ts, metadata_id, start_ts, mean, min, max, state, sum) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
  }

  /** Adds an entity and its attributes; returns `[metadata_id, attributes_id]`. */
  entity(entityId: string, attributes: Record<string, unknown>): [number, number] {
    const meta = this.db.prepare('INSERT INTO states_meta (entity_id) VALUES (?)').run(entityId);
    const attrs = this.db
      .prepare('INSERT INTO state_attributes (hash, shared_attrs) VALUES (?, ?)')
      .run(0, JSON.stringify(attributes));
    return [Number(meta.lastInsertRowid), Number(attrs.lastInsertRowid)];
  }

  /** `ts` in epoch seconds, as `last_updated_ts`. */
  state(ids: [number, number], state: string, ts: number): void {
    this.#insertState.run(state, ts, ids[0], ids[1]);
  }

  statistic(meta: {
    statisticId: string;
    unit: string | null;
    hasMean: boolean;
    hasSum: boolean;
    name?: string;
  }): number {
    const r = this.db
      .prepare(
        "INSERT INTO statistics_meta (statistic_id, source, unit_of_measurement, has_mean, has_sum, name) VALUES (?, 'recorder', ?, ?, ?, ?)",
      )
      .run(meta.statisticId, meta.unit, meta.hasMean ? 1 : 0, meta.hasSum ? 1 : 0, meta.name ?? null);
    return Number(r.lastInsertRowid);
  }

  /** One hourly row; `start` in epoch seconds. */
  hour(
    id: number,
    start: number,
    row: { mean?: number; min?: number; max?: number; state?: number; sum?: number },
  ): void {
    this.#insertStat.run(
      start + 3600,
      id,
      start,
      row.mean ?? null,
      row.min ?? null,
      row.max ?? null,
      row.state ?? null,
      row.sum ?? null,
    );
  }

  close(): void {
    this.db.close();
  }
}
