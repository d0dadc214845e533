import type Database from 'better-sqlite3';
import type { ActivityGroup } from './activity-groups.ts';

/**
 * Summaries of closed windows (past days) kept in the store's kv (namespace `activity`, key
 * `from|to`), so the first view of a past day after a restart costs an index-only scan of its
 * seq span instead of grouping its entries again. A day's entries can still change after it is
 * over: a clock stepped back stamps new entries inside it. So each summary carries the window's
 * seq span and count as they were (`low`, `high`, `n`) and is used only while the window's span
 * is still exactly that; seq only grows, so any entry added to the window changes `high` or `n`.
 */

const NS = 'activity';

/** The window's seq span and entry count, from the ts index. */
export interface WindowBounds {
  low: number;
  high: number;
  n: number;
}

interface Stored extends WindowBounds {
  v: 1;
  entries: number;
  groups: ActivityGroup[];
}

const statements = new WeakMap<Database.Database, Record<'get' | 'set', Database.Statement>>();

function prepared(db: Database.Database) {
  let s = statements.get(db);
  if (!s) {
    s = {
      get: db.prepare('SELECT value FROM kv WHERE ns = ? AND key = ?').pluck(),
      set: db.prepare(
        'INSERT INTO kv (ns, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      ),
    };
    statements.set(db, s);
  }
  return s;
}

/** The stored summary of window `key` if it still matches the window's `bounds`, else undefined. */
export function loadStoredDay(
  db: Database.Database,
  key: string,
  bounds: WindowBounds,
): { entries: number; groups: ActivityGroup[] } | undefined {
  const text = prepared(db).get.get(NS, key) as string | undefined;
  if (text === undefined) return undefined;
  let stored: Stored;
  try {
    stored = JSON.parse(text) as Stored;
  } catch {
    return undefined; // unreadable: read the window afresh (and store it again)
  }
  if (stored.v !== 1 || stored.low !== bounds.low || stored.high !== bounds.high || stored.n !== bounds.n)
    return undefined;
  return { entries: stored.entries, groups: stored.groups };
}

/** Keeps the summary of a closed window; a read-only database just does not keep it. */
export function storeDay(
  db: Database.Database,
  key: string,
  bounds: WindowBounds,
  summary: { entries: number; groups: ActivityGroup[] },
  now: number,
): void {
  const stored: Stored = { v: 1, ...bounds, ...summary };
  try {
    prepared(db).set.run(NS, key, JSON.stringify(stored), now);
  } catch {
    // a read-only open (the CLI, a check): the feed is right without it, only slower next time
  }
}
