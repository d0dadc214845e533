import { durationMs } from '../../apps-sdk/src/duration.ts';
import type { BoxPart } from '../part.ts';
import type { Store } from '../store/store.ts';
import type { AppRunner } from './app-runner.ts';
import type { RunTrigger } from './types.ts';

/** Least time between two `on-new-data` runs of one app when its manifest names none. */
export const DEFAULT_MIN_INTERVAL_MS = 60_000;

export interface AppSchedulerOptions {
  store: Store;
  runner: AppRunner;
  /** How often schedules are checked (default 10 s). */
  tickMs?: number;
  log?: (message: string) => void;
}

/**
 * Starts app runs by schedule (a BoxPart): `interval` apps when `every` has passed since their
 * last run (or, before the first, since install, unless the manifest sets `runAtInstall`); `on-new-data` apps when a datasource they hold a live grant for got readings since the
 * last tick (seen through the store's ingest revisions, which commit with the readings, so no
 * write is missed, whichever process wrote it) and `minInterval` has passed. `manual` apps only
 * run on request. One run per app at a time.
 *
 * @example
 * const scheduler = new AppScheduler({ store, runner, tickMs: 10_000 });
 * await scheduler.start(signal);
 */
export class AppScheduler implements BoxPart {
  readonly name = 'app-scheduler';
  readonly #options: AppSchedulerOptions;
  #timer: NodeJS.Timeout | undefined;
  #seenRev = 0;
  #ticking = false;

  constructor(options: AppSchedulerOptions) {
    this.#options = options;
  }

  async start(_signal: AbortSignal): Promise<void> {
    this.#seenRev = this.#options.store.ingest.changedSince(0).cursor;
    this.#timer = setInterval(() => {
      void this.tick();
    }, this.#options.tickMs ?? 10_000);
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Checks every schedule once and starts the runs due; returns the ids of the apps started. */
  async tick(): Promise<string[]> {
    if (this.#ticking) return [];
    this.#ticking = true;
    try {
      const { store, runner } = this.#options;
      const now = store.now();
      const written = this.#newlyWritten();
      const started: string[] = [];
      for (const app of runner.registry.listInstalls()) {
        const schedule = app.manifest.schedule;
        if (schedule.type === 'manual' || runner.isRunning(app.id)) continue;
        const last = runner.registry.lastRunStart(app.id);
        let trigger: RunTrigger | undefined;
        if (schedule.type === 'interval') {
          // the first run waits for `every` after install (a householder who just installed it
          // should not find its maxPerDay used up), unless the manifest says runAtInstall
          const since = last ?? (schedule.runAtInstall ? undefined : app.installedAt);
          if (since === undefined || now - since >= durationMs(schedule.every)) trigger = 'interval';
        } else {
          const min = schedule.minInterval ? durationMs(schedule.minInterval) : DEFAULT_MIN_INTERVAL_MS;
          const fed = runner.arbiter.liveGrants(app.id, now).some((g) => written.has(g.datasource));
          if (fed && (last === undefined || now - last >= min)) trigger = 'on-new-data';
        }
        if (!trigger) continue;
        // an app whose every grant was revoked or expired has nothing to run on
        if (app.manifest.requests.length > 0 && runner.arbiter.liveGrants(app.id, now).length === 0) continue;
        // past its runs-per-hour quota the app waits (silently: this is checked every tick)
        if (runner.scheduledRunRefusal(app.id)) continue;
        try {
          void runner
            .run(app.id, trigger)
            .catch((error: Error) => this.#options.log?.(`databox: ${error.message}`));
          started.push(app.id);
        } catch (error) {
          this.#options.log?.(`databox: scheduled run of ${app.id} not started: ${(error as Error).message}`);
        }
      }
      return started;
    } finally {
      this.#ticking = false;
    }
  }

  /** Datasources written since the last look (by any process sharing the database). */
  #newlyWritten(): Set<string> {
    // readings.write audit entries are sealed per hour window, so they would be late by up to an
    // hour; the ingest revision moves with every batch
    const { cursor, ids } = this.#options.store.ingest.changedSince(this.#seenRev);
    this.#seenRev = cursor;
    return new Set(ids);
  }
}
