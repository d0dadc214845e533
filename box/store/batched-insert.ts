import type Database from 'better-sqlite3';

/**
 * Runs one INSERT (or upsert) for many rows at a time: `INSERT … VALUES (?,…),(?,…),…`.
 * better-sqlite3 pays a fixed cost per `run()` call (binding, stepping, resetting, crossing into
 * C++), which for a 4-column reading was about half the cost of storing it; a 64-row statement
 * pays it once per 64 rows. Rows are buffered by {@link push} and written by {@link flush},
 * which the caller must call before the transaction commits (and before reading what it wrote).
 */
export class BatchedInsert {
  readonly #db: Database.Database;
  readonly #head: string;
  readonly #tail: string;
  readonly #columns: number;
  readonly #statements = new Map<number, Database.Statement>();
  #params: unknown[] = [];

  /**
   * `head` is everything before `VALUES` (`INSERT INTO t (a, b)`), `tail` anything after the
   * value rows (an `ON CONFLICT … DO UPDATE` clause), `columns` the values per row.
   */
  constructor(db: Database.Database, head: string, columns: number, tail = '') {
    this.#db = db;
    this.#head = head;
    this.#tail = tail;
    this.#columns = columns;
  }

  /** Buffers one row (exactly `columns` values); writes a full chunk at once. */
  push(...row: unknown[]): void {
    for (const value of row) this.#params.push(value);
    if (this.#params.length >= CHUNK_ROWS * this.#columns) this.flush();
  }

  /**
   * Drops buffered rows unwritten. The writer calls it when a write fails part-way, so rows of a
   * rolled-back transaction can never be written by the next one.
   */
  clear(): void {
    this.#params = [];
  }

  /** Writes every buffered row: full chunks of 64, then 8, then single rows. */
  flush(): void {
    const params = this.#params;
    if (params.length === 0) return;
    this.#params = [];
    let rows = params.length / this.#columns;
    let at = 0;
    for (const size of [CHUNK_ROWS, 8, 1]) {
      while (rows >= size) {
        const slice =
          at === 0 && size * this.#columns === params.length
            ? params
            : params.slice(at, at + size * this.#columns);
        this.#statement(size).run(slice);
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
