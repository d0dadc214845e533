import type Database from 'better-sqlite3';

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
}

// json_extract reads only entries of the named actions; everything else groups on its columns
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
      WHEN action = 'user.signin' THEN json_extract(details, '$.ok')
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
  WHERE seq BETWEEN ? AND ? AND ts >= ? AND ts < ?
  GROUP BY actor, action, subject, variant
  ORDER BY lastSeq DESC`;

const statements = new WeakMap<Database.Database, Record<'first' | 'last' | 'groups', Database.Statement>>();

function prepared(db: Database.Database) {
  let s = statements.get(db);
  if (!s) {
    s = {
      // both walk the ts index from one end: O(log n), whatever the size of the log
      first: db.prepare('SELECT seq FROM audit WHERE ts >= ? ORDER BY ts, seq LIMIT 1').pluck(),
      last: db.prepare('SELECT seq FROM audit WHERE ts < ? ORDER BY ts DESC, seq DESC LIMIT 1').pluck(),
      groups: db.prepare(GROUPS_SQL),
    };
    statements.set(db, s);
  }
  return s;
}

/**
 * Groups the audit entries of `[from, to)` by actor, action, subject and the details that matter
 * to a person. The window is found on the `ts` index (two O(log n) seeks), then read as a seq
 * range of the table (the rowid), so the cost is O(entries in the window) and not O(log size):
 * a day of a 10 M-entry log costs what the same day of a small one does. At most `cap` entries are
 * read (the newest); the rest are counted in `skipped`. The box's clock can step back, so an
 * entry whose seq lies outside the range its time suggests can be missed; `ts` is still checked.
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
): ActivityWindow {
  const s = prepared(db);
  const first = s.first.get(from) as number | undefined;
  const last = s.last.get(to) as number | undefined;
  if (first === undefined || last === undefined || last < first)
    return { groups: [], entries: 0, skipped: 0 };
  const entries = last - first + 1;
  const low = Math.max(first, last - cap + 1);
  const groups = s.groups.all(low, last, from, to) as ActivityGroup[];
  return { groups, entries, skipped: low - first };
}
