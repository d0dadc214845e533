import type Database from 'better-sqlite3';
import type { ColumnsCache, ColumnsPart } from './columns-cache.ts';
import { rollupTable } from './rollup-tables.ts';

/** Buckets per cached chunk: 21 days at 30 min, 17 h at 1 min, 2.8 years at 1 d. */
export const CHUNK_BUCKETS = 1024;
/** Below this many whole closed chunks a read is one statement, as before the cache. */
const MIN_CHUNKS = 2;

type Row = [count: number, first: number | null, last: number | null, v: string | null, n: string | null];

/** What a rollup columns read selects: the value's SQL, the keep filter, the bucket width. */
export interface RollupColumnsQuery {
  sid: number;
  width: number;
  /** SQL of the value (`sum / n`, …) and the `AND n > 0` filter (or ''): part of the cache key. */
  value: string;
  keep: string;
  /** First bucket start and the end (exclusive) of the read. */
  start: number;
  to: number;
  limit: number;
  /** The box's clock: only chunks that ended before it are cached. */
  now: number;
}

/**
 * A rollup read as columns of JSON number text, assembled from parts: the whole closed chunks
 * come from the {@link ColumnsCache} (filled on first read), the edges and the open tail from
 * SQLite. Every part is SQLite's own `group_concat` over the same statement, so the text is the
 * same, digit for digit, as one statement over the whole range. A read with a limit smaller than
 * the range, or shorter than two chunks, is one statement.
 */
export class RollupColumns {
  readonly #db: Database.Database;
  readonly #cache: ColumnsCache;
  readonly #statements = new Map<string, { part: Database.Statement; t: Database.Statement }>();
  readonly #snapshot: (fn: () => ColumnsPart[]) => ColumnsPart[];
  readonly #begin: Database.Statement;

  constructor(db: Database.Database, cache: ColumnsCache) {
    this.#db = db;
    this.#cache = cache;
    this.#snapshot = db.transaction((fn: () => ColumnsPart[]) => fn());
    this.#begin = db.prepare('PRAGMA schema_version').pluck();
  }

  read(q: RollupColumnsQuery): ColumnsPart {
    return join(this.readParts(q), q.width);
  }

  /** {@link read} as its parts in bucket order, not joined (the f64 answer joins them as numbers). */
  readParts(q: RollupColumnsQuery): ColumnsPart[] {
    const span = CHUNK_BUCKETS * q.width;
    const firstChunk = Math.ceil(q.start / span) * span;
    const endChunks = Math.floor(Math.min(q.to, q.now) / span) * span;
    if ((endChunks - firstChunk) / span < MIN_CHUNKS || q.limit < (q.to - q.start) / q.width)
      return [this.#part(q, q.start, q.to)];
    // fills are kept only from a snapshot of our own: a caller's transaction may roll back
    const fill = !this.#db.inTransaction;
    return this.#snapshot(() => {
      // the snapshot opens with the first statement that reads the file; from then on
      // data_version tells whether another connection committed since the chunks were filled
      this.#begin.get();
      this.#cache.sync();
      const parts: ColumnsPart[] = [this.#part(q, q.start, firstChunk)];
      for (let chunk = firstChunk; chunk < endChunks; chunk += span) {
        const key = `${q.sid}:${q.width}:${q.keep}:${q.value}:${chunk}`;
        let part = this.#cache.get(key);
        if (!part) {
          part = this.#part(q, chunk, chunk + span);
          if (fill) this.#cache.set(key, q.sid, chunk + span, part);
        }
        parts.push(part);
      }
      parts.push(this.#part(q, endChunks, q.to));
      return parts;
    });
  }

  /** One statement over `[from, to)`, with its `t` column when a bucket is missing. */
  #part(q: RollupColumnsQuery, from: number, to: number): ColumnsPart {
    if (to <= from) return { count: 0, v: '', n: '' };
    const statements = this.#prepared(q);
    const args = [q.sid, from, to, q.limit];
    const [count, first, last, v, n] = statements.part.get(...args) as Row;
    const part: ColumnsPart = { count, v: v ?? '', n: n ?? '' };
    if (count === 0 || first === null || last === null) return part;
    part.first = first;
    part.last = last;
    if ((last - first) / q.width + 1 !== count) part.t = statements.t.get(...args) as string;
    return part;
  }

  #prepared(q: RollupColumnsQuery) {
    const key = `${q.width}:${q.keep}:${q.value}`;
    let statements = this.#statements.get(key);
    if (!statements) {
      // the ORDER BY … LIMIT keeps the subquery from being flattened: group_concat sees bucket order
      const inner = `SELECT bucket AS t, n, ${q.value} AS v FROM ${rollupTable(q.width)} WHERE sid = ? AND bucket >= ? AND bucket < ? ${q.keep} ORDER BY bucket LIMIT ?`;
      statements = {
        part: this.#db
          .prepare(
            `SELECT count(*), min(t), max(t), group_concat(v, ','), group_concat(n, ',') FROM (${inner})`,
          )
          .raw(),
        t: this.#db.prepare(`SELECT group_concat(t, ',') FROM (${inner})`).pluck(),
      };
      this.#statements.set(key, statements);
    }
    return statements;
  }
}

/** Parts in bucket order joined into one; `t` only when the whole is not evenly spaced. */
function join(parts: ColumnsPart[], width: number): ColumnsPart {
  const full = parts.filter((p) => p.count > 0);
  if (full.length === 0) return { count: 0, v: '', n: '' };
  const count = full.reduce((sum, p) => sum + p.count, 0);
  const first = full[0].first as number;
  const last = full[full.length - 1].last as number;
  const joined: ColumnsPart = {
    count,
    first,
    last,
    v: full.map((p) => p.v).join(','),
    n: full.map((p) => p.n).join(','),
  };
  if ((last - first) / width + 1 !== count)
    joined.t = full.map((p) => p.t ?? evenTimes(p.first as number, p.count, width)).join(',');
  return joined;
}

/** `first, first + width, …` as text: a part with no missing bucket stores no `t`. */
function evenTimes(first: number, count: number, width: number): string {
  const times = new Array<number>(count);
  for (let i = 0; i < count; i++) times[i] = first + i * width;
  return times.join(',');
}
