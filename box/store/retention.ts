import type Database from 'better-sqlite3';
import { parseIsoDuration } from '../util/iso-duration.ts';
import { Blocks } from './blocks.ts';
import type { CatalogueEntry } from './catalogue.ts';

/** Raw rows are deleted in slices of this much time, one short transaction each. */
const SLICE_MS = 86_400_000;

export interface SourceRetention {
  id: string;
  horizon: number;
  readings: number;
  events: number;
}

/**
 * Expires raw readings (and events) older than each datasource's `retention.raw`; rollups stay.
 * The horizon moves first (so no write can land behind it), then rows go in one-day slices so
 * the write lock is never held for long. The newest reading before the horizon is kept as the
 * counter's anchor (the next reading's increment is taken over it); reads never show it.
 */
export function expireRaw(
  db: Database.Database,
  entry: CatalogueEntry,
  now: number,
): SourceRetention | undefined {
  if (entry.retention.raw === null) return undefined;
  const horizon = now - parseIsoDuration(entry.retention.raw);
  if (horizon <= entry.rawHorizon) return undefined;
  const { sid } = entry;
  db.prepare('UPDATE datasources SET raw_horizon = ? WHERE sid = ? AND raw_horizon < ?').run(
    horizon,
    sid,
    horizon,
  );
  // compressed days: the one holding the anchor goes back to rows, every older one goes whole
  let readings = db.transaction(() => expireBlocks(db, sid, horizon)).immediate();
  const anchor = db
    .prepare<[number, number], { t: number }>(
      'SELECT t FROM readings WHERE sid = ? AND t < ? ORDER BY t DESC LIMIT 1',
    )
    .get(sid, horizon);
  if (anchor) {
    const oldest = db
      .prepare<[number], { t: number }>('SELECT t FROM readings WHERE sid = ? ORDER BY t LIMIT 1')
      .get(sid) as { t: number };
    const remove = db.prepare('DELETE FROM readings WHERE sid = ? AND t < ?');
    for (let until = oldest.t + SLICE_MS; ; until += SLICE_MS) {
      const end = Math.min(until, anchor.t);
      readings += db.transaction(() => remove.run(sid, end).changes).immediate();
      if (end === anchor.t) break;
    }
  }
  const events = db.prepare('DELETE FROM events WHERE sid = ? AND t < ?').run(sid, horizon).changes;
  return { id: entry.id, horizon, readings, events };
}

/**
 * Before the row expiry: the newest block that starts before `horizon` is unpacked (it holds the
 * anchor, or rows after it do), then every block before it is deleted. Returns readings deleted.
 */
function expireBlocks(db: Database.Database, sid: number, horizon: number): number {
  const newestOld = db
    .prepare<[number, number], number>(
      'SELECT day FROM blocks WHERE sid = ? AND first_t < ? ORDER BY day DESC LIMIT 1',
    )
    .pluck()
    .get(sid, horizon);
  if (newestOld === undefined) return 0;
  new Blocks(db).thaw(sid, newestOld, newestOld);
  const gone = db
    .prepare<[number, number], number>('SELECT coalesce(sum(n), 0) FROM blocks WHERE sid = ? AND day < ?')
    .pluck()
    .get(sid, newestOld) as number;
  db.prepare('DELETE FROM blocks WHERE sid = ? AND day < ?').run(sid, newestOld);
  return gone;
}
