import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { cancelledFailure, timeLimitFailure } from '../../../apps-sdk/src/run-failure.ts';
import type { AppRuntime, RunLimits, RunOutcome } from '../../apps/runtime.ts';
import {
  CRASH_MESSAGE,
  type HostedRun,
  type IsolateAppHost,
  type IsolateRuntimeEvent,
} from './isolate-app-host.ts';
import { IsolateHostPool } from './isolate-host-pool.ts';
import type { IsolateHostOptions } from './isolate-host-supervisor.ts';
import type { CallMessage, ChildMessage } from './protocol.ts';

export { CRASH_MESSAGE };

export interface IsolateRuntimeOptions extends Omit<IsolateHostOptions, 'restartOnCrash'> {
  /** The largest params JSON an app may send in one call (bytes). Default 1 MiB. */
  maxCallBytes?: number;
  /**
   * How long after its timeout a run may take to end before its host is killed (ms): a run stuck
   * in one native call (a huge `JSON.parse`) cannot be interrupted inside V8. Default 2000.
   */
  stopGraceMs?: number;
  /** Most log lines kept per run. Default 1000. */
  maxLogLines?: number;
  /**
   * One host process per app (default true): runs of one app share it, different apps never
   * do, so one app's crash or memory blow-up cannot end another app's run. `false` shares one
   * host between all apps (the old mode; the bench compares the two).
   */
  hostPerApp?: boolean;
  /** A per-app host stops after this long without runs (ms). Default 30000. */
  hostIdleMs?: number;
  /** Keep one unused host started while apps run, for the next app's first run. Default true. */
  spareHost?: boolean;
  /** How often the memory watchdog reads a busy host's resident memory (ms). Default 50. */
  memoryPollMs?: number;
  /** Host process events (ready, exited, restarting) with the app they are about, e.g. for the box's log. */
  onEvent?: (event: IsolateRuntimeEvent) => void;
}

type RunOptions = Parameters<AppRuntime['run']>[0];

const MAX_LOG_CHARS = 2000;
/** A run that waited this long for its host to start (ms) says so in its logs: slow starts are worth telling. */
const HOST_WAIT_LOG_MS = 1000;

/**
 * Runs isolate apps (`runtime.type: 'isolate'`): each run in a fresh isolated-vm isolate inside
 * a supervised child process of its app ({@link IsolateHostPool}; apps are told apart by their
 * folder), so a V8 out-of-memory abort, a memory-watchdog kill or a stuck native call ends only
 * that app's runs. The app's
 * calls come back over IPC as JSON text and go to the run's `handle`; the runtime knows nothing
 * about grants. `run()` never throws: app faults, timeouts and host crashes become the outcome.
 *
 * @example
 * const runtime = new IsolateRuntime();
 * await runtime.start();
 * const outcome = await runtime.run({ runId, appDir, entry: 'dist/app.js',
 *   limits: { memoryMb: 64, timeoutMs: 30_000 }, handle: (method, params) => session.handle(method, params) });
 * await runtime.stop();
 */
export class IsolateRuntime implements AppRuntime {
  readonly kind = 'isolate' as const;
  readonly #pool: IsolateHostPool;
  readonly #runs = new Map<string, HostedRun>();
  readonly #maxCallBytes: number;
  readonly #stopGraceMs: number;
  readonly #maxLogLines: number;
  #stopped = false;

