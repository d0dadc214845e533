import type Database from 'better-sqlite3';
import { BadRequestError } from '../errors.ts';

export const MAX_KV_VALUE_BYTES = 256 * 1024;

/**
 * Key-value namespaces: `app:<id>` (an app's private state, wiped on uninstall),
 * `datasource:<id>` (a kv datasource), `box` (the box's own settings). Values are JSON.
 */
export class KvStore {
  readonly #get: Database.Statement<[string, string], { value: string }>;
  readonly #set: Database.Statement;
  readonly #delete: Database.Statement;
  readonly #list: Database.Statement<[string], { key: string; value: string; updated_at: number }>;
  readonly #wipe: Database.Statement;
  readonly #entry: Database.Statement<[string, string], { key: string; value: string; updated_at: number }>;
  readonly #page: Database.Statement<
    [string, string, number],
    { key: string; value: string; updated_at: number }
  >;
  readonly #usage: Database.Statement<[string], { keys: number; bytes: number | null }>;
  readonly #entryBytes: Database.Statement<[string, string], { bytes: number }>;

  constructor(db: Database.Database) {
    this.#get = db.prepare('SELECT value FROM kv WHERE ns = ? AND key = ?');
    this.#set = db.prepare(
      'INSERT INTO kv (ns, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    this.#delete = db.prepare('DELETE FROM kv WHERE ns = ? AND key = ?');
    this.#list = db.prepare('SELECT key, value, updated_at FROM kv WHERE ns = ? ORDER BY key');
    this.#wipe = db.prepare('DELETE FROM kv WHERE ns = ?');
    this.#entry = db.prepare('SELECT key, value, updated_at FROM kv WHERE ns = ? AND key = ?');
    this.#page = db.prepare(
      'SELECT key, value, updated_at FROM kv WHERE ns = ? AND key > ? ORDER BY key LIMIT ?',
    );
    // bytes as quotas count them: UTF-8 key + JSON value
    this.#usage = db.prepare(
      'SELECT COUNT(*) AS keys, SUM(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))) AS bytes FROM kv WHERE ns = ?',
    );
    this.#entryBytes = db.prepare(
      'SELECT length(CAST(key AS BLOB)) + length(CAST(value AS BLOB)) AS bytes FROM kv WHERE ns = ? AND key = ?',
    );
  }

  get(ns: string, key: string): unknown {
    const row = this.#get.get(ns, key);
    return row === undefined ? undefined : JSON.parse(row.value);
  }

  set(ns: string, key: string, value: unknown, now: number): void {
    if (key.length === 0 || key.length > 256) throw new BadRequestError('a kv key must be 1–256 characters');
    const json = JSON.stringify(value);
    if (json === undefined) throw new BadRequestError(`kv value for "${key}" must be JSON (got undefined)`);
    if (Buffer.byteLength(json) > MAX_KV_VALUE_BYTES) {
      throw new BadRequestError(`kv value for "${key}" is larger than ${MAX_KV_VALUE_BYTES} bytes`);
    }
    this.#set.run(ns, key, json, now);
  }

  delete(ns: string, key: string): boolean {
    return this.#delete.run(ns, key).changes > 0;
  }

  list(ns: string): Array<{ key: string; value: unknown; updatedAt: number }> {
    return this.#list
      .all(ns)
      .map((r) => ({ key: r.key, value: JSON.parse(r.value), updatedAt: r.updated_at }));
  }

  /** Up to `limit` entries whose key sorts after `after` ('' for the first page), in key order. */
  page(ns: string, after: string, limit: number): Array<{ key: string; value: unknown; updatedAt: number }> {
    return this.#page
      .all(ns, after, limit)
      .map((r) => ({ key: r.key, value: JSON.parse(r.value), updatedAt: r.updated_at }));
  }

  /** The entry of one key with when it was set, or undefined. */
  entry(ns: string, key: string): { key: string; value: unknown; updatedAt: number } | undefined {
    const row = this.#entry.get(ns, key);
    return row && { key: row.key, value: JSON.parse(row.value), updatedAt: row.updated_at };
  }

  /** Keys in the namespace and their bytes (UTF-8 key + JSON value), for quotas. */
  usage(ns: string): { keys: number; bytes: number } {
    const row = this.#usage.get(ns);
    return { keys: row?.keys ?? 0, bytes: row?.bytes ?? 0 };
  }

  /** Bytes of one entry (UTF-8 key + JSON value), or undefined when the key is not set. */
  entryBytes(ns: string, key: string): number | undefined {
    return this.#entryBytes.get(ns, key)?.bytes;
  }

  /** Deletes a whole namespace; returns how many keys went. */
  wipe(ns: string): number {
    return this.#wipe.run(ns).changes;
  }
}
