import type Database from 'better-sqlite3';
import type { AuditLog } from './audit-log.ts';
import type { ChainLink } from './chain.ts';

/** What is known about the chain without a full scan. */
export interface ChainState {
  /** Entries 1..verified.seq were verified, the last one with this hash. */
  verified: ChainLink;
  /** When that was (box time, Unix ms); 0 when never. */
  verifiedAt: number;
  /** The log's last entry now. */
  head: ChainLink;
  /** Set when a verification found the chain broken; cleared only by a full verify that passes. */
  broken: { seq: number; reason: string } | null;
}

/**
 * Keeps a "verified up to seq N with hash H" record in `audit_verified`, so status costs O(1) and
 * each verification O(entries since the last one). Before continuing it checks that entry N still
 * has hash H: a rewrite-and-rehash of anything up to N changes it. (An edit of one old entry that
 * leaves later hashes alone is found by the full `databox audit verify`, and by the checkpoints.)
 *
 * @example
 * const status = new ChainStatus(db, audit);
 * status.advance(20_000); // verify at most ~20k new entries now
 * status.read();          // { verified: { seq, hash }, head, broken: null, … }
 */
export class ChainStatus {
  readonly #db: Database.Database;
  readonly #log: AuditLog;

  constructor(db: Database.Database, log: AuditLog) {
    this.#db = db;
    this.#log = log;
  }

  /** The record and the head, without verifying anything. */
  read(): ChainState {
    const row = this.#db.prepare('SELECT * FROM audit_verified WHERE id = 1').get() as
      | { seq: number; hash: string; at: number; broken_seq: number | null; reason: string | null }
      | undefined;
    return {
      verified: row ? { seq: row.seq, hash: row.hash } : { seq: 0, hash: '0'.repeat(64) },
      verifiedAt: row?.at ?? 0,
      head: this.#log.head(),
      broken: row?.broken_seq != null ? { seq: row.broken_seq, reason: row.reason ?? '' } : null,
    };
  }

  /**
   * Verifies up to about `limit` entries after the record and moves it forward. A full pass
   * (`fromStart`) re-checks everything from seq 1 and is the only way to clear `broken`.
   */
  advance(limit = Number.POSITIVE_INFINITY, now = Date.now(), fromStart = false): ChainState {
    const state = this.read();
    if (state.broken && !fromStart) return state;
    const from: ChainLink | null = fromStart || state.verified.seq === 0 ? null : state.verified;
    if (from && this.#log.hashAt(from.seq) !== from.hash) {
      const stored = this.#log.hashAt(from.seq);
      return this.#save(state.verified, now, {
        seq: from.seq,
        reason:
          stored === undefined
            ? `entry ${from.seq}, verified before, is gone (the log was truncated)`
            : `entry ${from.seq} has hash ${stored}, but was verified with hash ${from.hash} (history was rewritten)`,
      });
    }
    if (from && from.seq === state.head.seq) return this.#save(from, now, null);
    const result = this.#log.verifyFrom(from, limit);
    if (!result.ok) {
      return this.#save(state.verified, now, { seq: result.brokenAt, reason: result.reason });
    }
    return this.#save(result.head, now, null);
  }

  #save(verified: ChainLink, now: number, broken: { seq: number; reason: string } | null): ChainState {
    this.#db
      .prepare(
        'INSERT OR REPLACE INTO audit_verified (id, seq, hash, at, broken_seq, reason) VALUES (1, ?, ?, ?, ?, ?)',
      )
      .run(verified.seq, verified.hash, now, broken?.seq ?? null, broken?.reason ?? null);
    return { verified, verifiedAt: now, head: this.#log.head(), broken };
  }
}
