import type Database from 'better-sqlite3';
import { loadStoredDay, storeDay } from './stored-days.ts';

/** Audit entries of one kind in a time window, counted: the raw material of one feed line. */
export interface ActivityGroup {
  actor: string;
  action: string;
  subject: string;
  /**
   * What else tells entries of this kind apart, by action: a read's `resolution|window minutes`,
   * an export's `destination|url`, a run's `status`, a sign-in's `ok`; null otherwise.
   */
  variant: string | null;
  count: number;
  /** Readings written (ingest), events written, rows read; 0 for other actions. */
  amount: number;
  firstTs: number;
  lastTs: number;
  lastSeq: number;
}

export interface ActivityWindow {
  groups: ActivityGroup[];
  /** Entries in the window (by seq range; see {@link activityGroups}). */
  entries: number;
  /** Entries of the window left out because it held more than `cap` (the oldest are left out). */
  skipped: number;
  /**
   * How it was answered: `memory` (this process summarised it before; only newer entries were
   * grouped), `stored` (a closed window's summary kept in the store, still exact), `read`.
   */
  source: 'memory' | 'stored' | 'read';
}

// json_extract reads only entries of the named actions; everything else groups on its columns
// `+ts`: never the ts index here, so the rows are always read as one rowid (seq) range
const GROUPS_SQL = `
  SELECT actor, action, subject,
    CASE
      WHEN action IN ('readings.read', 'events.read', 'kv.read') THEN
        coalesce(json_extract(details, '$.resolution'), 'raw') || '|' ||
        coalesce(CAST(round((json_extract(details, '$.to') - json_extract(details, '$.from')) / 60000.0) AS INTEGER),
          CAST(round(json_extract(details, '$.historyMs') / 60000.0) AS INTEGER), '')
      WHEN action IN ('export.request', 'export.delivered', 'export.failed', 'export.approve', 'export.reject')
        THEN coalesce(json_extract(details, '$.destination'), '') || '|' || coalesce(json_extract(details, '$.url'), '')
      WHEN action = 'app.run.end' THEN json_extract(details, '$.status')
      WHEN action = 'user.signin' THEN CAST(json_extract(details, '$.ok') AS TEXT)
      ELSE NULL
    END AS variant,
    count(*) AS count,
    total(CASE action
      WHEN 'readings.write' THEN json_extract(details, '$.written')
      WHEN 'events.write' THEN json_extract(details, '$.count')
      WHEN 'readings.read' THEN json_extract(details, '$.rows')
      WHEN 'events.read' THEN json_extract(details, '$.rows')
      ELSE 0 END) AS amount,
    min(ts) AS firstTs, max(ts) AS lastTs, max(seq) AS lastSeq
  FROM audit
  WHERE seq BETWEEN ? AND ? AND +ts >= ? AND +ts < ?
  GROUP BY actor, action, subject, variant
  ORDER BY lastSeq DESC`;

const statements = new WeakMap<Database.Database, Record<'bounds' | 'groups' | 'head', Database.Statement>>();

function prepared(db: Database.Database) {
  let s = statements.get(db);
  if (!s) {
    s = {
      // an index-only scan of the window on the ts index (which carries seq): O(entries in it)
      bounds: db.prepare(
        'SELECT min(seq) AS low, max(seq) AS high, count(*) AS n FROM audit WHERE ts >= ? AND ts < ?',
      ),
      groups: db.prepare(GROUPS_SQL),
      head: db.prepare('SELECT max(seq) FROM audit').pluck(),
    };
    statements.set(db, s);
  }
  return s;
}

/** A window summarised up to seq `high`: later reads group only the entries after it. */
interface Summary {
  high: number;
  entries: number;
  groups: Map<string, ActivityGroup>;
}
const MAX_CACHED = 16;
const summaries = new WeakMap<Database.Database, Map<string, Summary>>();

const keyOf = (g: ActivityGroup) => `${g.actor}\u0000${g.action}\u0000${g.subject}\u0000${g.variant}`;

