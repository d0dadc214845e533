import type Database from 'better-sqlite3';
import { Blocks } from './blocks.ts';
import type { CatalogueEntry } from './catalogue.ts';
import { BucketStats, bucketStart, counterIncrement, ROLLUP_WIDTHS } from './rollup-bucket.ts';
import { rollupTable } from './rollup-tables.ts';

export interface RollupMismatch {
  width: number;
  bucket: number;
  field: string;
  stored: unknown;
  expected: unknown;
}

const close = (a: number | null, b: number | null) =>
  a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));

/**
 * Recomputes a datasource's rollups (and counter increments) from its raw rows and lists every
 * difference from what is stored. Buckets that start before the raw-retention horizon are
 * skipped: their raw rows are gone by design. Costs a full scan of the source's raw rows.
 */
export function checkRollups(
  db: Database.Database,
  entry: CatalogueEntry,
  maxMismatches = 20,
): RollupMismatch[] {
  // one snapshot: the compaction job may move a day from rows to a block meanwhile
  return db.transaction(() => checkSnapshot(db, entry, maxMismatches))();
}

function checkSnapshot(
  db: Database.Database,
  entry: CatalogueEntry,
  maxMismatches: number,
): RollupMismatch[] {
  const mismatches: RollupMismatch[] = [];
  const report = (m: RollupMismatch) => mismatches.length < maxMismatches && mismatches.push(m);
  const counter = entry.valueType === 'counter';
  const expected = ROLLUP_WIDTHS.map(() => new Map<number, BucketStats>());
  let previous: number | undefined;
  // rows and compressed blocks alike, oldest first
  const rows = new Blocks(db).all(entry.sid);
  for (const row of rows) {
    const inc = counter ? counterIncrement(row.v, previous) : null;
    previous = row.v;
    if (row.t < entry.rawHorizon) continue; // the retention anchor
    if (counter && !close(inc, row.inc))
      report({ width: 0, bucket: row.t, field: 'inc', stored: row.inc, expected: inc });
    ROLLUP_WIDTHS.forEach((width, i) => {
      const bucket = bucketStart(row.t, width);
      let stats = expected[i].get(bucket);
      if (!stats) {
        stats = new BucketStats(width, bucket);
        expected[i].set(bucket, stats);
      }
      stats.add(row.t, row.v, inc);
    });
  }
  ROLLUP_WIDTHS.forEach((width, i) => {
    const stored = db.prepare<[number, number], Record<string, number | null>>(
      `SELECT bucket, n, sum, min, max, first_t, first, last_t, last, delta FROM ${rollupTable(width)} WHERE sid = ? AND bucket >= ? ORDER BY bucket`,
    );
    const seen = new Set<number>();
    for (const row of stored.iterate(entry.sid, entry.rawHorizon)) {
      const bucket = row.bucket as number;
      seen.add(bucket);
      const want = expected[i].get(bucket);
      if (!want) {
        if ((row.n as number) > 0) report({ width, bucket, field: 'n', stored: row.n, expected: 0 });
        continue;
      }
      const fields: Array<[string, number | null]> = [
        ['n', want.n],
        ['sum', want.sum],
        ['min', want.min],
        ['max', want.max],
        ['first_t', want.firstT],
        ['first', want.first],
        ['last_t', want.lastT],
        ['last', want.last],
        ['delta', want.delta],
      ];
      for (const [field, value] of fields) {
        if (!close(row[field], value)) report({ width, bucket, field, stored: row[field], expected: value });
      }
    }
    for (const bucket of expected[i].keys()) {
      if (bucket >= entry.rawHorizon && !seen.has(bucket))
        report({ width, bucket, field: 'missing', stored: null, expected: 'bucket' });
    }
  });
  return mismatches;
}
