import type Database from 'better-sqlite3';

/**
 * The app platform's tables, kept apart from the store's migrations (which own `PRAGMA
 * user_version`): each migration here runs once, in order, counted in `meta` under `apps.schema`.
 *
 * - `app_installs`: one row per installed app (the manifest as installed, and where its files are).
 * - `app_consents`: one row per consent (install or change of grant); holds the consent receipt.
 *   The app's current consent is its newest one not superseded.
 * - `app_grants`: one row per granted request of a consent; `revoked_at` / `superseded_at` end it.
 * - `app_runs`, `app_insights`, `app_exports`: run history and what runs produced.
 */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE app_installs (
    app_id TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    name TEXT NOT NULL,
    manifest TEXT NOT NULL,
    dir TEXT NOT NULL,
    installed_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE app_consents (
    receipt_id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    app_version TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    destinations TEXT NOT NULL,
    receipt TEXT NOT NULL,
    superseded_at INTEGER
  );
  CREATE INDEX app_consents_app ON app_consents (app_id, created_at);
  CREATE TABLE app_grants (
    grant_id INTEGER PRIMARY KEY,
    receipt_id TEXT NOT NULL REFERENCES app_consents (receipt_id),
    app_id TEXT NOT NULL,
    request TEXT NOT NULL,
    datasource TEXT NOT NULL,
    kind TEXT NOT NULL,
    resolution TEXT NOT NULL,
    history TEXT NOT NULL,
    history_ms INTEGER NOT NULL,
    aggregates TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    superseded_at INTEGER
  );
  CREATE INDEX app_grants_app ON app_grants (app_id, request);
  CREATE TABLE app_runs (
    run_id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    app_version TEXT NOT NULL,
    trigger TEXT NOT NULL,
    runtime TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    status TEXT NOT NULL,
    duration_ms INTEGER,
    reads INTEGER NOT NULL DEFAULT 0,
    rows_read INTEGER NOT NULL DEFAULT 0,
    insights INTEGER NOT NULL DEFAULT 0,
    exports INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    logs TEXT NOT NULL DEFAULT '[]'
  );
  CREATE INDEX app_runs_app ON app_runs (app_id, started_at);
  CREATE TABLE app_insights (
    insight_id INTEGER PRIMARY KEY,
    app_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    key TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT,
    value REAL,
    unit TEXT,
    data TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX app_insights_app ON app_insights (app_id, key, created_at);
  CREATE TABLE app_exports (
    export_id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    destination TEXT NOT NULL,
    url TEXT NOT NULL,
    payload TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX app_exports_app ON app_exports (app_id, destination, created_at);
  `,
];

const META_KEY = 'apps.schema';

/** Creates or upgrades the app tables; safe to call on every start and from several processes. */
export function migrateApps(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  db.transaction(() => {
    const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(META_KEY) as
      | { value: string }
      | undefined;
    const done = row ? Number(row.value) : 0;
    for (let i = done; i < MIGRATIONS.length; i++) db.exec(MIGRATIONS[i]);
    if (done < MIGRATIONS.length) {
      db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ).run(META_KEY, String(MIGRATIONS.length));
    }
  }).immediate();
}
