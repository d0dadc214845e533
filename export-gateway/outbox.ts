import { closeSync, fdatasync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { GroupCommit } from './group-commit.ts';
import type {
  DeliveryEvent,
  ExportRequest,
  ExportStatus,
  ExportStatusView,
  GatewayHealth,
} from './protocol.ts';

/** One export as the delivery loop needs it. */
export interface OutboxEntry {
  id: string;
  url: string;
  allowPrivate: boolean;
  /** The exact JSON bytes to send (their sha256 was checked at accept). */
  body: string;
  /** Attempts so far, counting the one just claimed. */
  attempts: number;
}

/** The outcome of one attempt, as the outbox records it. */
export type AttemptOutcome =
  | { type: 'delivered'; at: number; responseStatus: number; bytes: number }
  | {
      type: 'retry';
      at: number;
      nextAttemptAt: number;
      error: string;
      responseStatus?: number;
      bytes: number;
    }
  | { type: 'failed'; at: number; error: string; responseStatus?: number; bytes: number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS exports (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  destination_id TEXT NOT NULL,
  url TEXT NOT NULL,
  allow_private INTEGER NOT NULL,
  body TEXT NOT NULL,
  payload_sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  accepted_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'delivering', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error TEXT,
  response_status INTEGER,
  delivered_at INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS exports_due ON exports (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('attempt', 'delivered', 'failed')),
  at INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  response_status INTEGER,
  error TEXT,
  bytes INTEGER NOT NULL
) STRICT;
`;

interface ExportRow {
  id: string;
  url: string;
  allow_private: number;
  body: string;
  status: ExportStatus;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  response_status: number | null;
  delivered_at: number | null;
}

/**
 * The durable outbox: SQLite in WAL mode with `synchronous=FULL`, so an export is on disk
 * before the box hears "accepted" and survives SIGKILL and power loss. Each state change and
 * its delivery event are written in one transaction. One gateway process owns the file.
 *
 * @example
 * const outbox = new Outbox('/var/lib/databox/gateway/outbox.db');
 * outbox.reclaimInterrupted(Date.now());
 * outbox.accept(request, JSON.stringify(request.payload), Date.now());
 */
export class Outbox {
  readonly #db: Database.Database;
  readonly #stmts;
  readonly #walPath: string;
  #walFd: number | undefined;
  readonly #commits: GroupCommit<{ request: ExportRequest; body: string; now: number }, boolean>;

  /** `options.fdatasync`: how the WAL is flushed (tests hold it to see nothing is answered before). */
  constructor(path: string, options: { fdatasync?: typeof fdatasync } = {}) {
    this.#db = new Database(path);
    this.#walPath = `${path}-wal`;
    const sync = options.fdatasync ?? fdatasync;
    this.#commits = new GroupCommit(
      (group) => this.#writeGroup(group),
      (done) => sync(this.#wal(), done),
    );
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(SCHEMA);
    const db = this.#db;
    this.#stmts = {
      insert: db.prepare(
        `INSERT INTO exports (id, app_id, run_id, destination_id, url, allow_private, body, payload_sha256, bytes,
           created_at, accepted_at, status, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?) ON CONFLICT (id) DO NOTHING`,
      ),
      get: db.prepare<[string], ExportRow>('SELECT * FROM exports WHERE id = ?'),
      due: db.prepare<[number, number], ExportRow>(
        `SELECT * FROM exports WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, rowid LIMIT ?`,
      ),
      claim: db.prepare(
        `UPDATE exports SET status = 'delivering', attempts = attempts + 1, next_attempt_at = NULL
         WHERE id = ? AND status = 'queued'`,
      ),
      nextDue: db.prepare<[], { at: number | null }>(
        `SELECT min(next_attempt_at) AS at FROM exports WHERE status = 'queued'`,
      ),
      finish: db.prepare(
        `UPDATE exports SET status = ?, next_attempt_at = ?, last_error = ?, response_status = ?, delivered_at = ?
         WHERE id = ?`,
      ),
      event: db.prepare(
        'INSERT INTO events (id, type, at, attempt, response_status, error, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      delivering: db.prepare<[], ExportRow>(`SELECT * FROM exports WHERE status = 'delivering'`),
      events: db.prepare<[number, number], Record<string, number | string | null>>(
        'SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      counts: db.prepare<[], { status: ExportStatus; n: number }>(
        'SELECT status, count(*) AS n FROM exports GROUP BY status',
      ),
      retry: db.prepare(
        `UPDATE exports SET status = 'queued', attempts = 0, next_attempt_at = ?, last_error = NULL
         WHERE id = ? AND status = 'failed'`,
      ),
    };
  }

  /**
   * Stores an export as `queued`, due now. Returns false when the id is already there (the
   * stored export is left exactly as it was: the id is the idempotency key).
   */
  accept(request: ExportRequest, body: string, now: number): boolean {
    const { id, appId, runId, destination, payloadSha256, createdAt } = request;
    const result = this.#stmts.insert.run(
      id,
      appId,
      runId,
      destination.id,
      destination.url,
      destination.allowPrivate ? 1 : 0,
      body,
      payloadSha256,
      Buffer.byteLength(body),
      createdAt,
      now,
      now,
    );
    return result.changes === 1;
  }

  /**
   * {@link accept} with group commit (export-gateway/group-commit.ts): exports accepted in the
   * same turn of the event loop are inserted in ONE transaction, and one `fdatasync` of the WAL,
   * run off the event loop, makes all of them durable, together with every group written while
   * the previous one ran. Each promise resolves only after that sync (so a 202 sent then is never
   * lost, even to a power cut) and rejects if the write or the sync failed (a failed write stores
   * nothing of its group). Resolves false for an id already stored, as `accept` does.
   */
  acceptGrouped(request: ExportRequest, body: string, now: number): Promise<boolean> {
    return this.#commits.add({ request, body, now });
  }

  /**
   * One group in one transaction, committed without SQLite's own fsync (synchronous=NORMAL):
   * the WAL sync after it is the fsync. NORMAL still syncs the WAL before and the database after
   * every checkpoint, so frames a checkpoint moves into the database file are on disk before the
   * WAL is reused.
   */
  #writeGroup(group: Array<{ request: ExportRequest; body: string; now: number }>): boolean[] {
    this.#db.pragma('synchronous = NORMAL');
    try {
      return this.#db.transaction(() => group.map((p) => this.accept(p.request, p.body, p.now)))();
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
  }

  /** The WAL file, opened once (it exists from the first commit on and keeps its inode). */
  #wal(): number {
    this.#walFd ??= openSync(this.#walPath, 'r');
    return this.#walFd;
  }

  /** The export's status for the box, or undefined for an unknown id. */
  get(id: string): ExportStatusView | undefined {
    const row = this.#stmts.get.get(id);
    return row && toView(row);
  }

  /**
   * Claims up to `limit` due exports: marks them `delivering` and counts the attempt. The claim
   * is committed without an fsync (synchronous=NORMAL for this one transaction): losing it to a
   * power cut only puts the export back to `queued`, which a restart delivers anyway, and it
   * halves the fsyncs per delivery.
   */
  claimDue(now: number, limit: number): OutboxEntry[] {
    this.#db.pragma('synchronous = NORMAL');
    try {
      return this.#claim(now, limit);
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
  }

  #claim(now: number, limit: number): OutboxEntry[] {
    return this.#db.transaction(() => {
      const claimed: OutboxEntry[] = [];
      for (const row of this.#stmts.due.all(now, limit)) {
        this.#stmts.claim.run(row.id);
        claimed.push({
          id: row.id,
          url: row.url,
          allowPrivate: row.allow_private === 1,
          body: row.body,
          attempts: row.attempts + 1,
        });
      }
      return claimed;
    })();
  }

  /** When the earliest queued export is due, or undefined when none is queued. */
  nextDueAt(): number | undefined {
    return this.#stmts.nextDue.get()?.at ?? undefined;
  }

  /** Records the outcome of attempt `attempt` of a claimed export, with its event. */
  finish(id: string, attempt: number, outcome: AttemptOutcome): void {
    const status = outcome.type === 'retry' ? 'queued' : outcome.type;
    const error = outcome.type === 'delivered' ? null : outcome.error;
    this.#db.transaction(() => {
      this.#stmts.finish.run(
        status,
        outcome.type === 'retry' ? outcome.nextAttemptAt : null,
        error,
        outcome.responseStatus ?? null,
        outcome.type === 'delivered' ? outcome.at : null,
        id,
      );
      const type = outcome.type === 'retry' ? 'attempt' : outcome.type;
      this.#stmts.event.run(
        id,
        type,
        outcome.at,
        attempt,
        outcome.responseStatus ?? null,
        error,
        outcome.bytes,
      );
    })();
  }

  /**
   * Puts exports left `delivering` by a process that died (or was stopped mid-attempt) back in
   * the queue, due now, each with an `attempt` event saying so. Call once at start, before
   * delivering. Their receivers may have got the request: the Idempotency-Key lets them drop
   * the repeat. Returns how many were reclaimed.
   */
  reclaimInterrupted(now: number, reason = 'interrupted: the gateway stopped during this attempt'): number {
    return this.#db.transaction(() => {
      const rows = this.#stmts.delivering.all();
      for (const row of rows) {
        this.#stmts.finish.run('queued', now, reason, null, null, row.id);
        this.#stmts.event.run(row.id, 'attempt', now, row.attempts, null, reason, 0);
      }
      return rows.length;
    })();
  }

  /** Delivery events after `after`, oldest first. */
  events(after: number, limit: number): DeliveryEvent[] {
    return this.#stmts.events.all(after, limit).map((row) => ({
      seq: row.seq as number,
      id: row.id as string,
      type: row.type as DeliveryEvent['type'],
      at: row.at as number,
      attempt: row.attempt as number,
      ...(row.response_status !== null ? { responseStatus: row.response_status as number } : {}),
      ...(row.error !== null ? { error: row.error as string } : {}),
      bytes: row.bytes as number,
    }));
  }

  /** Exports per status (delivered ones are not counted). */
  health(): GatewayHealth {
    const counts = { queued: 0, delivering: 0, failed: 0 };
    for (const { status, n } of this.#stmts.counts.all())
      if (status in counts) counts[status as keyof typeof counts] = n;
    return { ok: true, ...counts };
  }

  /** Re-queues a failed export with a fresh set of attempts; false when it is not `failed`. */
  retry(id: string, now: number): boolean {
    return this.#stmts.retry.run(now, id).changes === 1;
  }

  /** The durability settings in force (for health checks and tests). */
  durability(): { journalMode: string; synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA' } {
    const journalMode = this.#db.pragma('journal_mode', { simple: true }) as string;
    const level = this.#db.pragma('synchronous', { simple: true }) as number;
    return { journalMode, synchronous: (['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const)[level] };
  }

  /** Closes the file; call after the last group's promise settled ({@link settled}). */
  close(): void {
    this.#db.close();
    if (this.#walFd !== undefined) closeSync(this.#walFd);
    this.#walFd = undefined;
  }

  /** Resolves when no accepted export is still waiting for its commit or sync. */
  settled(): Promise<void> {
    return this.#commits.idle();
  }
}

function toView(row: ExportRow): ExportStatusView {
  return {
    id: row.id,
    status: row.status,
    attempts: row.attempts,
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    ...(row.response_status !== null ? { responseStatus: row.response_status } : {}),
    ...(row.delivered_at !== null ? { deliveredAt: row.delivered_at } : {}),
    ...(row.next_attempt_at !== null && row.status === 'queued'
      ? { nextAttemptAt: row.next_attempt_at }
      : {}),
  };
}
