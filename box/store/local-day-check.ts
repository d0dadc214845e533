import type Database from 'better-sqlite3';
import { type BucketStatsRow, readBoundsStats, widthFor } from './bounds-read.ts';

/** A stored local day that no longer says what its rollups say. */
export interface StoredDayMismatch {
  zone: string;
  start: number;
  end: number;
  field: string;
  stored: number | null;
  expected: number | null;
}

const FIELDS = ['n', 'sum', 'min', 'max', 'first_t', 'first', 'last_t', 'last', 'delta'] as const;

/**
 * Re-merges every stored local day of datasource `sid` (see LocalDayCache) from its rollups and
 * lists the fields that differ (sums up to a relative 1e-9, everything else exactly), at most
 * `limit`: what `databox check` reports, so the promise that stored days stay exact is checked,
 * not assumed. A day whose bounds are not whole minutes is reported as such.
 *
 * @example
 * ```ts
 * checkStoredDays(db, entry.sid); // [] when every stored day is right
 * ```
 */
export function checkStoredDays(db: Database.Database, sid: number, limit = 20): StoredDayMismatch[] {
  const rows = db
    .prepare(
      'SELECT zone, start, end, n, sum, min, max, first_t, first, last_t, last, delta FROM local_days WHERE sid = ? ORDER BY zone, start',
    )
    .raw()
    .all(sid) as Array<[string, number, number, ...BucketStatsRow]>;
  const out: StoredDayMismatch[] = [];
  for (const [zone, start, end, ...stored] of rows) {
    if (out.length >= limit) break;
    const width = widthFor([start, end]);
    if (width === undefined) {
      out.push({ zone, start, end, field: 'bounds', stored: end - start, expected: null });
      continue;
    }
    const [expected] = readBoundsStats(db, sid, [start, end], width);
    for (const [i, field] of FIELDS.entries()) {
      const a = stored[i];
      const b = expected[i];
      const additive = field === 'sum' || field === 'delta';
      const same =
        a === b ||
        (additive && a !== null && b !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));
      if (!same) out.push({ zone, start, end, field, stored: a, expected: b });
    }
  }
  return out.slice(0, limit);
}
