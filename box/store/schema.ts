import type Database from 'better-sqlite3';
import { splitRollupsMigration } from './rollup-tables.ts';

/**
 * The store's tables. `sid` is a small integer key per datasource so that the big tables stay
 * compact; the public id lives only in `datasources`. Each migration runs once, in order, recorded
 * in `PRAGMA user_version`.
 */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE datasources (
    sid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    unit TEXT NOT NULL,
    value_type TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    vendor TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    driver TEXT NOT NULL DEFAULT '',
    retention_raw TEXT,
    -- raw readings before this time have been expired; rollups before it are final
    raw_horizon INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  -- inc: a counter reading's increment over the stored reading before it (NULL for gauges)
  CREATE TABLE readings (
    sid INTEGER NOT NULL,
    t INTEGER NOT NULL,
    v REAL NOT NULL,
    inc REAL,
    PRIMARY KEY (sid, t)
  ) WITHOUT ROWID;
  -- res: bucket width in ms; bucket: start of the bucket (epoch-aligned)
  CREATE TABLE rollups (
    sid INTEGER NOT NULL,
    res INTEGER NOT NULL,
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
    PRIMARY KEY (sid, res, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    sid INTEGER NOT NULL,
    t INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX events_by_source ON events (sid, t);
  CREATE TABLE kv (
    ns TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (ns, key)
  ) WITHOUT ROWID;
  `,
  // closed local days of a zone, merged from the rollups at first read (see local-day-cache.ts);
  // keyed by start first so a write's invalidation is one range over every zone
  `
  CREATE TABLE local_days (
    sid INTEGER NOT NULL,
    start INTEGER NOT NULL,
    zone TEXT NOT NULL,
    end INTEGER NOT NULL,
    n INTEGER NOT NULL,
    sum REAL NOT NULL,
    min REAL,
    max REAL,
    first_t INTEGER,
    first REAL,
    last_t INTEGER,
    last REAL,
    delta REAL,
    PRIMARY KEY (sid, start, zone)
  ) WITHOUT ROWID;
  `,
  // closed local days' energy cost per zone and tariff fingerprint (see cost-days.ts), dropped with
  // local_days; price_sid is a series tariff's price datasource, whose writes drop them too
  `
  CREATE TABLE cost_days (
    sid INTEGER NOT NULL,
    start INTEGER NOT NULL,
    zone TEXT NOT NULL,
    tariff TEXT NOT NULL,
    end INTEGER NOT NULL,
    price_sid INTEGER,
    kwh REAL NOT NULL,
    cost REAL NOT NULL,
    PRIMARY KEY (sid, start, zone, tariff)
  ) WITHOUT ROWID;
  CREATE INDEX cost_days_by_price ON cost_days (price_sid, start) WHERE price_sid IS NOT NULL;
  `,
  // a table per rollup level instead of one keyed by (sid, res, bucket): see rollup-tables.ts
  splitRollupsMigration(),
];

/**
 * What a migration that takes a while on a store with data says on stderr before it starts, so a
 * householder's `databox start` after an upgrade is not a silent wait. Keyed by the version it
 * starts from.
 */
const NOTICES: Record<number, (db: Database.Database) => string | undefined> = {
  // measured: 1.4 million rollup rows (two 10 s sources, a year) in 2.1 s on a 2-core x64 box
  3: (db) =>
    db.prepare('SELECT 1 FROM rollups LIMIT 1').get() === undefined
      ? undefined
      : "databox: moving the store's rollups into a table per level, once after this upgrade (about 2 s per million rollup rows; a year of one 10 s source has 700,000)",
};

/** Brings the store's tables up to date. */
export function migrateStore(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  // a store from a newer release (its tables may have moved) is not written by this one
  if (current > MIGRATIONS.length)
    throw new Error(
      `the store's schema is version ${current}, from a newer Databox; this one knows up to ${MIGRATIONS.length}. Run the newer release, or restore a backup made by this one`,
    );
  for (let version = current; version < MIGRATIONS.length; version++) {
    const notice = NOTICES[version]?.(db);
    if (notice !== undefined) process.stderr.write(`${notice}\n`);
    db.transaction(() => {
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
