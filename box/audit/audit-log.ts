import type Database from 'better-sqlite3';
import { BadRequestError } from '../errors.ts';
import { boundDetails } from './bounded-text.ts';
import { canonicalEntryText, canonicalJson, GENESIS_HASH, hashEntryText } from './canonical.ts';
import { type ChainLink, entryProblem, linkProblem } from './chain.ts';
import { filterWhere, parseAuditFilter } from './filter.ts';
import { ensureAuditSchema } from './schema.ts';
import type { AuditAppendInput, AuditEntry, AuditFilter, AuditHead, AuditVerifyResult } from './types.ts';

/** `user`, `box`, `gateway`, `app:<id>`, `driver:<id>` (ids as datasource ids). */
export const ACTOR_PATTERN = /^(?:user|box|gateway|(?:app|driver):[a-z0-9][a-z0-9._-]{0,63})$/;
/** Two or more dotted lower-case words: `readings.write`, `auth.failure`, `box.start`. */
export const ACTION_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;
const SUBJECT_MAX = 256;
// Control characters would let a subject forge extra lines in a terminal or log viewer.
const CONTROL = /\p{Cc}/u;
const PAGE = 2048;
const COLUMNS = 'seq, ts, actor, action, subject, details, prev_hash, hash';

/** A row in `.raw()` mode: the columns of {@link COLUMNS} in order. */
type RawRow = [number, number, string, string, string, string, string, string];

interface Row {
  seq: number;
  ts: number;
  actor: string;
  action: string;
  subject: string;
  details: string;
  prev_hash: string;
  hash: string;
}

/**
 * The hash-chained audit trail in the box's SQLite database. Safe for several connections (and
 * processes) on the same file: the previous hash is read inside the write transaction, never
 * cached.
 *
 * @example
 * const audit = new AuditLog(db);
 * audit.append({ actor: 'driver:p1', action: 'readings.write', subject: 'meter.power', details: { rows: 10 } });
 * audit.verify(); // { ok: true, count: 1, head: { seq: 1, hash: '…' } }
 */
export class AuditLog {
  readonly #db: Database.Database;
  readonly #clock: () => number;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #inTransaction: Database.Transaction<(write: () => AuditEntry) => AuditEntry>;

  constructor(db: Database.Database, clock: () => number = Date.now) {
    this.#db = db;
    this.#clock = clock;
    if (!db.readonly) ensureAuditSchema(db);
    this.#inTransaction = db.transaction((write: () => AuditEntry) => write());
  }

  /**
   * Appends one entry and returns it. Inside the caller's transaction it joins it (so the entry
   * commits or rolls back with the caller's data; the caller's transaction should be IMMEDIATE
   * so no other connection appends between its reads and writes). Outside one it opens an
   * IMMEDIATE transaction of its own. Throws BadRequestError for a malformed actor, action,
   * subject or details. Every string in `details` longer than 200 characters is stored cut, with
   * a `…(N more)` marker (`boundText`).
   */
  append(input: AuditAppendInput): AuditEntry {
    const { actor, action } = input;
    const subject = input.subject ?? '';
    if (typeof actor !== 'string' || !ACTOR_PATTERN.test(actor)) {
      throw invalid('actor', `${JSON.stringify(actor)} is not user, box, gateway, app:<id> or driver:<id>`);
    }
    if (typeof action !== 'string' || action.length > 64 || !ACTION_PATTERN.test(action)) {
      throw invalid(
        'action',
        `${JSON.stringify(action)} is not a dotted lower-case action like readings.write`,
      );
    }
    if (typeof subject !== 'string' || subject.length > SUBJECT_MAX || CONTROL.test(subject)) {
      throw invalid(
        'subject',
        `must be a string of at most ${SUBJECT_MAX} characters without control characters`,
      );
    }
    const details = input.details ?? {};
    if (typeof details !== 'object' || details === null || Array.isArray(details)) {
      throw invalid('details', 'must be a JSON object');
    }
    // app- and payload-controlled strings are cut to a bounded length: the trail is never erased
    const detailsJson = canonicalJson(boundDetails(details), 'details');
    const ts = Math.floor(this.#clock());
    if (!Number.isSafeInteger(ts)) throw new Error(`audit clock returned ${ts}, not a time in Unix ms`);

    const write = (): AuditEntry => {
      const last = this.#statement(`SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).get() as
        | ChainLink
        | undefined;
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const hash = hashEntryText(prevHash, canonicalEntryText(seq, ts, actor, action, subject, detailsJson));
      this.#statement(`INSERT INTO audit (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
        seq,
        ts,
        actor,
        action,
        subject,
        detailsJson,
        prevHash,
        hash,
      );
      return { seq, ts, actor, action, subject, details: JSON.parse(detailsJson), prevHash, hash };
    };
    return this.#db.inTransaction ? write() : this.#inTransaction.immediate(write);
  }

