import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** A temp folder with a real SQLite file in WAL mode, as the box opens it; `cleanup` closes and removes. */
export function tempDatabase(): {
  dir: string;
  file: string;
  db: Database.Database;
  open: () => Database.Database;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'databox-audit-'));
  const file = join(dir, 'box.sqlite');
  const opened: Database.Database[] = [];
  const open = () => {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    opened.push(db);
    return db;
  };
  const db = open();
  return {
    dir,
    file,
    db,
    open,
    cleanup: () => {
      for (const d of opened) if (d.open) d.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Simulates someone editing the file: drops the append-only triggers, then runs `sql`. */
export function tamper(db: Database.Database, sql: string, ...params: unknown[]): void {
  db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;');
  db.prepare(sql).run(...params);
}
