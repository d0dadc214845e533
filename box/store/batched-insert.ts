import type Database from 'better-sqlite3';

/**
 * Runs one INSERT (or upsert) for many rows at a time: `INSERT … VALUES (?,…),(?,…),…`.
 * better-sqlite3 pays a fixed cost per `run()` call (binding, stepping, resetting, crossing into
 * C++), which for a 4-column reading was about half the cost of storing it; a 64-row statement
 * pays it once per 64 rows. Rows are buffered by {@link put} / {@link push} and written by
 * {@link flush}, which the caller must call before the transaction commits (and before reading
 * what it wrote).
 */
export class BatchedInsert {
  readonly #db: Database.Database;
  readonly #head: string;
  readonly #tail: string;
  readonly #columns: number;
  readonly #statements = new Map<number, Database.Statement>();
  /** One full chunk's parameters, reused: values are bound at `run()`, so the array can be refilled. */
  readonly #params: unknown[];
  #length = 0;

  /**
   * `head` is everything before `VALUES` (`INSERT INTO t (a, b)`), `tail` anything after the
   * value rows (an `ON CONFLICT … DO UPDATE` clause), `columns` the values per row.
   */
  constructor(db: Database.Database, head: string, columns: number, tail = '') {
    this.#db = db;
    this.#head = head;
    this.#tail = tail;
    this.#columns = columns;
    this.#params = new Array(CHUNK_ROWS * columns).fill(null);
  }

  /**
   * Buffers one value; `columns` consecutive values make a row. The ingest hot path calls this
   * per value rather than {@link push}, so no array is built per row. A full chunk is written.
   */
  put(value: unknown): void {
    this.#params[this.#length++] = value;
    if (this.#length === this.#params.length) {
      this.#statement(CHUNK_ROWS).run(this.#params);
      this.#length = 0;
    }
  }

  /** Buffers one row (exactly `columns` values); writes a full chunk at once. */
  push(...row: unknown[]): void {
    for (const value of row) this.put(value);
  }

  /**
   * Drops buffered rows unwritten. The writer calls it when a write fails part-way, so rows of a
   * rolled-back transaction can never be written by the next one.
   */
  clear(): void {
    this.#length = 0;
  }

  /** Writes every buffered row: chunks of 8, then single rows (full chunks of 64 went at once). */
  flush(): void {
    const length = this.#length;
    if (length === 0) return;
    this.#length = 0;
    if (length % this.#columns !== 0)
      throw new Error(`BatchedInsert: ${length} values buffered, not whole rows of ${this.#columns}`);
    let rows = length / this.#columns;
    let at = 0;
    for (const size of [8, 1]) {
      while (rows >= size) {
        this.#statement(size).run(this.#params.slice(at, at + size * this.#columns));
        at += size * this.#columns;
        rows -= size;
      }
    }
  }

  #statement(rows: number): Database.Statement {
    let statement = this.#statements.get(rows);
    if (statement === undefined) {
      const row = `(${new Array(this.#columns).fill('?').join(', ')})`;
      statement = this.#db.prepare(
        `${this.#head} VALUES ${new Array(rows).fill(row).join(', ')} ${this.#tail}`,
      );
      this.#statements.set(rows, statement);
    }
    return statement;
  }
}

/** Rows per statement: 64 × 12 rollup columns = 768 parameters, far below SQLite's limit. */
const CHUNK_ROWS = 64;
