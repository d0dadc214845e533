import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { AuditLog } from './audit-log.ts';
import type { BoxKey } from './box-key.ts';
import { type Checkpoint, signCheckpoint, verifyCheckpoint } from './checkpoint.ts';
import { leafHash, verifyInclusion } from './merkle.ts';
import { MerkleTree } from './merkle-tree.ts';

/** Where checkpoints are kept outside the database: `<home>/checkpoints/latest`. */
export function checkpointDir(home: string): string {
  return join(home, 'checkpoints');
}

/**
 * Signed checkpoints of the audit log: made on a schedule and on demand, kept in
 * `audit_checkpoint` and as `<home>/checkpoints/latest` (outside the database, so a database
 * that went backwards or was replaced cannot take its own evidence with it).
 */
export class Checkpoints {
  readonly tree: MerkleTree;
  readonly #db: Database.Database;
  readonly #log: AuditLog;
  readonly #key: BoxKey;
  readonly #dir: string;

  constructor(db: Database.Database, log: AuditLog, key: BoxKey, home: string) {
    this.#db = db;
    this.#log = log;
    this.#key = key;
    this.#dir = checkpointDir(home);
    this.tree = new MerkleTree(db, log);
    db.exec(`CREATE TABLE IF NOT EXISTS audit_checkpoint (size INTEGER PRIMARY KEY, root TEXT NOT NULL,
      note TEXT NOT NULL, at INTEGER NOT NULL)`);
  }

  get latestPath(): string {
    return join(this.#dir, 'latest');
  }

  /** Signs the tree at the current head (unless the latest checkpoint already has that size) and saves it. */
  make(now = Date.now()): Checkpoint & { note: string } {
    const size = this.#log.head().seq;
    const last = this.latest();
    if (last && last.size === size && existsSync(this.latestPath)) return last;
    const root = this.tree.root(size);
    const note = signCheckpoint(this.#key, size, root);
    this.#db
      .prepare('INSERT OR REPLACE INTO audit_checkpoint (size, root, note, at) VALUES (?, ?, ?, ?)')
      .run(size, root.toString('hex'), note, now);
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const temp = `${this.latestPath}.tmp`;
    writeFileSync(temp, note, { mode: 0o600 });
    renameSync(temp, this.latestPath);
    return { ...verifyCheckpoint(note, this.#key), note };
  }

  /** Whether the stored tree gives the signed root and holds entry `size`'s current hash at its place. */
  #extends(checkpoint: Checkpoint): boolean {
    const { size, root } = checkpoint;
    const last = this.#log.hashAt(size);
    if (last === undefined || !this.tree.root(size).equals(root)) return false;
    return verifyInclusion(size - 1, size, leafHash(last), this.tree.inclusionProof(size, size), root);
  }

  /** The newest checkpoint in the database. */
  latest(): (Checkpoint & { note: string }) | undefined {
    const row = this.#db.prepare('SELECT note FROM audit_checkpoint ORDER BY size DESC LIMIT 1').get() as
      | { note: string }
      | undefined;
    return row ? { ...verifyCheckpoint(row.note, this.#key), note: row.note } : undefined;
  }

  /**
   * The start check: the log must still contain the tree of `<home>/checkpoints/latest`. Costs
   * O(new entries + log n): the stored nodes must give the signed root, and the entry at the
   * checkpoint's size, with the hash it has now, must be in the signed tree (an inclusion proof).
   * Entry N's hash commits to every entry before it through the chain, so a rewrite-and-rehash, a
   * fork or a replaced database fails this even when stale nodes still give the old root. Only
   * when it fails is the tree rebuilt from the entries (O(entries)) before refusing, so stale or
   * damaged nodes alone never stop the box. Throws an error naming the file and what to do.
   */
  checkAtStart(): { size: number } | undefined {
    if (!existsSync(this.latestPath)) return undefined;
    const file = this.latestPath;
    let checkpoint: Checkpoint;
    try {
      checkpoint = verifyCheckpoint(readFileSync(file, 'utf8'), this.#key);
    } catch (error) {
      throw new Error(
        `audit checkpoint ${file} does not verify with this box's key (${(error as Error).message}). If the box key was replaced on purpose, move the file away to start anyway.`,
      );
    }
    const head = this.#log.head().seq;
    const what = `Restore the database from a backup that contains entry ${checkpoint.size}, or, if it was reset on purpose, move ${file} away (keep it as evidence) and start again.`;
    if (head < checkpoint.size) {
      throw new Error(
        `the audit log went backwards: ${file} was signed at ${checkpoint.size} entries but the database has ${head} (it was truncated or replaced by an older copy; continuing would reuse sequence numbers). ${what}`,
      );
    }
    if (checkpoint.size === 0 || this.#extends(checkpoint)) return { size: checkpoint.size };
    // something is off (or the stored nodes are stale): decide from the entries themselves
    this.tree.rebuild();
    if (!this.tree.root(checkpoint.size).equals(checkpoint.root)) {
      throw new Error(
        `the audit log forked: its first ${checkpoint.size} entries are not the ones ${file} signed (history was rewritten, or this database comes from another copy of the box). ${what}`,
      );
    }
    return { size: checkpoint.size };
  }
}
