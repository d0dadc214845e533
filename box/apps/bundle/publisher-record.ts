import type Database from 'better-sqlite3';
import type { InstallTrust } from './install-trust.ts';

const META_KEY = 'apps.publishers.schema';

interface Row {
  signed: number;
  name: string | null;
  key: string | null;
  fingerprint: string | null;
  reason: string | null;
  code: string | null;
}

/**
 * Who vouches for each installed app's files (table `app_publishers`, with its own migration
 * counter in `meta` as `app_install_files` has): the publisher key of a signed bundle, or why the
 * install is unsigned. Compared at every upgrade, shown in the app's details.
 *
 * @example
 * const publishers = new PublisherRecord(store.db);
 * publishers.get('energy-insights'); // { signed: true, publisher: { fingerprint: 'SHA256:…', … } }
 */
export class PublisherRecord {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    db.transaction(() => {
      if (db.prepare('SELECT value FROM meta WHERE key = ?').get(META_KEY)) return;
      db.exec(`CREATE TABLE app_publishers (
        app_id TEXT PRIMARY KEY,
        signed INTEGER NOT NULL,
        name TEXT,
        key TEXT,
        fingerprint TEXT,
        code TEXT,
        reason TEXT
      )`);
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(META_KEY, '1');
    }).immediate();
  }

  /** Records the installed version's trust (call inside the install's transaction). */
  record(appId: string, trust: InstallTrust): void {
    this.#db
      .prepare(
        `INSERT INTO app_publishers (app_id, signed, name, key, fingerprint, code, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (app_id) DO UPDATE SET signed = excluded.signed, name = excluded.name,
           key = excluded.key, fingerprint = excluded.fingerprint, code = excluded.code,
           reason = excluded.reason`,
      )
      .run(
        appId,
        trust.signed ? 1 : 0,
        trust.signed ? trust.publisher.name : null,
        trust.signed ? trust.publisher.key : null,
        trust.signed ? trust.publisher.fingerprint : null,
        trust.signed ? null : trust.code,
        trust.signed ? null : trust.reason,
      );
  }

  /** The installed version's trust, or undefined for an app installed before publishers were kept. */
  get(appId: string): InstallTrust | undefined {
    const row = this.#db
      .prepare('SELECT signed, name, key, fingerprint, code, reason FROM app_publishers WHERE app_id = ?')
      .get(appId) as Row | undefined;
    if (!row) return undefined;
    if (row.signed)
      return {
        signed: true,
        publisher: { name: row.name ?? '', key: row.key ?? '', fingerprint: row.fingerprint ?? '' },
      };
    return {
      signed: false,
      code: (row.code ?? 'bundle_unsigned') as Extract<InstallTrust, { signed: false }>['code'],
      reason: row.reason ?? 'unsigned',
    };
  }

  remove(appId: string): void {
    this.#db.prepare('DELETE FROM app_publishers WHERE app_id = ?').run(appId);
  }
}
