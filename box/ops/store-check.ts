import type { BoxPart } from '../part.ts';
import type { Store } from '../store/store.ts';
import { quickCheckInBackground } from './background-check.ts';
import { restoreHint } from './damaged-file.ts';
import type { SqliteCheckResult } from './sqlite-check.ts';
import type { StartCheckReport } from './start-checks.ts';

/** The last quick_check of the store, kept in its kv (`box` / `store-check`) for notifications. */
export interface StoreCheckRecord {
  at: number;
  ok: boolean;
  problems: string[];
  ms: number;
  /** `before-start`: run before the store opened (after an unclean stop); `background`: after. */
  when: 'before-start' | 'background';
}

/** Reads the last recorded quick_check (undefined before the first). */
export function lastStoreCheck(store: Store): StoreCheckRecord | undefined {
  return store.kv.get('box', 'store-check') as StoreCheckRecord | undefined;
}

/**
 * The store's `PRAGMA quick_check` when the start checks deferred it (the box stopped cleanly and
 * the file is as it left it, see `clean-stop.ts`): run in a worker thread once the box is up, so
 * a large store does not hold up the start. Damage it finds is logged, shown in status, kept in
 * the store for the dashboard's notifications, and keeps the next stop from writing a clean-stop
 * marker, so the next start checks before it opens the store (and refuses a damaged one). A check
 * run before the start is recorded the same way.
 *
 * @example
 * const check = new StoreCheck(store, startChecks, '/srv/databox', console.error);
 * await check.start(signal); // records a check run before the start
 * check.checkInBackground(); // once the box is up; check.done resolves when it has run
 */
export class StoreCheck implements BoxPart {
  readonly name = 'store-check';
  #abort = new AbortController();
  #running = false;
  /** Resolves when the background check has finished (or at once when there is none). */
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly report: StartCheckReport,
    private readonly home: string,
    private readonly log: (message: string) => void,
  ) {}

  /** Whether the background check is still reading the store. */
  get running(): boolean {
    return this.#running;
  }

  /** Whether a check (before the start or in the background) found the store damaged. */
  get damaged(): boolean {
    return this.report.quickCheck?.ok === false;
  }

  async start(): Promise<void> {
    this.#abort = new AbortController();
    if (this.report.quickCheck) {
      this.#record(this.report.quickCheck, 'before-start');
      return;
    }
  }

  /**
   * Starts the deferred check, if any. Called once the box is up, not from `start()`: the check
   * reads the whole store, and on two cores it would slow the rest of the start (the child
   * processes load beside it).
   */
  checkInBackground(): void {
    if (!this.report.quickCheckDeferred || this.report.quickCheck || this.#running) return;
    const file = this.store.db.name;
    this.#running = true;
    this.done = quickCheckInBackground(file, this.#abort.signal).then(
      (result) => {
        if (!result) return; // the box stopped first; the next start checks again
        this.report.quickCheck = result;
        this.#record(result, 'background');
        if (!result.ok)
          this.log(
            `databox: ERROR: ${file}: the store is damaged (found by the check after start): ${result.problems.join('; ')}. ${restoreHint(this.home)}. "databox check" shows the full report`,
          );
      },
      (error) =>
        this.log(`databox: the background check of ${file} could not run: ${(error as Error).message}`),
    );
    this.done = this.done.finally(() => {
      this.#running = false;
    });
  }

  #record(result: SqliteCheckResult, when: StoreCheckRecord['when']): void {
    const record: StoreCheckRecord = {
      at: Date.now(),
      ok: result.ok,
      problems: result.problems,
      ms: result.ms,
      when,
    };
    try {
      this.store.kv.set('box', 'store-check', record, record.at);
    } catch (error) {
      // a damaged store may refuse the write: the log and status still say it
      this.log(`databox: could not record the store check: ${(error as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.done;
  }
}