  constructor(options: IsolateRuntimeOptions = {}) {
    this.#maxCallBytes = options.maxCallBytes ?? 1024 * 1024;
    this.#stopGraceMs = options.stopGraceMs ?? 2000;
    this.#maxLogLines = options.maxLogLines ?? 1000;
    const {
      maxCallBytes,
      stopGraceMs,
      maxLogLines,
      hostPerApp,
      hostIdleMs,
      spareHost,
      memoryPollMs,
      onEvent,
      ...host
    } = options;
    this.#pool = new IsolateHostPool({
      host,
      hostPerApp: hostPerApp ?? true,
      idleMs: hostIdleMs ?? 30_000,
      spareHost: spareHost ?? true,
      memoryPollMs: memoryPollMs ?? 50,
      onMessage: (appHost, message) => this.#onMessage(appHost, message),
      ...(onEvent ? { onEvent } : {}),
    });
  }

  /** The pids of the running host processes (for diagnostics and tests). */
  get hostPids(): number[] {
    return this.#pool.pids;
  }

  /** The pid of the host that runs the app in `appDir`, while it has one. */
  hostPidOf(appDir: string): number | undefined {
    return this.#pool.hostOf(resolve(appDir))?.pid;
  }

  /** Starts a host (the spare, or the shared one) so the first run does not wait for it. Optional. */
  start(): Promise<void> {
    this.#stopped = false;
    return this.#pool.warm();
  }

  /** Stops every isolate host; runs in flight end as `killed`. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const run of [...this.#runs.values()])
      run.finish('killed', 'the isolate runtime was stopped', 'cancelled');
    await this.#pool.stop();
  }

  async run(opts: RunOptions): Promise<RunOutcome> {
    const started = performance.now();
    const logs: string[] = [];
    const outcome = (status: RunOutcome['status'], error?: string, errorCode?: string): RunOutcome => ({
      status,
      ...(error === undefined ? {} : { error, errorCode: errorCode ?? 'internal' }),
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      logs,
      includesAppLogs: true,
    });
    if (this.#runs.has(opts.runId)) return outcome('error', `run ${opts.runId} is already running`);
    const limitsError = checkLimits(opts.limits);
    if (limitsError) return outcome('error', limitsError);
    const bundle = resolve(opts.appDir, opts.entry);
    const inside = relative(resolve(opts.appDir), bundle);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      return outcome('error', `the app entry ${opts.entry} is not a file inside the app folder`);
    }
    let code: string;
    try {
      code = await readFile(bundle, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      return outcome('error', `cannot read the app bundle ${opts.entry} (${reason})`);
    }
    if (opts.signal?.aborted) return outcome('killed', cancelledFailure().message, 'cancelled');
    if (this.#stopped) return outcome('error', 'the isolate runtime is stopped');
    const host = this.#pool.acquire(resolve(opts.appDir));

    return new Promise<RunOutcome>((resolveRun) => {
      const { runId, limits, signal } = opts;
      const onAbort = () => {
        // still waiting for its host: end it here; else the child stops the isolate and reports
        if (!active.started) active.finish('killed', cancelledFailure().message, 'cancelled');
        else host.send({ type: 'cancel', runId, reason: cancelledFailure().message });
      };
      let backstop: NodeJS.Timeout | undefined;
      const active: HostedRun = {
        memoryMb: limits.memoryMb,
        handle: opts.handle,
        logs,
        droppedLogs: 0,
        started: false,
        finish: (status, error, errorCode) => {
          if (this.#runs.get(runId) !== active) return;
          this.#runs.delete(runId);
          host.remove(runId);
          clearTimeout(backstop);
          signal?.removeEventListener('abort', onAbort);
          if (active.droppedLogs > 0) logs.push(`(${active.droppedLogs} more log lines were dropped)`);
          resolveRun(outcome(status, error, errorCode));
        },
      };
      this.#runs.set(runId, active);
      host.add(runId, active);
      signal?.addEventListener('abort', onAbort, { once: true });
      const waitStart = performance.now();
      host.ready().then(
        () => {
          // The time limit is the app's: starting its host does not count, but the run says what it cost.
          const waitedMs = Math.round(performance.now() - waitStart);
          if (waitedMs >= HOST_WAIT_LOG_MS)
            logs.push(`[isolate] info: waited ${waitedMs} ms for its isolate host to start`);
          if (!this.#send(host, active, runId, code, opts)) return;
          // The child should end the run at its timeout; if it did not, it is wedged (e.g. in one
          // native call V8 cannot interrupt), and only killing its process helps.
          backstop = setTimeout(() => {
            // worded as every runtime words a time limit; how it was enforced goes to the logs
            logs.push(
              `[isolate] warn: the run did not stop within ${this.#stopGraceMs} ms of its time limit; its isolate host was killed`,
            );
            const failure = timeLimitFailure(limits.timeoutMs);
            active.finish(failure.status, failure.message, failure.code);
            host.kill(`run ${runId} did not stop at its time limit`);
          }, limits.timeoutMs + this.#stopGraceMs);
        },
        (error: Error) => active.finish('error', error.message),
      );
    });
  }

  /** Hands the run to its host child; false if it ended meanwhile or could not be sent. */
  #send(host: IsolateAppHost, active: HostedRun, runId: string, code: string, opts: RunOptions): boolean {
    if (this.#runs.get(runId) !== active) return false;
    const { limits } = opts;
    const sent = host.send({
      type: 'run',
      runId,
      code,
      filename: `app:///${relative(resolve(opts.appDir), resolve(opts.appDir, opts.entry))}`, // no host path in stacks
      limits: {
        memoryMb: limits.memoryMb,
        timeoutMs: limits.timeoutMs,
        ...(limits.cpuMs ? { cpuMs: limits.cpuMs } : {}),
      },
      maxCallBytes: this.#maxCallBytes,
    });
    if (!sent) active.finish('killed', `${CRASH_MESSAGE} (it went away before the run started)`, 'internal');
    else active.started = true;
    return sent;
  }

  #onMessage(host: IsolateAppHost, message: ChildMessage): void {
    switch (message.type) {
      case 'call':
        void this.#onCall(host, message);
        break;
      case 'log': {
        const run = host.runs.get(message.runId);
        if (run) this.#addLog(run, `[isolate] ${message.level}: ${message.message}`);
        break;
      }
      case 'done':
        host.runs.get(message.runId)?.finish(message.status, message.error, message.errorCode);
        break;
    }
  }

  async #onCall(host: IsolateAppHost, message: CallMessage): Promise<void> {
    const { runId, callId, method } = message;
    const reply = (result: { ok: true; json: string } | { ok: false; message: string; code?: string }) =>
      host.send({ type: 'result', runId, callId, ...result });
    // only runs of this host: a host cannot call in the name of another app's run
    const run = host.runs.get(runId);
    if (!run) return void reply({ ok: false, message: 'the run has ended' });
    let params: unknown;
    try {
      params = parsePlainJson(message.paramsJson);
    } catch {
      return void reply({
        ok: false,
        message: `the params of ${method} are not valid JSON`,
        code: 'bad_request',
      });
    }
    if (method === 'log') this.#addLog(run, describeLog(params));
    let result: unknown;
    try {
      result = await run.handle(method, params);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      return void reply({
        ok: false,
        message: error instanceof Error ? error.message : String(error),
        ...(typeof code === 'string' ? { code } : {}),
      });
    }
    let json: string;
    try {
      json = JSON.stringify(result ?? null);
    } catch {
      return void reply({
        ok: false,
        message: `the box could not encode the result of ${method}`,
        code: 'internal',
      });
    }
    reply({ ok: true, json });
  }

  #addLog(run: HostedRun, line: string): void {
    if (run.logs.length >= this.#maxLogLines) run.droppedLogs++;
    else run.logs.push(line.length > MAX_LOG_CHARS ? `${line.slice(0, MAX_LOG_CHARS)}…` : line);
  }
}

