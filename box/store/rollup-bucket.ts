import type { BatchedInsert } from './batched-insert.ts';
import { ROLLUP_VALUE_COLUMNS, rollupTable } from './rollup-tables.ts';
import { RESOLUTION_MS, RESOLUTIONS } from './types.ts';

/** Bucket widths in ms, finest first, in the order of `RESOLUTIONS`. */
export const ROLLUP_WIDTHS: readonly number[] = RESOLUTIONS.map((r) => RESOLUTION_MS[r]);

/** Start of the epoch-aligned bucket of width `width` that holds `t` (works for any t ≥ 0). */
export function bucketStart(t: number, width: number): number {
  return t - (t % width);
}

/**
 * A counter's increment between two consecutive stored readings. A fall means the meter was
 * reset (or replaced) and started again from zero, so the increment is the new value itself
 * (Prometheus `increase()` semantics), never a negative consumption.
 */
export function counterIncrement(value: number, previous: number | undefined): number {
  if (previous === undefined) return 0;
  return value >= previous ? value - previous : value;
}

/**
 * The statistics of one rollup bucket as it is being built from readings. `n = 0` means the
 * bucket only carries a change to `delta` (a counter's later reading whose increment changed).
 */
export class BucketStats {
  n = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  firstT = Number.POSITIVE_INFINITY;
  first = 0;
  lastT = Number.NEGATIVE_INFINITY;
  last = 0;
  delta: number | null = null;

  constructor(
    readonly width: number,
    readonly bucket: number,
  ) {}

  add(t: number, v: number, inc: number | null): void {
    this.n++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (t < this.firstT) {
      this.firstT = t;
      this.first = v;
    }
    if (t > this.lastT) {
      this.lastT = t;
      this.last = v;
    }
    if (inc !== null) this.delta = (this.delta ?? 0) + inc;
  }

  addDelta(change: number): void {
    this.delta = (this.delta ?? 0) + change;
  }

  /**
   * Buffers this bucket's row for the batched upsert into its level's table, value by value (no
   * array per bucket): the columns of {@link rollupInsertHead}, without `delta` when `withDelta`
   * is false (a gauge's).
   */
  putInto(insert: BatchedInsert, sid: number, withDelta: boolean): void {
    const has = this.n > 0;
    insert.put(sid);
    insert.put(this.bucket);
    insert.put(this.n);
    insert.put(this.sum);
    insert.put(has ? this.min : null);
    insert.put(has ? this.max : null);
    insert.put(has ? this.firstT : null);
    insert.put(has ? this.first : null);
    insert.put(has ? this.lastT : null);
    insert.put(has ? this.last : null);
    if (withDelta) insert.put(this.delta);
  }

  /** Parameters for {@link upsertRollupSql}, in the order of {@link rollupInsertHead}. */
  params(sid: number): unknown[] {
    const has = this.n > 0;
    return [
      sid,
      this.bucket,
      this.n,
      this.sum,
      has ? this.min : null,
      has ? this.max : null,
      has ? this.firstT : null,
      has ? this.first : null,
      has ? this.lastT : null,
      has ? this.last : null,
      this.delta,
    ];
  }
}

/** Values per row of {@link rollupInsertHead}: 11 with `delta`, 10 without (a gauge's). */
export function rollupColumns(withDelta: boolean): number {
  return withDelta ? 11 : 10;
}

/**
 * The insert into one level's table up to `VALUES`, with `delta` or without it. A gauge never has
 * a delta: a row inserted without it gets NULL while an upsert's NULL `excluded.delta` leaves it as
 * it was, exactly as binding NULL would. One value fewer to bind per bucket on the ingest path.
 */
export function rollupInsertHead(width: number, withDelta: boolean): string {
  const columns = withDelta ? ROLLUP_VALUE_COLUMNS : ROLLUP_VALUE_COLUMNS.replace(/, delta$/, '');
  return `INSERT INTO ${rollupTable(width)} (sid, bucket, ${columns})`;
}

/**
 * Merges a bucket's new statistics into the stored row. In SQLite's upsert every right-hand
 * column reference is the row's value before the update, so `first`/`first_t` can be set in
 * either order. `excluded.n = 0` rows only adjust `delta`. Works for one or many value rows.
 */
export const ROLLUP_UPSERT_TAIL = `
  ON CONFLICT (sid, bucket) DO UPDATE SET
    n = n + excluded.n,
    sum = sum + excluded.sum,
    min = CASE WHEN excluded.n = 0 THEN min WHEN min IS NULL OR excluded.min < min THEN excluded.min ELSE min END,
    max = CASE WHEN excluded.n = 0 THEN max WHEN max IS NULL OR excluded.max > max THEN excluded.max ELSE max END,
    first_t = CASE WHEN excluded.n > 0 AND (first_t IS NULL OR excluded.first_t < first_t) THEN excluded.first_t ELSE first_t END,
    first = CASE WHEN excluded.n > 0 AND (first_t IS NULL OR excluded.first_t < first_t) THEN excluded.first ELSE first END,
    last_t = CASE WHEN excluded.n > 0 AND (last_t IS NULL OR excluded.last_t > last_t) THEN excluded.last_t ELSE last_t END,
    last = CASE WHEN excluded.n > 0 AND (last_t IS NULL OR excluded.last_t > last_t) THEN excluded.last ELSE last END,
    delta = CASE WHEN excluded.delta IS NULL THEN delta ELSE coalesce(delta, 0) + excluded.delta END`;

/** The one-row upsert of a bucket's statistics into its level's table. */
export function upsertRollupSql(width: number): string {
  return `${rollupInsertHead(width, true)}
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)${ROLLUP_UPSERT_TAIL}`;
}
