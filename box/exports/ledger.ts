import type Database from 'better-sqlite3';
import { payloadCommitment } from '../audit/payload-commitment.ts';
import { NotFoundError } from '../errors.ts';
import { migrateLedger } from './ledger-schema.ts';
import type { LedgerEntry, LedgerFilter, LedgerStatus } from './types.ts';

type Row = Record<string, unknown>;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toEntry(r: Row): LedgerEntry {
  return {
    id: String(r.export_id),
    appId: String(r.app_id),
    runId: String(r.run_id),
    destination: String(r.destination),
    url: String(r.url),
    payload: JSON.parse(String(r.payload)),
    sha256: String(r.sha256 ?? ''),
    salt: str(r.salt),
    bytes: Number(r.bytes),
    status: r.status as LedgerStatus,
    attempts: Number(r.attempts ?? 0),
    responseStatus: num(r.response_status),
    lastError: str(r.last_error),
    createdAt: Number(r.created_at),
    decidedAt: num(r.decided_at),
    decidedBy: str(r.decided_by),
    reason: str(r.reason),
    forwardedAt: num(r.forwarded_at),
    deliveredAt: num(r.delivered_at),
    updatedAt: Number(r.updated_at ?? r.created_at),
  };
}

/** The columns a status change may set (besides `status` and `updated_at`). */
export interface LedgerUpdate {
  attempts?: number;
  responseStatus?: number | null;
  lastError?: string | null;
  decidedAt?: number;
  decidedBy?: string;
  reason?: string | null;
  forwardedAt?: number;
  deliveredAt?: number;
}

const COLUMN: Record<keyof LedgerUpdate, string> = {
  attempts: 'attempts',
  responseStatus: 'response_status',
  lastError: 'last_error',
  decidedAt: 'decided_at',
  decidedBy: 'decided_by',
  reason: 'reason',
  forwardedAt: 'forwarded_at',
  deliveredAt: 'delivered_at',
};

/**
 * Rows of the export ledger: every export an app asked for, the exact payload, its hash, and what
 * became of it. Nothing is cached, so the daemon and the CLI share it; callers wrap multi-step
 * changes in `store.transaction`. Rows are never deleted (not even on uninstall): it is the record
 * of what left the home.
 *
 * @example
 * const ledger = new ExportLedger(store.db);
 * ledger.list({ status: 'review' });
 */
export class ExportLedger {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
    migrateLedger(db);
  }

  insert(entry: LedgerEntry): void {
    this.#db
      .prepare(
        `INSERT INTO app_exports (export_id, app_id, run_id, destination, url, payload, bytes, status, created_at,
           sha256, salt, attempts, decided_at, decided_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
      )
      .run(
        entry.id,
        entry.appId,
        entry.runId,
        entry.destination,
        entry.url,
        JSON.stringify(entry.payload),
        entry.bytes,
        entry.status,
        entry.createdAt,
        entry.sha256,
        entry.salt,
        entry.decidedAt,
        entry.decidedBy,
        entry.updatedAt,
      );
  }

  find(id: string): LedgerEntry | undefined {
    const row = this.#db.prepare('SELECT * FROM app_exports WHERE export_id = ?').get(id) as Row | undefined;
    return row ? toEntry(row) : undefined;
  }

  get(id: string): LedgerEntry {
    const entry = this.find(id);
    if (!entry) throw new NotFoundError(`no export "${id}" in the ledger (see "databox exports list")`);
    return entry;
  }

  /**
   * The audit trail's commitment to the export's payload: `sha256(salt ‖ payload text)`, or the
   * plain `sha256` for an export made before salting. What its audit entries carry.
   */
  commitment(entry: LedgerEntry): string {
    return entry.salt === null ? entry.sha256 : payloadCommitment(entry.salt, this.payloadText(entry.id));
  }

  /** The payload exactly as stored (the JSON text whose SHA-256 is `sha256`). */
  payloadText(id: string): string {
    const row = this.#db.prepare('SELECT payload FROM app_exports WHERE export_id = ?').get(id) as
      | { payload: string }
      | undefined;
    if (!row) throw new NotFoundError(`no export "${id}" in the ledger`);
    return row.payload;
  }

  /** Newest first. */
  list(filter: LedgerFilter = {}): LedgerEntry[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (column: string, value: unknown) => {
      if (value === undefined) return;
      where.push(`${column} = ?`);
      args.push(value);
    };
    add('app_id', filter.appId);
    add('status', filter.status);
    add('destination', filter.destination);
    const limit = Math.min(Math.max(1, filter.limit ?? 100), 1000);
    const sql = `SELECT * FROM app_exports ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    return (this.#db.prepare(sql).all(...args, limit) as Row[]).map(toEntry);
  }

  /** Oldest first: the rows in `status` (for the forwarding loop). */
  withStatus(status: LedgerStatus, limit = 100): LedgerEntry[] {
    return (
      this.#db
        .prepare('SELECT * FROM app_exports WHERE status = ? ORDER BY created_at, rowid LIMIT ?')
        .all(status, limit) as Row[]
    ).map(toEntry);
  }

  /** Requests of the app to `destination` since `since` (every status: the cap counts requests). */
  countForDestination(appId: string, destination: string, since: number): number {
    const row = this.#db
      .prepare(
        'SELECT COUNT(*) AS n FROM app_exports WHERE app_id = ? AND destination = ? AND created_at >= ?',
      )
      .get(appId, destination, since) as { n: number };
    return Number(row.n);
  }

  /** Requests of every app since `since` (the box-wide cap). */
  countAll(since: number): number {
    const row = this.#db
      .prepare('SELECT COUNT(*) AS n FROM app_exports WHERE created_at >= ?')
      .get(since) as {
      n: number;
    };
    return Number(row.n);
  }

  /** Sets the status and the given columns; returns false when the row is missing. */
  update(id: string, status: LedgerStatus, now: number, changes: LedgerUpdate = {}): boolean {
    const sets = ['status = ?', 'updated_at = ?'];
    const args: unknown[] = [status, now];
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      sets.push(`${COLUMN[key as keyof LedgerUpdate]} = ?`);
      args.push(value);
    }
    return (
      this.#db.prepare(`UPDATE app_exports SET ${sets.join(', ')} WHERE export_id = ?`).run(...args, id)
        .changes > 0
    );
  }
}
