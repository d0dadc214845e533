import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { AppRuntime, RunLimits, RunOutcome } from '../../apps/runtime.ts';
import {
  type IsolateHostEvent,
  type IsolateHostOptions,
  IsolateHostSupervisor,
} from './isolate-host-supervisor.ts';
import type { CallMessage, ChildMessage } from './protocol.ts';

export interface IsolateRuntimeOptions extends IsolateHostOptions {
  /** The largest params JSON an app may send in one call (bytes). Default 1 MiB. */
  maxCallBytes?: number;
  /** How long after its timeout a run may take to end before the host is restarted (ms). Default 5000. */
  stopGraceMs?: number;
  /** Most log lines kept per run. Default 1000. */
  maxLogLines?: number;
  /** Host process events (ready, exited, restarting), e.g. for the box's log. */
  onEvent?: (event: IsolateHostEvent) => void;
}

type RunOptions = Parameters<AppRuntime['run']>[0];

interface ActiveRun {
  handle: RunOptions['handle'];
  logs: string[];
  droppedLogs: number;
  finish(status: RunOutcome['status'], error?: string): void;
}

export const CRASH_MESSAGE = 'the isolate host crashed (out of memory?) and was restarted';
const MAX_LOG_CHARS = 2000;

/**
 * Runs isolate apps (`runtime.type: 'isolate'`): each run in a fresh isolated-vm isolate inside
 * a supervised child process, so a V8 out-of-memory abort can only kill that child. The app's
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
  readonly #host: IsolateHostSupervisor;
  readonly #runs = new Map<string, ActiveRun>();
  readonly #maxCallBytes: number;
  readonly #stopGraceMs: number;
  readonly #maxLogLines: number;

  constructor(options: IsolateRuntimeOptions = {}) {
    this.#maxCallBytes = options.maxCallBytes ?? 1024 * 1024;
    this.#stopGraceMs = options.stopGraceMs ?? 5000;
    this.#maxLogLines = options.maxLogLines ?? 1000;
    this.#host = new IsolateHostSupervisor(options, {
      onMessage: (message) => this.#onMessage(message),
      onCrash: (reason) => {
        for (const run of [...this.#runs.values()]) run.finish('killed', `${CRASH_MESSAGE} (${reason})`);
      },
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  }

  /** The isolate host's pid while it runs (for diagnostics and tests). */
  get hostPid(): number | undefined {
    return this.#host.pid;
  }

  /** Starts the isolate host so the first run does not pay for it. Optional: `run()` starts it too. */
  start(): Promise<void> {
    return this.#host.start();
  }

  /** Stops the isolate host; runs in flight end as `killed`. */
  async stop(): Promise<void> {
    for (const run of [...this.#runs.values()]) run.finish('killed', 'the isolate runtime was stopped');
    await this.#host.stop();
  }

  async run(opts: RunOptions): Promise<RunOutcome> {
    const started = performance.now();
    const logs: string[] = [];
    const outcome = (status: RunOutcome['status'], error?: string): RunOutcome => ({
      status,
      ...(error === undefined ? {} : { error }),
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      logs,
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
    if (opts.signal?.aborted) return outcome('killed', 'the run was cancelled before it started');
    try {
      await this.#host.ready();
    } catch (error) {
      return outcome('error', (error as Error).message);
    }

    return new Promise<RunOutcome>((resolveRun) => {
      const { runId, limits, signal } = opts;
      const onAbort = () => this.#host.send({ type: 'cancel', runId, reason: 'the run was cancelled' });
      const backstop = setTimeout(() => {
        // The child should have ended the run at its timeout; if it did not, it is wedged.
        active.finish(
          'timeout',
          `the run did not stop within ${this.#stopGraceMs} ms of its time limit; the isolate host was restarted`,
        );
        this.#host.restart(`run ${runId} did not stop at its time limit`);
      }, limits.timeoutMs + this.#stopGraceMs);
      const active: ActiveRun = {
        handle: opts.handle,
        logs,
        droppedLogs: 0,
        finish: (status, error) => {
          if (this.#runs.get(runId) !== active) return;
          this.#runs.delete(runId);
          clearTimeout(backstop);
          signal?.removeEventListener('abort', onAbort);
          if (active.droppedLogs > 0) logs.push(`(${active.droppedLogs} more log lines were dropped)`);
          resolveRun(outcome(status, error));
        },
      };
      this.#runs.set(runId, active);
      signal?.addEventListener('abort', onAbort, { once: true });
      const sent = this.#host.send({
        type: 'run',
        runId,
        code,
        filename: `app:///${opts.entry.replace(/^\.?\/+/, '')}`,
        limits: {
          memoryMb: limits.memoryMb,
          timeoutMs: limits.timeoutMs,
          ...(limits.cpuMs ? { cpuMs: limits.cpuMs } : {}),
        },
        maxCallBytes: this.#maxCallBytes,
      });
      if (!sent) active.finish('killed', `${CRASH_MESSAGE} (it went away before the run started)`);
    });
  }

  #onMessage(message: ChildMessage): void {
    switch (message.type) {
      case 'call':
        void this.#onCall(message);
        break;
      case 'log': {
        const run = this.#runs.get(message.runId);
        if (run) this.#addLog(run, `[isolate] ${message.level}: ${message.message}`);
        break;
      }
      case 'done':
        this.#runs.get(message.runId)?.finish(message.status, message.error);
        break;
    }
  }

  async #onCall(message: CallMessage): Promise<void> {
    const { runId, callId, method } = message;
    const reply = (result: { ok: true; json: string } | { ok: false; message: string; code?: string }) =>
      this.#host.send({ type: 'result', runId, callId, ...result });
    const run = this.#runs.get(runId);
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

  #addLog(run: ActiveRun, line: string): void {
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
