/**
 * Read-only access to a Home Assistant recorder database (`home-assistant_v2.db`), following the
 * SQLite schema of `homeassistant/components/recorder/db_schema.py` at SCHEMA_VERSION 41:
 *
 * - `states(state_id, state, last_updated_ts, metadata_id, attributes_id, …)`, one row per state
 *   change, `last_updated_ts` in epoch seconds (float); index `(metadata_id, last_updated_ts)`;
 * - `states_meta(metadata_id, entity_id)`;
 * - `state_attributes(attributes_id, shared_attrs)`, `shared_attrs` the JSON attributes
 *   (`unit_of_measurement`, `device_class`, `state_class`, `friendly_name`);
 * - `statistics(metadata_id, start_ts, mean, min, max, state, sum, …)`, one row per hour, and
 *   `statistics_meta(id, statistic_id, source, unit_of_measurement, has_mean, has_sum, name)`.
 *
 * Later versions add columns and indexes but keep these; only these columns are read, and a file
 * lacking one (a database older than version 30's `_ts` columns) is refused naming it.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { BadRequestError } from '../../box/errors.ts';

/** The recorder schema version this reader follows. */
export const RECORDER_SCHEMA_VERSION = 41;

const REQUIRED: Record<string, string[]> = {
  states: ['state_id', 'state', 'last_updated_ts', 'metadata_id', 'attributes_id'],
  states_meta: ['metadata_id', 'entity_id'],
  state_attributes: ['attributes_id', 'shared_attrs'],
  statistics: ['metadata_id', 'start_ts', 'mean', 'min', 'max', 'state', 'sum'],
  statistics_meta: ['id', 'statistic_id', 'unit_of_measurement', 'has_mean', 'has_sum'],
};

/** One recorded entity, with the attributes of its latest state that carried any. */
export interface RecorderEntity {
  metadataId: number;
  entityId: string;
  attributes: Record<string, unknown>;
  rows: number;
}

/** One long-term statistic (hourly rows in `statistics`). */
export interface RecorderStatistic {
  id: number;
  statisticId: string;
  unit: string | null;
  hasMean: boolean;
  hasSum: boolean;
  name: string | null;
  rows: number;
}

/**
 * Opens `file` read-only (never writes, never creates a journal) and checks the tables and
 * columns above.
 *
 * @throws BadRequestError when the file is not SQLite or not a recorder database of schema ≥ 30.
 * @example
 * ```ts
 * const db = await openRecorder('home-assistant_v2.db');
 * listEntities(db); // [{ entityId: 'sensor.kitchen_temperature', attributes: { unit_of_measurement: '°C', … }, rows: 1440 }]
 * ```
 */
export async function openRecorder(file: string): Promise<BetterSqlite3.Database> {
  const { default: Database } = await import('better-sqlite3');
  let db: BetterSqlite3.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('query_only = ON');
    db.prepare('SELECT name FROM sqlite_master LIMIT 1').get();
  } catch (error) {
    throw new BadRequestError(
      `${file}: not a Home Assistant recorder database (${(error as Error).message})`,
      {
        cause: error,
      },
    );
  }
  const missing: string[] = [];
  for (const [table, columns] of Object.entries(REQUIRED)) {
    const have = new Set((db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name));
    if (have.size === 0) missing.push(`table ${table}`);
    else for (const c of columns) if (!have.has(c)) missing.push(`${table}.${c}`);
  }
  if (missing.length > 0) {
    db.close();
    throw new BadRequestError(
      `${file}: not a Home Assistant recorder database of schema ${RECORDER_SCHEMA_VERSION} or later: no ${missing.join(', ')}` +
        ' (a Home Assistant older than 2023.3 must migrate it first: start a current Home Assistant on it once)',
    );
  }
  return db;
}

/** The highest version in `schema_changes`, or null when the table is missing or empty. */
export function schemaVersion(db: BetterSqlite3.Database): number | null {
  try {
    const row = db.prepare('SELECT MAX(schema_version) AS v FROM schema_changes').get() as {
      v: number | null;
    };
    return row.v;
  } catch {
    return null;
  }
}

function parseAttributes(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** Every entity in `states_meta` that has states, with its latest attributes and row count. */
export function listEntities(db: BetterSqlite3.Database): RecorderEntity[] {
  const metas = db
    .prepare('SELECT metadata_id AS id, entity_id AS entityId FROM states_meta ORDER BY entity_id')
    .all() as Array<{
    id: number;
    entityId: string | null;
  }>;
  const count = db.prepare('SELECT COUNT(*) AS n FROM states WHERE metadata_id = ?').pluck();
  const latest = db
    .prepare(
      `SELECT a.shared_attrs FROM states s JOIN state_attributes a ON a.attributes_id = s.attributes_id
       WHERE s.metadata_id = ? ORDER BY s.last_updated_ts DESC LIMIT 1`,
    )
    .pluck();
  const out: RecorderEntity[] = [];
  for (const m of metas) {
    if (!m.entityId) continue;
    const rows = count.get(m.id) as number;
    if (rows === 0) continue;
    out.push({
      metadataId: m.id,
      entityId: m.entityId,
      attributes: parseAttributes(latest.get(m.id) as string | null),
      rows,
    });
  }
  return out;
}

/** Every long-term statistic with its hourly row count. */
export function listStatistics(db: BetterSqlite3.Database): RecorderStatistic[] {
  const rows = db
    .prepare(
      `SELECT m.id, m.statistic_id AS statisticId, m.unit_of_measurement AS unit, m.has_mean AS hasMean,
              m.has_sum AS hasSum, m.name, (SELECT COUNT(*) FROM statistics s WHERE s.metadata_id = m.id) AS rows
       FROM statistics_meta m ORDER BY m.statistic_id`,
    )
    .all() as Array<
    Omit<RecorderStatistic, 'hasMean' | 'hasSum'> & { hasMean: number | null; hasSum: number | null }
  >;
  return rows
    .filter((r) => r.statisticId && r.rows > 0)
    .map((r) => ({ ...r, hasMean: r.hasMean === 1, hasSum: r.hasSum === 1 }));
}

/**
 * An entity's states, oldest first, as `[state, last_updated_ts]` (raw rows: no object per row,
 * which matters at millions of states), using the recorder's `(metadata_id, last_updated_ts)` index.
 */
export function iterateStates(
  db: BetterSqlite3.Database,
  metadataId: number,
): IterableIterator<[state: string | null, ts: number | null]> {
  return db
    .prepare('SELECT state, last_updated_ts FROM states WHERE metadata_id = ? ORDER BY last_updated_ts')
    .raw()
    .iterate(metadataId) as IterableIterator<[string | null, number | null]>;
}

/** A statistic's hourly rows, oldest first, as `[start_ts, mean, sum]` (unique index `(metadata_id, start_ts)`). */
export function iterateStatistics(
  db: BetterSqlite3.Database,
  id: number,
): IterableIterator<[start: number | null, mean: number | null, sum: number | null]> {
  return db
    .prepare('SELECT start_ts, mean, sum FROM statistics WHERE metadata_id = ? ORDER BY start_ts')
    .raw()
    .iterate(id) as IterableIterator<[number | null, number | null, number | null]>;
}
