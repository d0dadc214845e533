import type { BoxPart } from '../part.ts';
import type { Store } from '../store/store.ts';
import { ChainStatus } from './chain-status.ts';
import type { Checkpoints } from './checkpoints.ts';

// At ~5 µs an entry this is about a quarter second of a tick at most; more waits for the next one.
const VERIFY_PER_TICK = 50_000;

export interface AuditJobOptions {
  store: Store;
  /** How often closed ingest windows are sealed (default one minute). */
  sealEveryMs?: number;
  /** Signs a checkpoint every `checkpointEveryMs` (default one hour) when the log grew. */
  checkpoints?: Checkpoints;
  checkpointEveryMs?: number;
  log?: (message: string) => void;
}

/**
 * The audit log's housekeeping (a BoxPart): seals ingest windows whose hour has passed, also for
 * sources that stopped writing (a crashed process's open windows are sealed at the next start),
 * verifies the chain from where it was verified last (O(new entries)), and seals every open window
 * at stop, so a clean stop leaves nothing pending.
 */
export class AuditJob implements BoxPart {
  readonly name = 'audit';
  readonly #options: AuditJobOptions;
  #timer: NodeJS.Timeout | undefined;
  #lastCheckpoint = 0;

  constructor(options: AuditJobOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.tick();
    this.#timer = setInterval(() => this.tick(), this.#options.sealEveryMs ?? 60_000);
    this.#timer.unref();
  }

  /** One round: seal due windows, then the extra work. Failures are logged, never thrown. */
  tick(): void {
    const { store } = this.#options;
    try {
      store.ingest.sealDue(store.now());
      // O(new entries): the Overview then only reads the record
      new ChainStatus(store.db, store.audit).advance(VERIFY_PER_TICK, store.now());
      const { checkpoints } = this.#options;
      const every = this.#options.checkpointEveryMs ?? 3_600_000;
      if (checkpoints && store.now() - this.#lastCheckpoint >= every) {
        checkpoints.make(store.now());
        this.#lastCheckpoint = store.now();
      }
    } catch (error) {
      this.#options.log?.(`audit: ${(error as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    try {
      this.#options.store.ingest.sealAll('stop');
    } catch (error) {
      this.#options.log?.(`audit: sealing open ingest windows at stop failed: ${(error as Error).message}`);
    }
  }
}
