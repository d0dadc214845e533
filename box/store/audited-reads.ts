import type { AuditLog } from '../audit/audit-log.ts';
import type { CatalogueEntry } from './catalogue.ts';
import { type BinaryColumns, binaryFromText } from './columns-binary.ts';
import type { ColumnsRead, NumericReader } from './numeric-reader.ts';
import { validateRange } from './reading-validation.ts';
import type { AggregatePoint, AggregateQuery, ReadAudit, Reading } from './types.ts';

/**
 * The store's numeric reads, each with its audit entry (`readings.read`) when the caller passes
 * one: the latest readings, a range raw or per bucket, and the same range as columns of JSON
 * number text, typed arrays or the rows' JSON. {@link Store} delegates its read methods here
 * (store.ts had reached 456 lines); the range check, the datasource and the audit entry are in
 * one frame for every kind of read.
 *
 * @example
 * const reads = new AuditedReads(reader, audit, (id) => catalogue.get(id), Date.now);
 * reads.read('meter.power', { from, to, resolution: '30min', aggregate: 'mean' });
 */
export class AuditedReads {
  readonly #reader: NumericReader;
  readonly #audit: AuditLog;
  readonly #numeric: (id: string) => CatalogueEntry;
  readonly #now: () => number;

  constructor(
    reader: NumericReader,
    audit: AuditLog,
    numeric: (id: string) => CatalogueEntry,
    now: () => number,
  ) {
    this.#reader = reader;
    this.#audit = audit;
    this.#numeric = numeric;
    this.#now = now;
  }

  #logRead(audit: ReadAudit | undefined, id: string, details: Record<string, unknown>): void {
    if (audit)
      this.#audit.append({
        actor: audit.actor,
        action: 'readings.read',
        subject: id,
        details: { ...details, ...audit.details },
      });
  }

  latest(id: string, audit?: ReadAudit): Reading | undefined {
    const [reading] = this.#reader.lastN(this.#numeric(id), 1);
    this.#logRead(audit, id, { query: 'latest', rows: reading ? 1 : 0 });
    return reading;
  }

  lastN(id: string, n: number, audit?: ReadAudit): Reading[] {
    const rows = this.#reader.lastN(this.#numeric(id), n);
    this.#logRead(audit, id, { query: 'last', n, rows: rows.length });
    return rows;
  }

  /**
   * Reads `[from, to)`: raw rows when `resolution` is `raw`, else one aggregate per bucket from the
   * rollups (`mean|min|max|sum|count|first|last|delta`).
   */
  read(id: string, query: AggregateQuery, audit?: ReadAudit): Reading[] | AggregatePoint[] {
    return this.#auditedRead(id, query, audit, (entry) => {
      const rows =
        query.resolution === 'raw'
          ? this.#reader.raw(entry, query)
          : this.#reader.rollup(entry, { ...query, resolution: query.resolution });
      return { result: rows, rows: rows.length };
    });
  }

  /**
   * {@link read} as columns of JSON number text (`?format=columns`): one SQLite row, no object
   * per bucket, for long reads such as a year at 30 minutes. Audited like `read`.
   */
  readColumns(id: string, query: AggregateQuery, audit?: ReadAudit): ColumnsRead {
    return this.#auditedRead(id, query, audit, (entry) => {
      const columns =
        query.resolution === 'raw'
          ? this.#reader.rawColumns(entry, query)
          : this.#reader.rollupColumns(entry, { ...query, resolution: query.resolution, now: this.#now() });
      return { result: columns, rows: columns.count };
    });
  }

  /**
   * {@link readColumns} as typed arrays (`?format=f64`): the numbers of a cached rollup chunk are
   * parsed from its text once and kept beside it. Audited like `read`.
   */
  readBinary(id: string, query: AggregateQuery, audit?: ReadAudit): BinaryColumns {
    return this.#auditedRead(id, query, audit, (entry) => {
      const columns =
        query.resolution === 'raw'
          ? binaryFromText(this.#reader.rawColumns(entry, query))
          : this.#reader.rollupBinary(entry, { ...query, resolution: query.resolution, now: this.#now() });
      return { result: columns, rows: columns.count };
    });
  }

  /**
   * {@link read} as the JSON text of its rows (`[{"t","v"[,"n"]},…]`), built by SQLite: what the
   * HTTP API sends, without a JavaScript object per row. Audited like `read`.
   */
  readJson(id: string, query: AggregateQuery, audit?: ReadAudit): { count: number; json: string } {
    return this.#auditedRead(id, query, audit, (entry) => {
      const result = this.#reader.json(entry, query);
      return { result, rows: result.count };
    });
  }

  /** The frame of every numeric read: range check, the datasource, the read, its audit entry. */
  #auditedRead<T>(
    id: string,
    query: AggregateQuery,
    audit: ReadAudit | undefined,
    readRows: (entry: CatalogueEntry) => { result: T; rows: number },
  ): T {
    validateRange(query.from, query.to);
    const { result, rows } = readRows(this.#numeric(id));
    this.#logRead(audit, id, {
      resolution: query.resolution,
      aggregate: query.resolution === 'raw' ? null : query.aggregate,
      from: query.from,
      to: query.to,
      rows,
    });
    return result;
  }
}
