import type Database from 'better-sqlite3';

/**
 * Creates the `audit` table and its indexes if missing (idempotent). `seq` is the rowid, so each
 * single-column index below also carries seq and serves `WHERE actor = ? ORDER BY seq` without a
 * sort. Triggers refuse UPDATE and DELETE so a bug elsewhere in the box cannot rewrite history;
 * they do not stop someone with the file (that is what `verify` is for).
 */
export function ensureAuditSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS audit (
      seq       INTEGER PRIMARY KEY,
      ts        INTEGER NOT NULL,
      actor     TEXT    NOT NULL,
      action    TEXT    NOT NULL,
      subject   TEXT    NOT NULL DEFAULT '',
      details   TEXT    NOT NULL,
      prev_hash TEXT    NOT NULL,
      hash      TEXT    NOT NULL
    );
    CREATE INDEX IF NOT EXISTS audit_ts ON audit (ts);
    CREATE INDEX IF NOT EXISTS audit_actor ON audit (actor);
    CREATE INDEX IF NOT EXISTS audit_action ON audit (action);
    CREATE INDEX IF NOT EXISTS audit_subject ON audit (subject);
    CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be changed'); END;
    CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be deleted'); END;
    -- how far the chain was verified (ChainStatus): one row
    CREATE TABLE IF NOT EXISTS audit_verified (
      id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL,
      at INTEGER NOT NULL, broken_seq INTEGER, reason TEXT);
  `);
}
