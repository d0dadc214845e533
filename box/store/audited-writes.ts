import type { IngestWindows } from '../audit/ingest-window.ts';
import { BadRequestError } from '../errors.ts';
import type { CatalogueEntry } from './catalogue.ts';
import type { ColumnsCache } from './columns-cache.ts';
import type { LocalDayCache } from './local-day-cache.ts';
import type { NumericWriter } from './numeric-writer.ts';
import { checkReadingColumns, readingColumns } from './reading-columns.ts';
import { validateReadings } from './reading-validation.ts';
import type { Actor, ReadingColumns, WriteResult } from './types.ts';

export interface WriteOptions {
  /**
   * Readings older than the raw-retention horizon can no longer be checked for duplicates:
   * `reject` (default) refuses the batch, `skip` drops just those readings (importers use it so
   * importing a file twice stays a no-op).
   */
  beforeHorizon?: 'reject' | 'skip';
}

/** What {@link AuditedWrites} works with: the store's parts, its clock and its transaction. */
export interface AuditedWritesParts {
  writer: NumericWriter;
  /** The catalogue entry of a numeric (gauge or counter) datasource, or a 404/400. */
  numeric: (id: string) => CatalogueEntry;
  ingest: IngestWindows;
  localDays: LocalDayCache;
  columnsCache: ColumnsCache;
  now: () => number;
  transaction: <T>(fn: () => T) => T;
}

/**
 * The store's numeric writes: a batch (as `{ t, v }` objects or as columns) or batches for several
 * datasources, each written with its rollups and audited through its ingest window in the same
 * transaction, with the local-day and columns caches told. {@link Store} delegates its write
 * methods here (store.ts had reached 433 lines), as it does its reads to `AuditedReads` and its
 * events to `AuditedEvents`. Objects are validated and turned into columns; columns are checked
 * (`checkReadingColumns`); from there on every write is one path.
 *
 * @example
 * const writes = new AuditedWrites({ writer, numeric, ingest, localDays, columnsCache, now, transaction });
 * writes.writeReadings('meter.power', [{ t: Date.now(), v: 230 }], 'driver:p1');
 */
export class AuditedWrites {
  readonly #p: AuditedWritesParts;

  constructor(parts: AuditedWritesParts) {
    this.#p = parts;
  }

  writeReadings(id: string, input: unknown, actor: Actor, options: WriteOptions): WriteResult {
    const readings = readingColumns(validateReadings(input));
    return this.#p.transaction(() => this.#writeSorted(id, readings, actor, options));
  }

  writeReadingColumns(
    id: string,
    readings: ReadingColumns,
    actor: Actor,
    options: WriteOptions,
  ): WriteResult {
    checkReadingColumns(readings, 'readings');
    return this.#p.transaction(() => this.#writeSorted(id, readings, actor, options));
  }

  writeMany(
    batches: ReadonlyArray<{ id: string; readings: unknown }>,
    actor: Actor,
    options: WriteOptions,
  ): Map<string, WriteResult> {
    const validated = batches.map((b, i) => ({
      id: b.id,
      readings: readingColumns(validateReadings(b.readings, `batches[${i}].readings`)),
    }));
    return this.#writeBatches(validated, actor, options);
  }

  writeManyColumns(
    batches: ReadonlyArray<{ id: string; readings: ReadingColumns }>,
    actor: Actor,
    options: WriteOptions,
  ): Map<string, WriteResult> {
    for (const [i, b] of batches.entries()) checkReadingColumns(b.readings, `batches[${i}].readings`);
    return this.#writeBatches(batches, actor, options);
  }

  #writeBatches(
    batches: ReadonlyArray<{ id: string; readings: ReadingColumns }>,
    actor: Actor,
    options: WriteOptions,
  ): Map<string, WriteResult> {
    return this.#p.transaction(() => {
      const results = new Map<string, WriteResult>();
      for (const batch of batches) {
        const result = this.#writeSorted(batch.id, batch.readings, actor, options);
        const before = results.get(batch.id);
        results.set(
          batch.id,
          before
            ? { written: before.written + result.written, duplicates: before.duplicates + result.duplicates }
            : result,
        );
      }
      return results;
    });
  }

  /** Writes validated, sorted readings; runs inside the caller's transaction. */
  #writeSorted(id: string, sorted: ReadingColumns, actor: Actor, options: WriteOptions): WriteResult {
    const p = this.#p;
    let readings = sorted;
    const entry = p.numeric(id);
    let skipped = 0;
    if (readings.t.length > 0 && readings.t[0] < entry.rawHorizon) {
      if (options.beforeHorizon !== 'skip') {
        throw new BadRequestError(
          `readings before ${new Date(entry.rawHorizon).toISOString()} can no longer be written to "${id}": raw data up to then has expired under its retention`,
        );
      }
      // sorted: the readings behind the horizon are a prefix
      let keep = 0;
      while (keep < readings.t.length && readings.t[keep] < entry.rawHorizon) keep++;
      skipped = keep;
      readings = { t: readings.t.subarray(keep), v: readings.v.subarray(keep) };
    }
    const count = readings.t.length;
    if (count === 0) return { ...p.writer.write(entry, readings), ...(skipped ? { skipped } : {}) };
    const first = readings.t[0];
    const last = readings.t[count - 1];
    // the window's row is updated in this transaction, so readings and their audit commit together
    const now = p.now();
    const window = p.ingest.open(id, actor, now);
    const result = p.writer.write(entry, readings, window.digest);
    // before the commit, and whatever was written: a cached chunk is never newer than its rows
    p.columnsCache.written(entry.sid, first);
    if (result.written > 0) p.localDays.written(entry.sid, entry.valueType === 'counter', first, last);
    window.written += result.written;
    window.duplicates += result.duplicates;
    window.skipped += skipped;
    window.from = Math.min(window.from, first);
    window.to = Math.max(window.to, last);
    p.ingest.save(window, now);
    return skipped ? { ...result, skipped } : result;
  }
}
