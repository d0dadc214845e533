import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readRssMiB } from './host-memory.ts';
import { type ChildMessage, childMessageSchema, type ParentMessage } from './protocol.ts';

export interface IsolateHostOptions {
  /** How often the child says it is alive (ms). Default 1000. */
  heartbeatMs?: number;
  /** Kill and restart a child that has been silent this long (ms). Default 10000. */
  heartbeatTimeoutMs?: number;
  /** Restart delay after a crash: `initialMs · 2^(crashes in a row)`, at most `maxMs`. Default 250 / 10000. */
  restartBackoff?: { initialMs: number; maxMs: number };
  /** How long a run waits for a child to be ready before it fails (ms). Default 20000. */
  startTimeoutMs?: number;
  /**
   * Start a new child after a crash (default true). A host that serves one app is not restarted:
   * the next run of that app gets a fresh host, and the supervisor stops for good.
   */
  restartOnCrash?: boolean;
}

/** What the supervisor reports, e.g. to the box's log. */
export type IsolateHostEvent =
  | { type: 'ready'; pid: number }
  | {
      type: 'exited';
      pid: number | undefined;
      code: number | null;
      signal: string | null;
      reason: string;
      stderrTail: string;
    }
  | { type: 'restarting'; inMs: number };

export interface IsolateHostHandlers {
  /** Every validated message from the current child. */
  onMessage(message: ChildMessage): void;
  /**
   * The current child died unexpectedly (runs in flight in it are lost); `reason` says how and
   * `stderrTail` is the end of what it printed (V8 prints why it aborted there).
   */
  onCrash(reason: string, stderrTail: string): void;
  onEvent?(event: IsolateHostEvent): void;
}

const STABLE_AFTER_MS = 30_000;
const STDERR_TAIL_CHARS = 4000;

/**
 * Keeps one isolate host child process alive for the box (homebridge's child bridge): forks it
 * with `--no-node-snapshot` (and tsx when running from TypeScript sources), validates what it
 * sends, restarts it with exponential backoff when it dies, and kills it when it stops sending
 * heartbeats. Nothing the child does can throw in the daemon.
 */
export class IsolateHostSupervisor {
  readonly #options: Required<IsolateHostOptions>;
  #handlers: IsolateHostHandlers;
  #child: ChildProcess | undefined;
  #ready = false;
  #readyAt = 0;
  #lastSeen = 0;
  #spawnedAt = 0;
  #killReason: string | undefined;
  #crashesInRow = 0;
  /** idle: never started (the first run starts it); running; stopped: stop() was called. */
  #state: 'idle' | 'running' | 'stopped' = 'idle';
  #restartTimer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #stderrTail = '';
  #readyRssMiB: number | undefined;
  #waiters: Array<{ resolve: () => void; reject: (error: Error) => void; timer: NodeJS.Timeout }> = [];

