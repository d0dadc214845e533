import { setImmediate as nextTurn } from 'node:timers/promises';
import type { BoxPart } from './part.ts';
import { Compactor } from './store/compaction.ts';
import type { Store } from './store/store.ts';

/** Raw compression settings (`store.compaction` in config.json; docs/store.md). */
export interface CompactionSettings {
  enabled: boolean;
  /** A UTC day is compressed once its newest reading is this old. */
  minAgeMs: number;
}

/**
 * Applies every datasource's raw retention at start and then every `intervalMs`; after each
 * retention pass, when enabled, compresses closed days of raw readings into blocks. Compaction
 * does one day (one short transaction) per turn of the event loop, so ingest and reads are
 * never held up for long, and a backlog (a year of data the first time) is worked off in the
 * background.
 */
export class RetentionJob implements BoxPart {
  readonly name = 'retention';
  #timer: NodeJS.Timeout | undefined;
  #compacting: Promise<void> | undefined;
  #stopped = false;
  lastRun: { at: number; expired: number } | undefined;
  lastCompaction: { at: number; days: number; readings: number; bytes: number } | undefined;

  constructor(
    private readonly store: Store,
    private readonly intervalMs: number,
    private readonly log: (message: string) => void,
    private readonly compaction: CompactionSettings = { enabled: false, minAgeMs: 86_400_000 },
  ) {}

  async start(): Promise<void> {
    this.#stopped = false;
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
    if (this.compaction.enabled && this.#compacting === undefined) {
      this.#compacting = this.compactAll().finally(() => {
        this.#compacting = undefined;
      });
    }
  }

  /** Compresses every closed, old-enough day of every numeric datasource, one day per tick. */
  async compactAll(): Promise<void> {
    const compactor = new Compactor(this.store.db, this.compaction.minAgeMs);
    const total = { at: this.store.now(), days: 0, readings: 0, bytes: 0 };
    try {
      for (const entry of this.store.catalogue.list()) {
        let from: number | undefined = Number.MIN_SAFE_INTEGER;
        while (from !== undefined && !this.#stopped) {
          const report = compactor.compact(entry, this.store.now(), { from, maxDays: 1 });
          total.days += report.days;
          total.readings += report.readings;
          total.bytes += report.bytes;
          from = report.next;
          // the real event loop's next turn (tests' fake timers do not hold it up)
          await nextTurn();
        }
      }
    } catch (error) {
      this.log(`compaction: failed: ${(error as Error).message}`);
    }
    this.lastCompaction = total;
    if (total.days > 0)
      this.log(
        `compaction: ${total.readings} raw readings of ${total.days} day(s) into ${total.bytes} bytes of blocks`,
      );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#compacting;
  }
}