function merge(summary: Summary, fresh: ActivityGroup[]): void {
  for (const g of fresh) {
    const key = keyOf(g);
    const had = summary.groups.get(key);
    if (!had) summary.groups.set(key, { ...g });
    else {
      had.count += g.count;
      had.amount += g.amount;
      had.firstTs = Math.min(had.firstTs, g.firstTs);
      had.lastTs = Math.max(had.lastTs, g.lastTs);
      had.lastSeq = Math.max(had.lastSeq, g.lastSeq);
    }
    summary.high = Math.max(summary.high, g.lastSeq);
    summary.entries += g.count;
  }
}

/**
 * Groups the audit entries of `[from, to)` by actor, action, subject and the details that matter
 * to a person. The window's seq span comes from an index-only scan of the `ts` index (which
 * carries seq), then its rows are read as a seq range of the table (the rowid, with `ts` still
 * checked), so the cost is O(entries in the window), whatever the size of the log: a day of a
 * 10 M-entry log costs what the same day of a small one does. The summary is kept (per database,
 * the last 16 windows), and the next call for the same window groups only the entries appended
 * since (seq only grows, so this is exact): today's feed costs O(new entries) on a reload. When
 * more entries were appended since than the window holds, it is read afresh instead. At most
 * `cap` rows are read at once (the newest seqs); entries beyond them are counted in `skipped`
 * and such a window is not kept. A window that ended by `now` is also kept in the store
 * (`stored-days.ts`), checked against its seq span before use, so a restart does not cost the
 * whole day again.
 *
 * @example
 * const day = activityGroups(store.db, dayStart, dayEnd);
 * day.groups[0]; // { actor: 'driver:home', action: 'readings.write', subject: 'sim.power', count: 24, amount: 8640, … }
 */
export function activityGroups(
  db: Database.Database,
  from: number,
  to: number,
  cap = 200_000,
  /** The store's clock: windows ended by then are kept in the store. Without it, none is. */
  now?: number,
): ActivityWindow {
  const s = prepared(db);
  const kept = summaries.get(db) ?? new Map<string, Summary>();
  summaries.set(db, kept);
  const key = `${from}|${to}`;
  let summary = kept.get(key);
  let skipped = 0;
  let source: ActivityWindow['source'] = 'memory';
  // a window kept long ago (a past day seen again weeks later) is cheaper to read afresh through
  // the ts index than to scan every entry appended since
  if (summary && (s.head.get() as number) - summary.high > Math.max(1000, summary.entries)) {
    kept.delete(key);
    summary = undefined;
  }
  if (summary) {
    merge(summary, s.groups.all(summary.high + 1, Number.MAX_SAFE_INTEGER, from, to) as ActivityGroup[]);
  } else {
    const { low, high, n } = s.bounds.get(from, to) as { low: number | null; high: number | null; n: number };
    if (low === null || high === null) return { groups: [], entries: 0, skipped: 0, source: 'read' };
    const closed = now !== undefined && to <= now;
    const stored = closed ? loadStoredDay(db, key, { low, high, n }) : undefined;
    if (stored) {
      summary = { high, entries: stored.entries, groups: new Map(stored.groups.map((g) => [keyOf(g), g])) };
      remember(kept, key, summary);
      return { groups: sorted(summary), entries: summary.entries, skipped: 0, source: 'stored' };
    }
    source = 'read';
    // at most `cap` rows are read, the newest (a clock stepped back can stretch the seq span)
    const start = Math.max(low, high - cap + 1);
    summary = { high, entries: 0, groups: new Map() };
    merge(summary, s.groups.all(start, high, from, to) as ActivityGroup[]);
    summary.high = high;
    skipped = n - summary.entries;
    if (skipped === 0) {
      remember(kept, key, summary);
      if (closed && now !== undefined)
        storeDay(db, key, { low, high, n }, { entries: summary.entries, groups: sorted(summary) }, now);
    }
  }
  return { groups: sorted(summary), entries: summary.entries + skipped, skipped, source };
}

function remember(kept: Map<string, Summary>, key: string, summary: Summary): void {
  if (kept.size >= MAX_CACHED) kept.delete(kept.keys().next().value as string);
  kept.set(key, summary);
}

function sorted(summary: Summary): ActivityGroup[] {
  return [...summary.groups.values()].sort((a, b) => b.lastSeq - a.lastSeq);
}
