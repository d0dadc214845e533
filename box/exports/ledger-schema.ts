import type Database from 'better-sqlite3';
import { migrateApps } from '../apps/apps-schema.ts';

/**
 * The ledger is the app platform's `app_exports` table (one row per export request a run made)
 * widened with what the export gateway reports, so the app's own export list and the householder's
 * ledger are the same rows. Migrations here run once, in order, counted in `meta` under
 * `exports.schema` (the app tables keep their own counter).
 */
const MIGRATIONS: string[] = [
  `
  ALTER TABLE app_exports ADD COLUMN sha256 TEXT;
  ALTER TABLE app_exports ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE app_exports ADD COLUMN response_status INTEGER;
  ALTER TABLE app_exports ADD COLUMN last_error TEXT;
  ALTER TABLE app_exports ADD COLUMN decided_at INTEGER;
  ALTER TABLE app_exports ADD COLUMN decided_by TEXT;
  ALTER TABLE app_exports ADD COLUMN reason TEXT;
  ALTER TABLE app_exports ADD COLUMN forwarded_at INTEGER;
  ALTER TABLE app_exports ADD COLUMN delivered_at INTEGER;
  ALTER TABLE app_exports ADD COLUMN updated_at INTEGER;
  CREATE INDEX app_exports_status ON app_exports (status, created_at);
  CREATE INDEX app_exports_created ON app_exports (created_at);
  `,
  // the salt of the payload's commitment in the audit trail (box/audit/payload-commitment.ts)
  `ALTER TABLE app_exports ADD COLUMN salt TEXT;`,
];

const META_KEY = 'exports.schema';

/** Creates or upgrades the ledger columns (after the app tables); safe on every start and from several processes. */
export function migrateLedger(db: Database.Database): void {
  migrateApps(db);
  db.transaction(() => {
    const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(META_KEY) as
      | { value: string }
      | undefined;
    const done = row ? Number(row.value) : 0;
    for (let i = done; i < MIGRATIONS.length; i++) db.exec(MIGRATIONS[i]);
    if (done < MIGRATIONS.length)
      db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ).run(META_KEY, String(MIGRATIONS.length));
  }).immediate();
}
