import { hash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AuditLog } from './audit-log.ts';
import { canonicalJson } from './canonical.ts';

/**
 * Binds each consent receipt and its grants to the audit chain: the `app.grant` entry that
 * records a consent carries `consentDigest`, and {@link checkConsentBindings} recomputes it from
 * the database, so a grant edited there (a finer resolution, a longer history, a revocation
 * undone) no longer matches the chain. The digest is over the stored column values, as SQLite
 * holds them (docs/audit.md, *Consent receipts*):
 *
 * ```
 * consentDigest = lower-hex(SHA-256(canonicalJson({ consent: {receipt_id, app_id, app_version,
 *   created_at, expires_at, destinations, receipt}, grants: [{request, datasource, kind,
 *   resolution, history, history_ms, aggregates, granted_at, expires_at}, … by grant_id] })))
 * ```
 *
 * Columns that change later by design (`revoked_at`, `superseded_at`) are not in it; they are
 * checked against the `app.revoke`, `app.grant` (`supersedes`) and `app.uninstall` entries.
 */

const CONSENT_COLUMNS = 'receipt_id, app_id, app_version, created_at, expires_at, destinations, receipt';
const GRANT_COLUMNS =
  'request, datasource, kind, resolution, history, history_ms, aggregates, granted_at, expires_at';

/** The digest of consent `receiptId` and its grants as stored now; undefined when there is no such consent. */
export function consentDigest(db: Database.Database, receiptId: string): string | undefined {
  const consent = db
    .prepare(`SELECT ${CONSENT_COLUMNS} FROM app_consents WHERE receipt_id = ?`)
    .get(receiptId);
  if (!consent) return undefined;
  const grants = db
    .prepare(`SELECT ${GRANT_COLUMNS} FROM app_grants WHERE receipt_id = ? ORDER BY grant_id`)
    .all(receiptId);
  // better-sqlite3 rows are null-prototype-free plain objects of strings and numbers
  return hash(
    'sha256',
    canonicalJson({ consent: { ...consent }, grants: grants.map((g) => ({ ...(g as object) })) }),
    'hex',
  );
}

/** One way the stored consents disagree with the chain. */
export interface ConsentProblem {
  receipt: string;
  /** The audit entry the database disagrees with (null: the consent has no entry at all). */
  seq: number | null;
  message: string;
}

interface Recorded {
  seq: number;
  appId: string;
  digest: string | undefined;
}

/**
 * Compares every stored consent with the audit chain (run it after the chain itself verified):
 * each consent must have its `app.grant` entry with a matching `consentDigest`; each grant the
 * chain says was revoked must be revoked, each consent it says was superseded must be. Consents
 * recorded before digests were kept are counted as `unbound`, not as problems.
 */
export function checkConsentBindings(
  db: Database.Database,
  audit: AuditLog,
): { checked: number; unbound: number; problems: ConsentProblem[] } {
  const problems: ConsentProblem[] = [];
  const hasTables = db
    .prepare(
      "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('app_consents', 'app_grants')",
    )
    .get() as { n: number };
  const recorded = new Map<string, Recorded>();
  const superseded = new Map<string, number>();
  const revoked: Array<{ seq: number; receipt: string; requests: string[] }> = [];
  for (const entry of audit.iterate({ action: 'app.*' })) {
    const d = entry.details;
    if (entry.action === 'app.grant' && typeof d.receipt === 'string') {
      const digest = typeof d.consentDigest === 'string' ? d.consentDigest : undefined;
      recorded.set(d.receipt, { seq: entry.seq, appId: entry.subject, digest });
      if (typeof d.supersedes === 'string') superseded.set(d.supersedes, entry.seq);
    } else if (entry.action === 'app.uninstall' && typeof d.receipt === 'string') {
      superseded.set(d.receipt, entry.seq);
    } else if (entry.action === 'app.revoke' && typeof d.receipt === 'string' && Array.isArray(d.requests)) {
      revoked.push({ seq: entry.seq, receipt: d.receipt, requests: d.requests.map(String) });
    }
  }
  if (hasTables.n < 2) {
    for (const [receipt, r] of recorded)
      problems.push({
        receipt,
        seq: r.seq,
        message: `consent ${receipt} of app "${r.appId}" is missing from the database`,
      });
    return { checked: 0, unbound: 0, problems };
  }
  const consents = db.prepare('SELECT receipt_id, app_id, superseded_at FROM app_consents').all() as Array<{
    receipt_id: string;
    app_id: string;
    superseded_at: number | null;
  }>;
  let unbound = 0;
  const stored = new Set<string>();
  for (const c of consents) {
    stored.add(c.receipt_id);
    const r = recorded.get(c.receipt_id);
    const what = `consent ${c.receipt_id} of app "${c.app_id}"`;
    if (!r) {
      problems.push({
        receipt: c.receipt_id,
        seq: null,
        message: `${what} has no app.grant entry in the audit trail (added to the database behind the box's back?)`,
      });
      continue;
    }
    if (r.digest === undefined) unbound++;
    else if (consentDigest(db, c.receipt_id) !== r.digest)
      problems.push({
        receipt: c.receipt_id,
        seq: r.seq,
        message: `${what}: its receipt or grants differ from the consentDigest of audit entry ${r.seq} (edited in the database)`,
      });
    const by = superseded.get(c.receipt_id);
    if (by !== undefined && c.superseded_at === null)
      problems.push({
        receipt: c.receipt_id,
        seq: by,
        message: `${what} was superseded or ended at audit entry ${by}, but the database has it current again`,
      });
  }
  for (const [receipt, r] of recorded)
    if (!stored.has(receipt))
      problems.push({
        receipt,
        seq: r.seq,
        message: `consent ${receipt} of app "${r.appId}" (audit entry ${r.seq}) is missing from the database`,
      });
  const live = db.prepare('SELECT request FROM app_grants WHERE receipt_id = ? AND revoked_at IS NULL');
  for (const r of revoked) {
    const still = new Set((live.all(r.receipt) as Array<{ request: string }>).map((g) => g.request));
    for (const request of r.requests)
      if (still.has(request))
        problems.push({
          receipt: r.receipt,
          seq: r.seq,
          message: `grant "${request}" of consent ${r.receipt} was revoked at audit entry ${r.seq}, but the database has it live again`,
        });
  }
  return { checked: consents.length, unbound, problems };
}