  /** Entries matching `filter`, ascending by seq unless `order: 'desc'`. Without `limit`, all of them. */
  query(filter: AuditFilter = {}): AuditEntry[] {
    const valid = parseAuditFilter(filter);
    const { where, params } = filterWhere(valid);
    const order = valid.order === 'desc' ? 'DESC' : 'ASC';
    const limit = valid.limit === undefined ? '' : ' LIMIT ?';
    if (valid.limit !== undefined) params.push(valid.limit);
    const rows = this.#statement(`SELECT ${COLUMNS} FROM audit${where} ORDER BY seq ${order}${limit}`).all(
      ...params,
    ) as Row[];
    return rows.map(toEntry);
  }

  /**
   * Like {@link query}, but yields entries page by page (no SQLite cursor stays open between
   * pages, so the connection stays usable while a consumer awaits). Ascending iteration stops at
   * the head as it was when iteration started.
   */
  *iterate(filter: AuditFilter = {}): IterableIterator<AuditEntry> {
    const valid = parseAuditFilter(filter);
    const maxSeq = valid.order === 'desc' ? undefined : this.head().seq;
    let remaining = valid.limit ?? Number.POSITIVE_INFINITY;
    let afterSeq = valid.afterSeq;
    while (remaining > 0) {
      const page = this.#page({ ...valid, afterSeq, limit: Math.min(PAGE, remaining) }, maxSeq);
      for (const row of page) yield toEntry(row);
      if (page.length < PAGE) return;
      remaining -= page.length;
      afterSeq = page[page.length - 1].seq;
    }
  }

  /** The last entry's seq and hash; `{ seq: 0, hash: 64 zeros }` when empty. Note it down to detect truncation. */
  head(): AuditHead {
    const last = this.#statement('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as
      | ChainLink
      | undefined;
    return last ?? { seq: 0, hash: GENESIS_HASH };
  }

  /**
   * Recomputes the chain from seq 1, page by page, inside one read transaction (a consistent
   * snapshot while other connections append). Reports the first broken seq and why.
   */
  verify(): AuditVerifyResult {
    return this.verifyFrom(null);
  }

  /**
   * Verifies the entries after `from` (a link verified before: its seq and hash), at most `limit`
   * of them, in one read transaction: O(entries checked), for incremental verification. `head`
   * is the last entry checked (`from` when none).
   */
  verifyFrom(from: ChainLink | null, limit = Number.POSITIVE_INFINITY): AuditVerifyResult {
    const run = () => this.#verify(from, limit);
    return this.#db.inTransaction ? run() : this.#db.transaction(run).deferred();
  }

  /** The stored hash of entry `seq`, or undefined when there is none. */
  hashAt(seq: number): string | undefined {
    return (this.#statement('SELECT hash FROM audit WHERE seq = ?').get(seq) as { hash: string } | undefined)
      ?.hash;
  }

  /** The stored hashes of entries `from`..`to` (inclusive), ascending (the Merkle tree's leaves). */
  hashes(from: number, to: number): string[] {
    return this.#statement('SELECT hash FROM audit WHERE seq BETWEEN ? AND ? ORDER BY seq', true)
      .all(from, to)
      .map((row) => (row as [string])[0]);
  }

  #verify(from: ChainLink | null, limit: number): AuditVerifyResult {
    // Raw rows (arrays) are markedly faster to fetch than objects over a million entries.
    const page = this.#statement(
      `SELECT ${COLUMNS} FROM audit WHERE seq > ? ORDER BY seq LIMIT ${PAGE}`,
      true,
    );
    let previous: ChainLink | null = from;
    let count = 0;
    for (;;) {
      if (count >= limit) return { ok: true, count, head: previous ?? { seq: 0, hash: GENESIS_HASH } };
      const rows = page.all(previous?.seq ?? 0) as RawRow[];
      for (const [seq, ts, actor, action, subject, details, prevHash, hash] of rows) {
        const linkReason = linkProblem(previous, seq, prevHash);
        if (linkReason) return { ok: false, count, brokenAt: (previous?.seq ?? 0) + 1, reason: linkReason };
        const reason =
          detailsProblem(details) ??
          entryProblem({ seq, ts, actor, action, subject, detailsJson: details, prevHash, hash });
        if (reason) return { ok: false, count, brokenAt: seq, reason };
        previous = { seq, hash };
        count++;
      }
      if (rows.length < PAGE) return { ok: true, count, head: previous ?? { seq: 0, hash: GENESIS_HASH } };
    }
  }

  #page(filter: AuditFilter, maxSeq: number | undefined): Row[] {
    const { where, params } = filterWhere(filter, { maxSeq });
    const order = filter.order === 'desc' ? 'DESC' : 'ASC';
    return this.#statement(`SELECT ${COLUMNS} FROM audit${where} ORDER BY seq ${order} LIMIT ?`).all(
      ...params,
      filter.limit,
    ) as Row[];
  }

  #statement(sql: string, raw = false): Database.Statement {
    const key = raw ? `raw:${sql}` : sql;
    let statement = this.#statements.get(key);
    if (!statement) {
      statement = this.#db.prepare(sql);
      if (raw) statement.raw(true);
      this.#statements.set(key, statement);
    }
    return statement;
  }
}

function toEntry(row: Row): AuditEntry {
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(row.details);
  } catch (cause) {
    throw new Error(
      `audit entry seq ${row.seq} has details that are not valid JSON; run \`databox audit verify\``,
      {
        cause,
      },
    );
  }
  return {
    seq: row.seq,
    ts: row.ts,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Whether stored details text is a canonical JSON object (what `append` writes). */
function detailsProblem(text: unknown): string | null {
  if (typeof text !== 'string') return 'details is not text';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'details is not valid JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return 'details is not a JSON object';
  try {
    if (canonicalJson(parsed) !== text) return 'details is not in canonical form';
  } catch {
    return 'details cannot be canonicalised';
  }
  return null;
}

function invalid(path: string, message: string): BadRequestError {
  return new BadRequestError(`invalid audit entry: ${path} ${message}`, { details: [{ path, message }] });
}
