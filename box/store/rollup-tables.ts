import { RESOLUTION_MS, RESOLUTIONS, type Resolution } from './types.ts';

/**
 * Where each rollup level lives: one table per resolution (`rollups_1min` … `rollups_1d`), keyed
 * by (sid, bucket). A level in a table of its own means a new bucket of a series goes to the end of
 * that series' run of rows in its own b-tree; when the six levels shared one table keyed by (sid,
 * res, bucket), five of them were inserted into the middle of it, and a rollup row cost about four
 * times a reading row to write (issue 13: splitting them wrote a year's readings and rollups 25%
 * faster in process). The `rollups` view puts the six back together with a `res` column, for
 * reading by hand (the sqlite3 shell) and in tests; the box's own statements name the level's
 * table, so SQLite never scans the levels a read does not want.
 */
const TABLES: ReadonlyMap<number, string> = new Map(
  RESOLUTIONS.map((r) => [RESOLUTION_MS[r], `rollups_${r}`] as const),
);

/** Every level's table, finest first. */
export const ROLLUP_TABLES: readonly string[] = [...TABLES.values()];

/** The table of the rollup level whose buckets are `width` ms wide; throws for any other width. */
export function rollupTable(width: number): string {
  const table = TABLES.get(width);
  if (table === undefined) throw new Error(`no rollup level is ${width} ms wide`);
  return table;
}

/** The table of a named resolution. */
export function rollupTableOf(resolution: Resolution): string {
  return rollupTable(RESOLUTION_MS[resolution]);
}

/** The rollup columns after the key, in the order of the tables. */
export const ROLLUP_VALUE_COLUMNS = 'n, sum, min, max, first_t, first, last_t, last, delta';

/**
 * The migration that moves the one `rollups` table into a table per level, copying every row in
 * key order, and leaves the `rollups` view in its place.
 */
export function splitRollupsMigration(): string {
  const create = ROLLUP_TABLES.map(
    (table) => `
  CREATE TABLE ${table} (
    sid INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    sum REAL NOT NULL,
    min REAL,
    max REAL,
    first_t INTEGER,
    first REAL,
    last_t INTEGER,
    last REAL,
    delta REAL,
    PRIMARY KEY (sid, bucket)
  ) WITHOUT ROWID;`,
  );
  const copy = [...TABLES].map(
    ([width, table]) =>
      `INSERT INTO ${table} (sid, bucket, ${ROLLUP_VALUE_COLUMNS}) SELECT sid, bucket, ${ROLLUP_VALUE_COLUMNS} FROM rollups WHERE res = ${width} ORDER BY sid, bucket;`,
  );
  const view = [...TABLES]
    .map(([width, table]) => `SELECT sid, ${width} AS res, bucket, ${ROLLUP_VALUE_COLUMNS} FROM ${table}`)
    .join('\n    UNION ALL ');
  return `${create.join('\n')}
  ${copy.join('\n  ')}
  DROP TABLE rollups;
  -- every level together, read-only, for the sqlite3 shell and tests (the box reads the tables)
  CREATE VIEW rollups AS ${view};`;
}