  constructor(options: IsolateHostOptions, handlers: IsolateHostHandlers) {
    this.#options = {
      heartbeatMs: options.heartbeatMs ?? 1000,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 10_000,
      restartBackoff: options.restartBackoff ?? { initialMs: 250, maxMs: 10_000 },
      startTimeoutMs: options.startTimeoutMs ?? 20_000,
      restartOnCrash: options.restartOnCrash ?? true,
    };
    this.#handlers = handlers;
  }

  /** The pid of the current child, if one is running. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The current child's resident memory when it became ready (MiB), where procfs tells it. */
  get readyRssMiB(): number | undefined {
    return this.#readyRssMiB;
  }

  /** Whether a child is ready for runs now. */
  get isReady(): boolean {
    return this.#ready;
  }

  /** Whether the supervisor has stopped for good (stop() was called, or a child died and restartOnCrash is off). */
  get isStopped(): boolean {
    return this.#state === 'stopped';
  }

  /** Hands the supervisor to a new owner (a spare host given to an app). */
  setHandlers(handlers: IsolateHostHandlers): void {
    this.#handlers = handlers;
  }

  /** Starts the child (also after `stop()`) and resolves when it is ready. */
  start(): Promise<void> {
    if (this.#state !== 'running') {
      this.#state = 'running';
      this.#watchdog = setInterval(() => this.#checkHeartbeat(), this.#options.heartbeatMs);
      this.#watchdog.unref();
      this.#spawn();
    }
    return this.ready();
  }

  /**
   * Resolves when a child is ready for runs (the first call starts one); rejects after
   * `startTimeoutMs`, or at once after `stop()`.
   */
  ready(): Promise<void> {
    if (this.#state === 'idle') return this.start();
    if (this.#state === 'stopped') return Promise.reject(new Error('the isolate runtime is stopped'));
    if (this.#ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          const tail = this.#stderrTail.trim();
          reject(
            new Error(
              `the isolate host did not start within ${this.#options.startTimeoutMs} ms${tail ? `: ${tail.slice(-500)}` : ''}`,
            ),
          );
        }, this.#options.startTimeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** Sends a message to the current child; false if there is none or its channel is closed. */
  send(message: ParentMessage): boolean {
    const child = this.#child;
    if (!child?.connected || !this.#ready) return false;
    try {
      return child.send(message);
    } catch {
      return false;
    }
  }

  /** Kills the current child (it is restarted like after a crash); `reason` goes into the crash report. */
  restart(reason: string): void {
    if (!this.#child) return;
    this.#killReason = reason;
    // Not ready from now on: runs started before the 'exit' event wait for the next child.
    this.#ready = false;
    this.#child.kill('SIGKILL');
  }

  /** Stops the child and does not restart it. Runs waiting for a child are rejected. */
  async stop(): Promise<void> {
    this.#stopForGood('the isolate runtime is stopped');
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // The child exits by itself when the IPC channel closes; SIGKILL if it does not.
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  #stopForGood(waiterError: string): void {
    this.#state = 'stopped';
    clearTimeout(this.#restartTimer);
    clearInterval(this.#watchdog);
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(waiterError));
    }
  }

  #spawn(): void {
    const here = fileURLToPath(import.meta.url);
    const fromSource = extname(here) === '.ts';
    const childPath = fileURLToPath(new URL(`./isolate-host-child${extname(here)}`, import.meta.url));
    // --no-expose-wasm: isolates made in this process get no WebAssembly global, so an app cannot
    // grow a WebAssembly.Memory outside isolated-vm's heap limit (measured: 1 GiB under 64 MB).
    const execArgv = ['--no-node-snapshot', '--no-expose-wasm'];
    if (fromSource)
      execArgv.push('--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href);
    this.#stderrTail = '';
    this.#ready = false;
    this.#readyAt = 0;
    this.#readyRssMiB = undefined;
    const child = fork(childPath, [String(this.#options.heartbeatMs)], {
      execPath: process.execPath,
      execArgv,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'json',
      // isolates share this process's ICU default zone: UTC, so `new Date().getTimezoneOffset()`
      // or `Intl` cannot tell an app the box's zone (only `ctx.timeZone()`, if granted, does)
      env: { ...process.env, TZ: 'UTC' },
    });
    this.#child = child;
    this.#spawnedAt = Date.now();
    this.#lastSeen = this.#spawnedAt;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#stderrTail = (this.#stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.on('message', (raw: unknown) => {
      if (this.#child !== child) return;
      this.#lastSeen = Date.now();
      const parsed = childMessageSchema.safeParse(raw);
      if (!parsed.success) return;
      if (parsed.data.type === 'ready') void this.#onReady(child, parsed.data.pid);
      else this.#handlers.onMessage(parsed.data);
    });
    child.on('error', () => {
      // spawn failures are followed by 'exit'; the error itself must not crash the daemon
    });
    child.on('exit', (code, signal) => this.#onExit(child, code, signal));
  }

  async #onReady(child: ChildProcess, pid: number): Promise<void> {
    // The baseline of the memory watchdog: what the host uses before any app code runs in it.
    const rss = child.pid === undefined ? undefined : await readRssMiB(child.pid);
    if (this.#child !== child) return;
    this.#readyRssMiB = rss;
    this.#ready = true;
    this.#readyAt = Date.now();
    this.#handlers.onEvent?.({ type: 'ready', pid });
    this.#handlers.onMessage({ type: 'ready', pid });
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#ready = false;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const reason = this.#killReason ? `${this.#killReason}; ${how}` : how;
    this.#killReason = undefined;
    this.#handlers.onEvent?.({
      type: 'exited',
      pid: child.pid,
      code,
      signal,
      reason,
      stderrTail: this.#stderrTail,
    });
    if (this.#state !== 'running') return;
    this.#handlers.onCrash(reason, this.#stderrTail);
    if (!this.#options.restartOnCrash) {
      this.#stopForGood(`the isolate host exited before it was ready (${reason})`);
      return;
    }
    if (this.#state !== 'running') return;
    if (this.#readyAt > 0 && Date.now() - this.#readyAt > STABLE_AFTER_MS) this.#crashesInRow = 0;
    const { initialMs, maxMs } = this.#options.restartBackoff;
    const delay = Math.min(maxMs, initialMs * 2 ** this.#crashesInRow);
    this.#crashesInRow++;
    this.#handlers.onEvent?.({ type: 'restarting', inMs: delay });
    this.#restartTimer = setTimeout(() => {
      if (this.#state === 'running') this.#spawn();
    }, delay);
  }

  #checkHeartbeat(): void {
    if (!this.#child) return;
    const now = Date.now();
    if (this.#readyAt === 0) {
      // Starting (loading tsx and isolated-vm can take seconds on a busy box): no heartbeats yet.
      if (now - this.#spawnedAt > this.#options.startTimeoutMs) {
        this.restart(`the isolate host did not get ready within ${this.#options.startTimeoutMs} ms`);
      }
      return;
    }
    if (now - this.#lastSeen > this.#options.heartbeatTimeoutMs) {
      this.restart(`the isolate host sent no heartbeat for ${this.#options.heartbeatTimeoutMs} ms`);
    }
  }
}
