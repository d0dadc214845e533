import type Database from 'better-sqlite3';
import type { AuditLog } from './audit-log.ts';
import { consistencyPath, EMPTY_ROOT, inclusionPath, leafHash, nodeHash, rootOf } from './merkle.ts';

// Nodes of 16 leaves and up are stored (1/8 of the leaves in rows); smaller subtrees are rebuilt
// from the entry hashes, at most 16 reads.
const CHUNK_LEVEL = 4;
const CHUNK = 1 << CHUNK_LEVEL;
const PAGE_CHUNKS = 128;

/**
 * The Merkle tree over the audit log (hashing in `merkle.ts`), with complete subtrees of 16 leaves
 * and more kept in `audit_merkle` so a root or a proof costs O(log n) reads, and keeping up costs
 * O(new entries). `rebuild` recomputes every stored node from the entries (the start check does,
 * so a rewritten log cannot hide behind nodes stored before the rewrite).
 */
export class MerkleTree {
  readonly #db: Database.Database;
  readonly #log: AuditLog;

  constructor(db: Database.Database, log: AuditLog) {
    this.#db = db;
    this.#log = log;
    if (!db.readonly) {
      db.exec(`
        CREATE TABLE IF NOT EXISTS audit_merkle (level INTEGER NOT NULL, idx INTEGER NOT NULL,
          hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS audit_merkle_size (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL);
      `);
    }
  }

  /** Leaves covered by stored chunks (a multiple of 16). */
  storedSize(): number {
    const row = this.#db.prepare('SELECT size FROM audit_merkle_size WHERE id = 1').get() as
      | { size: number }
      | undefined;
    return row?.size ?? 0;
  }

  /** Stores the nodes of every complete chunk up to `size` leaves (default: the head). */
  catchUp(size = this.#log.head().seq): void {
    let stored = this.storedSize();
    if (stored + CHUNK > size) return;
    const insert = this.#db.prepare(
      'INSERT OR REPLACE INTO audit_merkle (level, idx, hash) VALUES (?, ?, ?)',
    );
    const get = this.#db.prepare('SELECT hash FROM audit_merkle WHERE level = ? AND idx = ?').pluck();
    const setSize = this.#db.prepare('INSERT OR REPLACE INTO audit_merkle_size (id, size) VALUES (1, ?)');
    while (stored + CHUNK <= size) {
      const chunks = Math.min(PAGE_CHUNKS, Math.floor((size - stored) / CHUNK));
      const hashes = this.#log.hashes(stored + 1, stored + chunks * CHUNK);
      this.#db.transaction(() => {
        for (let c = 0; c < chunks; c++) {
          let node = rootOf(hashes.slice(c * CHUNK, (c + 1) * CHUNK).map(leafHash));
          let level = CHUNK_LEVEL;
          let idx = stored / CHUNK + c;
          insert.run(level, idx, node);
          while (idx % 2 === 1) {
            node = nodeHash(get.get(level, idx - 1) as Buffer, node);
            level++;
            idx = (idx - 1) / 2;
            insert.run(level, idx, node);
          }
        }
        setSize.run(stored + chunks * CHUNK);
      })();
      stored += chunks * CHUNK;
    }
  }

  /** Drops the stored nodes and recomputes them from the entries. */
  rebuild(): void {
    this.#db.exec('DELETE FROM audit_merkle; DELETE FROM audit_merkle_size;');
    this.catchUp();
  }

  /** MTH of the first `size` leaves. */
  root(size: number): Buffer {
    this.catchUp(size);
    return size === 0 ? EMPTY_ROOT : this.#subtree(0, size);
  }

  /** Audit path of entry `seq` in the tree of `size` leaves. */
  inclusionProof(seq: number, size: number): Buffer[] {
    if (seq < 1 || seq > size) throw new Error(`entry ${seq} is not in a tree of ${size} entries`);
    this.catchUp(size);
    return inclusionPath(seq - 1, 0, size, (a, b) => this.#subtree(a, b));
  }

  /** Consistency proof from the tree of `size1` leaves to the tree of `size2`. */
  consistencyProof(size1: number, size2: number): Buffer[] {
    this.catchUp(size2);
    return consistencyPath(size1, size2, (a, b) => this.#subtree(a, b));
  }

  #subtree(start: number, end: number): Buffer {
    const n = end - start;
    const aligned = (n & (n - 1)) === 0 && start % n === 0;
    if (aligned && n >= CHUNK && end <= this.storedSize()) {
      const level = Math.log2(n);
      const hash = this.#db
        .prepare('SELECT hash FROM audit_merkle WHERE level = ? AND idx = ?')
        .pluck()
        .get(level, start / n) as Buffer | undefined;
      if (hash) return hash;
    }
    if (n <= CHUNK) return rootOf(this.#log.hashes(start + 1, end).map(leafHash));
    let k = 1;
    while (k * 2 < n) k *= 2;
    return nodeHash(this.#subtree(start, start + k), this.#subtree(start + k, end));
  }
}
