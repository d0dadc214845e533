import type { AuditLog } from './audit-log.ts';
import { boundText, textDigest } from './bounded-text.ts';

/** Distinct keys of one run audited one by one; the rest of the run's writes go into its summary. */
export const MAX_KV_KEYS_AUDITED_PER_RUN = 20;
/** Characters of an app's kv key kept in the trail (keys may be 256 characters of app text). */
export const MAX_AUDITED_KV_KEY = 32;

/**
 * Audits an app's writes to its own kv (`app:<id>`) by key and size, never by value, and without
 * letting a hostile app flood the trail: the first write of each of the first
 * {@link MAX_KV_KEYS_AUDITED_PER_RUN} keys of a run is one `app.kv.set` entry (key bounded to
 * {@link MAX_AUDITED_KV_KEY} characters, value bytes); every other write is only counted, and
 * {@link end} writes one `app.kv.summary` with the totals when some were. So a run costs at most
 * 21 entries and 20 × 32 characters of the app's text, however many writes it makes.
 *
 * @example
 * const kv = new KvWriteAudit(store.audit, 'meter-insights', runId);
 * store.transaction(() => { store.kv.set('app:meter-insights', 'baseline', v, now); kv.record('baseline', 42); });
 * kv.end();
 */
export class KvWriteAudit {
  readonly #audit: AuditLog;
  readonly #appId: string;
  readonly #runId: string;
  readonly #keys = new Set<string>();
  #writes = 0;
  #bytes = 0;
  #audited = 0;
  #ended = false;

  constructor(audit: AuditLog, appId: string, runId: string) {
    this.#audit = audit;
    this.#appId = appId;
    this.#runId = runId;
  }

  /**
   * Counts one write of `valueBytes` bytes to `key`, auditing it when it is the first write of a
   * key and the run has entries left. Call inside the write's transaction, after the write
   * succeeded, so the entry commits (or rolls back) with it.
   */
  record(key: string, valueBytes: number): void {
    this.#writes++;
    this.#bytes += valueBytes;
    const first = !this.#keys.has(key);
    // distinct keys are bounded by the app's kv key quota, so this set stays small
    this.#keys.add(key);
    if (!first || this.#audited >= MAX_KV_KEYS_AUDITED_PER_RUN) return;
    this.#audited++;
    this.#audit.append({
      actor: `app:${this.#appId}`,
      action: 'app.kv.set',
      subject: this.#appId,
      details: {
        run: this.#runId,
        key: boundText(key, MAX_AUDITED_KV_KEY),
        // a cut key is matched against the app's kv by its digest
        ...(key.length > MAX_AUDITED_KV_KEY ? { keyDigest: textDigest(key) } : {}),
        bytes: valueBytes,
      },
    });
  }

  /** The run is over: one `app.kv.summary` when any write went unaudited (repeats, or keys past the cap). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#writes <= this.#audited) return;
    this.#audit.append({
      actor: `app:${this.#appId}`,
      action: 'app.kv.summary',
      subject: this.#appId,
      details: {
        run: this.#runId,
        writes: this.#writes,
        keys: this.#keys.size,
        bytes: this.#bytes,
        audited: this.#audited,
        notAudited: this.#writes - this.#audited,
      },
    });
  }
}
