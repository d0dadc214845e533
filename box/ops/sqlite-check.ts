import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';

/** What an integrity check of one SQLite file found. */
export interface SqliteCheckResult {
  file: string;
  ok: boolean;
  /** `ok`, or SQLite's first problems (at most 10), or why the file could not be opened. */
  problems: string[];
  ms: number;
}

/**
 * Runs `PRAGMA quick_check` (fast: page structure only) or `integrity_check` (full: also every
 * index against its table) on a SQLite file, with its own read-only connection, so a damaged
 * file is found before the box's schema code touches it. A file that is not a database at all
 * (truncated header, random bytes) is reported as such, not thrown.
 *
 * @example
 * const result = checkSqliteFile('/srv/databox/databox.db', 'quick');
 * if (!result.ok) console.error(result.problems.join('\n'));
 */
export function checkSqliteFile(file: string, mode: 'quick' | 'full'): SqliteCheckResult {
  const started = performance.now();
  const done = (problems: string[]) => ({
    file,
    ok: problems.length === 0,
    problems,
    ms: Math.round(performance.now() - started),
  });
  if (!existsSync(file)) return done(['the file does not exist']);
  if (statSync(file).size === 0) return done(['the file is empty (0 bytes)']);
  let db: Database.Database | undefined;
  try {
    // not readonly: a WAL file left by a killed box must be readable (that needs the -shm)
    db = new Database(file, { fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    const rows = db.pragma(mode === 'quick' ? 'quick_check(10)' : 'integrity_check(10)') as Array<
      Record<string, string>
    >;
    const messages = rows.map((row) => String(Object.values(row)[0]));
    return done(messages.length === 1 && messages[0] === 'ok' ? [] : messages);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const what =
      code === 'SQLITE_NOTADB'
        ? 'it is not a SQLite database (its header is damaged or it was overwritten)'
        : code === 'SQLITE_CORRUPT'
          ? `SQLite reports it as corrupt (${(error as Error).message})`
          : `it could not be read (${code ?? 'error'}: ${(error as Error).message})`;
    return done([what]);
  } finally {
    db?.close();
  }
}
