/**
 * Group commit with the fsync off the event loop. `write` stores a group in one transaction
 * without waiting for the disk (SQLite WAL, `synchronous=NORMAL`); `sync` flushes the WAL file
 * (`fdatasync` on libuv's thread pool) and calls back. Each item's promise settles only after a
 * `sync` that STARTED after its group was written, so it is on disk, as with `synchronous=FULL`,
 * when it resolves. While one sync runs, new requests keep arriving and are written; the next sync
 * covers all of them at once: one fsync for however many came in during the last one.
 *
 * @example
 * const commits = new GroupCommit((group) => insertAll(group), (done) => fdatasync(walFd, done));
 * await commits.add(row); // on disk now
 */
export class GroupCommit<T, R> {
  readonly #write: (items: T[]) => R[];
  readonly #sync: (done: (error?: Error | null) => void) => void;
  #waiting: Array<Waiter<T, R>> = [];
  #written: Array<{ waiter: Waiter<T, R>; result: R }> = [];
  #syncing = false;
  #idle: Array<() => void> = [];

  constructor(write: (items: T[]) => R[], sync: (done: (error?: Error | null) => void) => void) {
    this.#write = write;
    this.#sync = sync;
  }

  /** Resolves with `write`'s result for `item` once it is durable; rejects if its write or sync failed. */
  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      // everything that arrives in this turn of the event loop goes into one transaction
      if (this.#waiting.length === 1) setImmediate(() => this.#writeWaiting());
    });
  }

  /** Resolves when no write or sync is outstanding (before closing the file the sync uses). */
  idle(): Promise<void> {
    if (!this.#syncing && this.#waiting.length === 0 && this.#written.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #writeWaiting(): void {
    const group = this.#waiting;
    this.#waiting = [];
    let results: R[];
    try {
      results = this.#write(group.map((w) => w.item));
    } catch (error) {
      for (const w of group) w.reject(error);
      this.#maybeIdle();
      return;
    }
    for (let i = 0; i < group.length; i++) this.#written.push({ waiter: group[i], result: results[i] });
    this.#syncWritten();
  }

  #syncWritten(): void {
    if (this.#syncing) return; // the sync in flight may have started before these were written
    if (this.#written.length === 0) {
      this.#maybeIdle();
      return;
    }
    const batch = this.#written;
    this.#written = [];
    this.#syncing = true;
    this.#sync((error) => {
      this.#syncing = false;
      // a failed fsync leaves the rows committed but maybe not on disk: no 202; the box resends
      // the same id, which the outbox answers as already stored once a later sync has succeeded
      for (const { waiter, result } of batch) error ? waiter.reject(error) : waiter.resolve(result);
      this.#syncWritten();
    });
  }

  #maybeIdle(): void {
    if (this.#syncing || this.#waiting.length > 0 || this.#written.length > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}

interface Waiter<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}