/** JSON.parse that drops `__proto__` keys, so no app-sent object can carry a prototype setter into the box. */
export function parsePlainJson(text: string): unknown {
  return JSON.parse(text, (key, value) => (key === '__proto__' ? undefined : value));
}

function describeLog(params: unknown): string {
  const { level, message } = (params ?? {}) as { level?: unknown; message?: unknown };
  const lvl = level === 'warn' || level === 'error' ? level : 'info';
  return `${lvl}: ${typeof message === 'string' ? message : JSON.stringify(message ?? null)}`;
}

function checkLimits(limits: RunLimits): string | undefined {
  if (!Number.isInteger(limits.memoryMb) || limits.memoryMb < 8 || limits.memoryMb > 4096) {
    return `limits.memoryMb must be a whole number from 8 to 4096, not ${limits.memoryMb}`;
  }
  if (!Number.isInteger(limits.timeoutMs) || limits.timeoutMs <= 0) {
    return `limits.timeoutMs must be a positive whole number, not ${limits.timeoutMs}`;
  }
  if (limits.cpuMs !== undefined && (!Number.isInteger(limits.cpuMs) || limits.cpuMs <= 0)) {
    return `limits.cpuMs must be a positive whole number, not ${limits.cpuMs}`;
  }
  return undefined;
}
