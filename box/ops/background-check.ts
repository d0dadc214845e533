import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteCheckResult } from './sqlite-check.ts';

// An `eval` worker runs the same in the compiled box and from the sources (a worker does not
// inherit tsx), as CommonJS or as a module (it inherits `--input-type`): hence the dynamic imports.
// It needs nothing but better-sqlite3, passed by path.
const WORKER = `
(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  const { createRequire } = await import('node:module');
  const Database = createRequire(workerData.driver)(workerData.driver);
  let db;
  try {
    db = new Database(workerData.file, { fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    // quick_check reads every page once: a big cache only keeps them resident in the daemon
    // afterwards (better-sqlite3's default is 16 MB, which glibc did not give back)
    db.pragma('cache_size = -' + workerData.cacheKiB);
    const rows = db.pragma('quick_check(10)');
    const messages = rows.map((row) => String(Object.values(row)[0]));
    parentPort.postMessage(messages.length === 1 && messages[0] === 'ok' ? [] : messages);
  } catch (error) {
    const code = error && error.code;
    parentPort.postMessage([
      code === 'SQLITE_NOTADB'
        ? 'it is not a SQLite database (its header is damaged or it was overwritten)'
        : code === 'SQLITE_CORRUPT'
          ? 'SQLite reports it as corrupt (' + error.message + ')'
          : 'it could not be read (' + (code || 'error') + ': ' + error.message + ')',
    ]);
  } finally {
    if (db) db.close();
  }
})();
`;

/** The worker connection's page cache, KiB. */
const CHECK_CACHE_KIB = 512;

/**
 * `PRAGMA quick_check` of a SQLite file in a worker thread, with its own connection: the check
 * reads every page (seconds to minutes on a big store on an SD card) while the event loop goes on
 * serving ingest and the dashboard. Resolves like `checkSqliteFile`; `signal` ends the worker
 * (the box stopping), and then resolves with no result. Rejects when the worker itself fails
 * (that says nothing about the file).
 *
 * @example
 * const result = await quickCheckInBackground('/srv/databox/databox.db');
 * if (result && !result.ok) console.error(result.problems);
 */
export function quickCheckInBackground(
  file: string,
  signal?: AbortSignal,
): Promise<SqliteCheckResult | undefined> {
  const started = performance.now();
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { file, driver, cacheKiB: CHECK_CACHE_KIB },
    });
    const done = (problems: string[] | undefined) => {
      signal?.removeEventListener('abort', abort);
      resolve(
        problems && {
          file,
          ok: problems.length === 0,
          problems,
          ms: Math.round(performance.now() - started),
        },
      );
    };
    const abort = () => {
      void worker.terminate();
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', (problems: string[]) => done(problems));
    worker.once('error', (error) => {
      signal?.removeEventListener('abort', abort);
      reject(error);
    });
    worker.once('exit', () => done(undefined));
  });
}
