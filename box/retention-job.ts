import type { BoxPart } from './part.ts';
import type { Store } from './store/store.ts';

/** Applies every datasource's raw retention at start and then every `intervalMs`. */
export class RetentionJob implements BoxPart {
  readonly name = 'retention';
  #timer: NodeJS.Timeout | undefined;
  lastRun: { at: number; expired: number } | undefined;

  constructor(
    private readonly store: Store,
    private readonly intervalMs: number,
    private readonly log: (message: string) => void,
  ) {}

  async start(): Promise<void> {
    this.runOnce();
    this.#timer = setInterval(() => this.runOnce(), this.intervalMs);
    this.#timer.unref();
  }

  runOnce(): void {
    try {
      const results = this.store.applyRetention();
      const expired = results.reduce((sum, r) => sum + r.readings, 0);
      this.lastRun = { at: this.store.now(), expired };
      if (expired > 0)
        this.log(`retention: expired ${expired} raw readings from ${results.length} datasource(s)`);
    } catch (error) {
      this.log(`retention: failed: ${(error as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
  }
}
