/**
 * Shapes of the audit trail (see `docs/audit.md`). An entry is appended once and never changed;
 * `hash = sha256(prevHash ‖ canonical entry)` chains it to the one before.
 */

/** One audit entry, as stored and as exported (one JSON Lines row has exactly these fields). */
export interface AuditEntry {
  /** 1, 2, 3, … with no gaps; the order of the chain. */
  seq: number;
  /** When it was appended, Unix ms (wall clock: may step back after a clock change; `seq` is the order). */
  ts: number;
  /** `user`, `box`, `gateway`, `app:<id>` or `driver:<id>`. */
  actor: string;
  /** Dotted lower-case verb, e.g. `readings.write`. */
  action: string;
  /** What it is about, e.g. a datasource id; `''` when nothing in particular. */
  subject: string;
  details: Record<string, unknown>;
  /** `hash` of the previous entry; 64 zeros for seq 1. */
  prevHash: string;
  /** Lower-case hex SHA-256 of `prevHash` followed by the canonical entry. */
  hash: string;
}

export interface AuditAppendInput {
  actor: string;
  action: string;
  subject?: string;
  details?: Record<string, unknown>;
}

/**
 * Which entries to read. All fields combine with AND. `since` is inclusive, `until` exclusive
 * (Unix ms). `action` is exact, or a prefix when it ends in `*` (`readings.*`). `afterSeq` reads
 * entries with seq greater than it (ascending) or less than it (descending), for paging.
 */
export interface AuditFilter {
  since?: number;
  until?: number;
  actor?: string;
  action?: string;
  subject?: string;
  afterSeq?: number;
  limit?: number;
  order?: 'asc' | 'desc';
}

export interface AuditHead {
  /** seq of the last entry; 0 when the log is empty. */
  seq: number;
  /** hash of the last entry; the genesis hash (64 zeros) when empty. */
  hash: string;
}

export type AuditVerifyResult =
  | { ok: true; count: number; head: AuditHead }
  | { ok: false; count: number; brokenAt: number; reason: string };
