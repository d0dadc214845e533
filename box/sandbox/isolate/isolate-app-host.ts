import { memoryLimitFailure } from '../../../apps-sdk/src/run-failure.ts';
import type { RunOutcome } from '../../apps/runtime.ts';
import { isV8OutOfMemory, memoryBoundMiB, readRssMiB } from './host-memory.ts';
import type { IsolateHostEvent, IsolateHostSupervisor } from './isolate-host-supervisor.ts';
import type { ChildMessage, ParentMessage } from './protocol.ts';

export const CRASH_MESSAGE = 'the isolate host crashed (out of memory?) and was restarted';

/** One run as the daemon tracks it while its host runs it. */
export interface HostedRun {
  /** The run's declared memory limit (MB): its share of the host's memory bound. */
  memoryMb: number;
  handle: (method: string, params: unknown) => Promise<unknown>;
  logs: string[];
  droppedLogs: number;
  /** Set when the run was handed to the host child (a crash of that child ends it). */
  started: boolean;
  /** Ends the run (once; later calls do nothing) and removes it from its host. */
  finish(status: RunOutcome['status'], error?: string, errorCode?: string): void;
}

/** A host event with the host it is about: an app's key, or `spare`. */
export type IsolateRuntimeEvent = IsolateHostEvent & { host: string };

export interface IsolateAppHostOptions {
  /** Stop the host after this long without runs (ms); `Infinity` keeps it. */
  idleMs: number;
  /** How often the memory watchdog reads the host's resident memory while runs are in it (ms). */
  memoryPollMs: number;
  /** Whether the supervisor starts a new child after a crash (the shared host); else the host is gone. */
  restartsOnCrash: boolean;
}

export interface IsolateAppHostHandlers {
  onMessage(host: IsolateAppHost, message: ChildMessage): void;
  /** The host stopped for good (idle, crashed, stopped): the next run of its app needs a new one. */
  onGone(host: IsolateAppHost): void;
  onEvent?(event: IsolateRuntimeEvent): void;
}

/**
 * The isolate host child of ONE app (or, in shared mode, of every app): the supervisor of its
 * process, the runs in it, an idle timer that stops it when no run has needed it for `idleMs`,
 * and a memory watchdog that kills it when its resident memory passes the bound its runs'
 * declared limits allow ({@link memoryBoundMiB}). Killing a host ends only the runs in it, with
 * a message saying they went over their memory limit.
 */
export class IsolateAppHost {
  readonly key: string;
  readonly runs = new Map<string, HostedRun>();
  readonly #supervisor: IsolateHostSupervisor;
  readonly #options: IsolateAppHostOptions;
  readonly #handlers: IsolateAppHostHandlers;
  #idleTimer: NodeJS.Timeout | undefined;
  #memoryTimer: NodeJS.Timeout | undefined;
  #polling = false;
  #memoryKill: { rssMiB: number; boundMiB: number } | undefined;
  #gone = false;
  #detached = false;

  constructor(
    key: string,
    supervisor: IsolateHostSupervisor,
    options: IsolateAppHostOptions,
    handlers: IsolateAppHostHandlers,
  ) {
    this.key = key;
    this.#supervisor = supervisor;
    this.#options = options;
    this.#handlers = handlers;
    supervisor.setHandlers({
      onMessage: (message) => handlers.onMessage(this, message),
      onCrash: (reason, stderrTail) => this.#onCrash(reason, stderrTail),
      onEvent: (event) => handlers.onEvent?.({ ...event, host: key }),
    });
  }

  /** The host process's pid while it runs. */
  get pid(): number | undefined {
    return this.#supervisor.pid;
  }

  /** Counts a run as in this host from now on (before its child is ready), so it does not idle out. */
  add(runId: string, run: HostedRun): void {
    this.runs.set(runId, run);
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#memoryTimer ??= setInterval(() => void this.#checkMemory(), this.#options.memoryPollMs);
    this.#memoryTimer.unref();
  }

  /** The run ended: when it was the last, the watchdog stops and the idle timer starts. */
  remove(runId: string): void {
    this.runs.delete(runId);
    if (this.runs.size > 0 || this.#gone) return;
    clearInterval(this.#memoryTimer);
    this.#memoryTimer = undefined;
    if (Number.isFinite(this.#options.idleMs)) {
      this.#idleTimer = setTimeout(() => void this.stop(), this.#options.idleMs);
      this.#idleTimer.unref();
    }
  }

  /** Resolves when the host child is ready (starting it if needed). */
  ready(): Promise<void> {
    return this.#supervisor.ready();
  }

  send(message: ParentMessage): boolean {
    return this.#supervisor.send(message);
  }

  /** Kills the host process; its runs end as crashed with `reason`. */
  kill(reason: string): void {
    // A per-app host is done from now on: a run that comes before the exit gets a new host.
    if (!this.#options.restartsOnCrash) this.#detach();
    this.#supervisor.restart(reason);
  }

  /** Stops the host process for good; its app's next run gets a new host. */
  async stop(): Promise<void> {
    this.#markGone();
    await this.#supervisor.stop();
  }

  #markGone(): void {
    this.#gone = true;
    clearTimeout(this.#idleTimer);
    clearInterval(this.#memoryTimer);
    this.#detach();
  }

  #detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.#handlers.onGone(this);
  }

  async #checkMemory(): Promise<void> {
    const pid = this.#supervisor.pid;
    const base = this.#supervisor.readyRssMiB;
    if (this.#polling || pid === undefined || base === undefined || !this.#supervisor.isReady) return;
    this.#polling = true;
    try {
      const rss = await readRssMiB(pid);
      if (rss === undefined || this.#supervisor.pid !== pid || this.#memoryKill) return;
      const bound = memoryBoundMiB(
        base,
        [...this.runs.values()].map((run) => run.memoryMb),
      );
      if (rss <= bound) return;
      this.#memoryKill = { rssMiB: Math.ceil(rss), boundMiB: bound };
      this.kill(`its resident memory reached ${Math.ceil(rss)} MiB, over ${bound} MiB`);
    } finally {
      this.#polling = false;
    }
  }

  #onCrash(reason: string, stderrTail: string): void {
    const memoryKill = this.#memoryKill;
    this.#memoryKill = undefined;
    const v8OutOfMemory = isV8OutOfMemory(stderrTail);
    // Runs still waiting for a child were not in the dead one: a restarted (shared) host takes them,
    // and a per-app host's supervisor rejects them as it stops.
    for (const run of [...this.runs.values()].filter((r) => r.started)) {
      // A shared host (the old mode) cannot tell whose run blew up: say so rather than blame this app.
      // A per-app host's memory failure is worded as in every runtime; how it was caught goes to the logs.
      const shared = this.#options.restartsOnCrash;
      const limit = shared
        ? 'a run in the isolate host shared by all apps went over its memory limit'
        : memoryLimitFailure(run.memoryMb).message;
      const how = memoryKill
        ? `its isolate host grew to ${memoryKill.rssMiB} MiB, over the ${memoryKill.boundMiB} MiB its runs may use, and was stopped`
        : v8OutOfMemory
          ? `V8 aborted its isolate host (${reason})`
          : undefined;
      if (how === undefined) run.finish('killed', `${CRASH_MESSAGE} (${reason})`, 'internal');
      else if (shared) run.finish('killed', `${limit}: ${how}`, 'memory_limit');
      else {
        run.logs.push(`[isolate] warn: ${limit}: ${how}`);
        run.finish('killed', limit, 'memory_limit');
      }
    }
    if (!this.#options.restartsOnCrash) this.#markGone();
  }
}
