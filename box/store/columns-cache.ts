import type Database from 'better-sqlite3';

/** One contiguous part of a columns read: its buckets' `v` and `n` as JSON number text. */
export interface ColumnsPart {
  count: number;
  /** First and last bucket start (undefined when empty). */
  first?: number;
  last?: number;
  v: string;
  n: string;
  /** The bucket starts, only when the part is not evenly spaced (a bucket is missing). */
  t?: string;
}

interface Entry {
  sid: number;
  /** End of the chunk (exclusive), ms: a write at or after it cannot change the chunk. */
  end: number;
  part: ColumnsPart;
  chars: number;
}

/** Text kept at most, in characters (≈ bytes): a year at 30 min of one series is ~0.45 M. */
export const COLUMNS_CACHE_CHARS = 4 * 1024 * 1024;

/**
 * The encoded columns of closed rollup chunks (a fixed, epoch-aligned run of buckets), so a long
 * read such as a year at 30 min costs SQLite only its open tail and its two partial edges.
 *
 * It stays exact the way {@link LocalDayCache} does, and more strictly: every change to the
 * rollups made through this connection drops the chunks it can touch before it commits
 * ({@link written} from the first reading of a batch or erasure on: a counter's later increment
 * can change with it; {@link forget} on deletion), and a commit by any other connection (the CLI
 * sharing the file) drops everything, seen through `PRAGMA data_version` in the reader's snapshot
 * ({@link sync}). A rolled-back write only leaves chunks dropped; chunks are filled only outside
 * a caller's transaction, so nothing uncommitted is ever kept.
 *
 * @example
 * ```ts
 * const cache = new ColumnsCache(db);
 * cache.sync();
 * cache.get(key) ?? cache.set(key, sid, end, part);
 * cache.written(sid, firstReadingT); // in the write's transaction
 * ```
 */
export class ColumnsCache {
  readonly #entries = new Map<string, Entry>();
  readonly #version: Database.Statement<[], number>;
  readonly #limit: number;
  #chars = 0;
  #dataVersion = -1;

  constructor(db: Database.Database, limit = COLUMNS_CACHE_CHARS) {
    this.#version = db.prepare('PRAGMA data_version').pluck() as Database.Statement<[], number>;
    this.#limit = limit;
  }

  /** Drops everything when another connection committed since the last call (call in a snapshot). */
  sync(): void {
    const version = this.#version.get() as number;
    if (version !== this.#dataVersion) this.clear();
    this.#dataVersion = version;
  }

  get(key: string): ColumnsPart | undefined {
    return this.#entries.get(key)?.part;
  }

  set(key: string, sid: number, end: number, part: ColumnsPart): void {
    const chars = part.v.length + part.n.length + (part.t?.length ?? 0) + key.length;
    if (chars > this.#limit) return;
    this.#drop(key);
    // evict the oldest fills first (a Map iterates in insertion order)
    for (const [old] of this.#entries) {
      if (this.#chars + chars <= this.#limit) break;
      this.#drop(old);
    }
    this.#entries.set(key, { sid, end, part, chars });
    this.#chars += chars;
  }

  /** Rollups of `sid` from `from` on changed (a write or an erasure): drops the chunks ending after it. */
  written(sid: number, from: number): void {
    for (const [key, entry] of this.#entries) if (entry.sid === sid && entry.end > from) this.#drop(key);
  }

  /** The datasource is gone. */
  forget(sid: number): void {
    for (const [key, entry] of this.#entries) if (entry.sid === sid) this.#drop(key);
  }

  clear(): void {
    this.#entries.clear();
    this.#chars = 0;
  }

  /** Characters held (for tests and the bench). */
  get size(): number {
    return this.#chars;
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#chars -= entry.chars;
  }
}
