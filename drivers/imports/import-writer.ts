import { BadRequestError } from '../../box/errors.ts';
import type { Store } from '../../box/store/store.ts';
import type { DatasourceSpec, Reading } from '../../box/store/types.ts';

/** Audit actor of every import. */
export const IMPORT_ACTOR = 'driver:import';
/** Readings per store transaction: large enough to be fast, small enough to keep the write lock briefly. */
export const IMPORT_BATCH = 5000;

/** How far an import has got; passed to `onProgress` after each stored batch. */
export interface ImportProgress {
  /** Readings handed to the store so far. */
  readings: number;
  written: number;
  duplicates: number;
  /** Bytes of the file read so far, and its size, when known. */
  bytesRead?: number;
  totalBytes?: number;
}

/** A row or element that could not be imported, and where. */
export interface ImportRowError {
  /** 1-based line of the file (CSV), or the index in `results` (Octopus API JSON). */
  line: number;
  path: string;
  message: string;
}

/** What an import did. Importing the same file again gives `written: 0` and every reading a duplicate. */
export interface ImportSummary {
  /** Datasources the file fed (created if they did not exist). */
  datasources: string[];
  /** Readings found in the file and handed to the store. */
  readings: number;
  /** Readings stored now. */
  written: number;
  /** Readings whose timestamp was already stored (first write wins). */
  duplicates: number;
  /** Readings older than a datasource's raw-retention horizon, left out. */
  skipped: number;
  /** Rows that could not be used, with their line numbers. */
  errors: ImportRowError[];
  /** Things worth knowing that are not row errors (e.g. more pages to fetch). */
  notes: string[];
}

/**
 * Buffers readings per datasource and writes them to the store in batches of
 * {@link IMPORT_BATCH}, as `driver:import`, skipping readings before the retention horizon so a
 * re-import stays a no-op. Creates each datasource on first use.
 *
 * @example
 * ```ts
 * const writer = new ImportWriter(store, (p) => console.error(p.written));
 * writer.add(spec, { t, v });
 * writer.flush();
 * writer.totals(); // { readings, written, duplicates, skipped }
 * ```
 */
export class ImportWriter {
  private readonly pending = new Map<string, Reading[]>();
  private readonly known = new Set<string>();
  private buffered = 0;
  private readonly counts = { readings: 0, written: 0, duplicates: 0, skipped: 0 };
  /** Updated by the caller as it reads the file, for progress. */
  bytesRead: number | undefined;

  constructor(
    private readonly store: Store,
    private readonly onProgress?: (progress: ImportProgress) => void,
    readonly totalBytes?: number,
  ) {}

  /** Datasource ids used so far, in first-use order. */
  get datasources(): string[] {
    return [...this.known];
  }

  /**
   * Creates the datasource if missing; an existing one must hold numbers in the same unit.
   *
   * @throws BadRequestError when the id exists with another unit or value type.
   */
  ensure(spec: DatasourceSpec): void {
    if (this.known.has(spec.id)) return;
    const stored = this.store.ensureDatasource({ ...spec }, IMPORT_ACTOR);
    if (stored.unit !== spec.unit || (stored.valueType !== 'gauge' && stored.valueType !== 'counter')) {
      throw new BadRequestError(
        `datasource "${spec.id}" exists with unit "${stored.unit}" (${stored.valueType}); this import writes ${spec.unit} ${spec.valueType} values: choose another id`,
      );
    }
    this.known.add(spec.id);
  }

  add(spec: DatasourceSpec, reading: Reading): void {
    this.ensure(spec);
    const list = this.pending.get(spec.id);
    if (list) list.push(reading);
    else this.pending.set(spec.id, [reading]);
    if (++this.buffered >= IMPORT_BATCH) this.flush();
  }

  /** Writes everything buffered in one transaction. */
  flush(): void {
    if (this.buffered === 0) return;
    const batches = [...this.pending].map(([id, readings]) => ({ id, readings }));
    this.pending.clear();
    this.counts.readings += this.buffered;
    this.buffered = 0;
    const results = this.store.writeMany(batches, IMPORT_ACTOR, { beforeHorizon: 'skip' });
    for (const result of results.values()) {
      this.counts.written += result.written;
      this.counts.duplicates += result.duplicates;
      this.counts.skipped += (result as { skipped?: number }).skipped ?? 0;
    }
    this.onProgress?.({
      readings: this.counts.readings,
      written: this.counts.written,
      duplicates: this.counts.duplicates,
      ...(this.bytesRead !== undefined && { bytesRead: this.bytesRead }),
      ...(this.totalBytes !== undefined && { totalBytes: this.totalBytes }),
    });
  }

  totals(): { readings: number; written: number; duplicates: number; skipped: number } {
    return { ...this.counts };
  }
}
