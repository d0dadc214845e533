import { IsolateAppHost, type IsolateAppHostHandlers, type IsolateRuntimeEvent } from './isolate-app-host.ts';
import { type IsolateHostOptions, IsolateHostSupervisor } from './isolate-host-supervisor.ts';

export interface IsolateHostPoolOptions {
  /** Host options for every child. */
  host: IsolateHostOptions;
  /** One host per app (default) or one host shared by every app (the old mode, kept for the bench). */
  hostPerApp: boolean;
  /** A per-app host, and the spare, stop after this long without runs (ms). */
  idleMs: number;
  /** Keep one started, unused host ready while apps run, so an app's first run does not wait for a process. */
  spareHost: boolean;
  memoryPollMs: number;
  onMessage: IsolateAppHostHandlers['onMessage'];
  onEvent?: (event: IsolateRuntimeEvent) => void;
}

const SHARED_KEY = '*';
const SPARE_DELAY_MS = 1000;
const ignore = () => {};

/**
 * The isolate host processes of the box, by app. With `hostPerApp` (the default) the runs of one
 * app share a host and different apps never do, so a V8 abort, a memory-watchdog kill or a
 * wedged native call ends only that app's runs. A host starts on its app's first run (taking
 * the spare, when one is ready, and starting the next spare) and stops after `idleMs` without
 * runs; the spare stops after `idleMs` without any run, so an idle box has no host process.
 */
export class IsolateHostPool {
  readonly #options: IsolateHostPoolOptions;
  readonly #hosts = new Map<string, IsolateAppHost>();
  #spare: IsolateHostSupervisor | undefined;
  #spareIdle: NodeJS.Timeout | undefined;
  #spareDelay: NodeJS.Timeout | undefined;

  constructor(options: IsolateHostPoolOptions) {
    this.#options = options;
  }

  /** The pids of every host process (the spare too), for diagnostics and tests. */
  get pids(): number[] {
    const pids = [...this.#hosts.values()].map((host) => host.pid);
    return [...pids, this.#spare?.pid].filter((pid): pid is number => pid !== undefined);
  }

  /** The host of the app whose runs are keyed by `key`, if it has one now. */
  hostOf(key: string): IsolateAppHost | undefined {
    return this.#hosts.get(this.#options.hostPerApp ? key : SHARED_KEY);
  }

  /** The host that runs `key`'s runs: its current one, else the spare, else a new one. */
  acquire(key: string): IsolateAppHost {
    const hostKey = this.#options.hostPerApp ? key : SHARED_KEY;
    const current = this.#hosts.get(hostKey);
    if (current) return current;
    const spare = this.#takeSpare();
    const supervisor = spare ?? this.#newSupervisor();
    const host = new IsolateAppHost(
      hostKey,
      supervisor,
      {
        idleMs: this.#options.hostPerApp ? this.#options.idleMs : Number.POSITIVE_INFINITY,
        memoryPollMs: this.#options.memoryPollMs,
        restartsOnCrash: !this.#options.hostPerApp,
      },
      {
        onMessage: this.#options.onMessage,
        onGone: (gone) => {
          if (this.#hosts.get(hostKey) === gone) this.#hosts.delete(hostKey);
        },
        ...(this.#options.onEvent ? { onEvent: this.#options.onEvent } : {}),
      },
    );
    this.#hosts.set(hostKey, host);
    // The next spare starts a little later, so its start-up (CPU-heavy) does not slow the run
    // that just took this one; a spare that fails to start shows in the next run's own start.
    if (this.#options.hostPerApp && this.#options.spareHost) {
      clearTimeout(this.#spareDelay);
      this.#spareDelay = setTimeout(() => this.warm().catch(ignore), SPARE_DELAY_MS);
      this.#spareDelay.unref();
    }
    return host;
  }

  /**
   * Makes sure the next new app finds a host ready: starts the spare (per-app mode) or the
   * shared host, and resolves when it is ready. Every call restarts the spare's idle period.
   */
  warm(): Promise<void> {
    if (!this.#options.hostPerApp) return this.acquire(SHARED_KEY).ready();
    if (!this.#options.spareHost) return Promise.resolve();
    clearTimeout(this.#spareIdle);
    this.#spareIdle = setTimeout(() => {
      const spare = this.#spare;
      this.#spare = undefined;
      void spare?.stop();
    }, this.#options.idleMs);
    this.#spareIdle.unref();
    if (!this.#spare || this.#spare.isStopped) this.#spare = this.#newSupervisor();
    return this.#spare.start();
  }

  /** Stops every host and the spare. */
  async stop(): Promise<void> {
    clearTimeout(this.#spareIdle);
    clearTimeout(this.#spareDelay);
    const spare = this.#spare;
    this.#spare = undefined;
    const hosts = [...this.#hosts.values()];
    this.#hosts.clear();
    await Promise.all([spare?.stop(), ...hosts.map((host) => host.stop())]);
  }

  #takeSpare(): IsolateHostSupervisor | undefined {
    const spare = this.#spare;
    this.#spare = undefined;
    // A spare that died (it does not restart) is dropped; the caller makes a new host.
    return spare && !spare.isStopped ? spare : undefined;
  }

  #newSupervisor(): IsolateHostSupervisor {
    return new IsolateHostSupervisor(
      { ...this.#options.host, restartOnCrash: !this.#options.hostPerApp },
      {
        onMessage: ignore,
        onCrash: ignore,
        onEvent: (event) => this.#options.onEvent?.({ ...event, host: 'spare' }),
      },
    );
  }
}
