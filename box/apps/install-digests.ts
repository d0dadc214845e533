import type Database from 'better-sqlite3';
import { DataboxError } from '../errors.ts';
import {
  DEFAULT_INSTALL_LIMITS,
  type InstalledFile,
  type InstallLimits,
  type scanAppFolder,
} from './install-files.ts';
import { scanAppFolderAsync, streamScannedFile } from './install-stream.ts';

const META_KEY = 'apps.install-files.schema';

/**
 * The sha256 of every file of every installed app (table `app_install_files`, kept beside the app
 * tables with its own migration counter in `meta`), and the check before a run that the app's
 * folder still holds exactly those files: a file changed, added, removed or swapped for a link
 * after install makes the run refuse to start.
 *
 * @example
 * const digests = new InstallDigests(store.db);
 * await digests.verify('energy-insights', app.dir); // rejects with 409 app_files_changed naming "dist/app.js"
 */
export class InstallDigests {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    db.transaction(() => {
      const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(META_KEY) as
        | { value: string }
        | undefined;
      if (row) return;
      db.exec(`CREATE TABLE app_install_files (
        app_id TEXT NOT NULL,
        path TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (app_id, path)
      )`);
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(META_KEY, '1');
    }).immediate();
  }

  /** Replaces the app's recorded files (call inside the install's transaction). */
  record(appId: string, files: InstalledFile[]): void {
    this.remove(appId);
    const insert = this.#db.prepare(
      'INSERT INTO app_install_files (app_id, path, bytes, sha256) VALUES (?, ?, ?, ?)',
    );
    for (const f of files) insert.run(appId, f.path, f.bytes, f.sha256);
  }

  /** The app's files as installed, in path order (empty for an app installed before digests were kept). */
  list(appId: string): InstalledFile[] {
    return this.#db
      .prepare('SELECT path, bytes, sha256 FROM app_install_files WHERE app_id = ? ORDER BY path')
      .all(appId) as InstalledFile[];
  }

  remove(appId: string): void {
    this.#db.prepare('DELETE FROM app_install_files WHERE app_id = ?').run(appId);
  }

  /**
   * Rejects with a 409 `app_files_changed` listing every difference between `dir` and the recorded
   * files (and anything that is not a plain file or folder). An app with no record is not checked.
   * Files are hashed in chunks, so checking a large app does not stall the daemon.
   */
  async verify(appId: string, dir: string, limits: InstallLimits = DEFAULT_INSTALL_LIMITS): Promise<void> {
    const recorded = this.list(appId);
    if (recorded.length === 0) return;
    let tree: ReturnType<typeof scanAppFolder>;
    try {
      tree = await scanAppFolderAsync(dir, limits);
    } catch (error) {
      throw changed(
        appId,
        (error as DataboxError).details ?? [{ path: '.', message: (error as Error).message }],
      );
    }
    const expected = new Map(recorded.map((f) => [f.path, f]));
    const problems: Array<{ path: string; message: string }> = [];
    for (const file of tree.files) {
      const want = expected.get(file.path);
      expected.delete(file.path);
      if (!want) problems.push({ path: file.path, message: 'was added after install' });
      else if (want.bytes !== file.bytes || (await streamScannedFile(dir, file)).sha256 !== want.sha256)
        problems.push({ path: file.path, message: 'differs from the file installed (sha256)' });
    }
    for (const path of expected.keys()) problems.push({ path, message: 'was removed after install' });
    if (problems.length) throw changed(appId, problems);
  }
}

function changed(appId: string, problems: Array<{ path: string; message: string }>): DataboxError {
  const [first] = problems;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new DataboxError(
    409,
    'app_files_changed',
    `the files of app "${appId}" changed since it was installed: ${first.path} ${first.message}${more}; reinstall the app`,
    { details: problems.slice(0, 20) },
  );
}
