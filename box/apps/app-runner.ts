import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Arbiter } from '../arbiter/arbiter.ts';
import { TokenRegistry } from '../arbiter/token-registry.ts';
import { ConflictError, DataboxError } from '../errors.ts';
import type { ExportService } from '../exports/export-service.ts';
import type { BoxPart } from '../part.ts';
import type { Store } from '../store/store.ts';
import { HOUR_MS, quotasFor } from './app-quotas.ts';
import { AppRegistry } from './app-registry.ts';
import { mapRunStacks } from './app-source-map.ts';
import { InstallDigests } from './install-digests.ts';
import { RunSession } from './run-session.ts';
import type { AppRuntime, RunOutcome } from './runtime.ts';
import type { RunRecord, RunTrigger } from './types.ts';

/** Grace after an app's own timeout before its token dies regardless (the runtime should have ended it). */
const TOKEN_GRACE_MS = 5_000;

export interface AppRunnerOptions {
  store: Store;
  runtimes: Partial<Record<AppRuntime['kind'], AppRuntime>>;
  tokens?: TokenRegistry;
  log?: (message: string) => void;
  maxReadsPerRun?: number;
  /** Checks and records the runs' export requests (the box's configured service; a default one otherwise). */
  exports?: ExportService;
}

/**
 * Runs installed apps as jobs (a BoxPart): picks the runtime from the manifest, issues a run token
 * and a {@link RunSession}, calls `runtime.run(...)`, records the run (status, duration, reads,
 * rows, insights, exports, error, logs) and ends the session and its token whatever happens.
 * Audited as `app.run.start` and `app.run.end` by `app:<id>`. Scheduling lives in `AppScheduler`.
 *
 * @example
 * const runner = new AppRunner({ store, runtimes: { isolate: new IsolateRuntime() } });
 * await runner.start(signal);
 * const run = await runner.run('energy-insights'); // { status: 'ok', rowsRead: 1440, … }
 */
export class AppRunner implements BoxPart {
  readonly name = 'app-runner';
  readonly registry: AppRegistry;
  readonly arbiter: Arbiter;
  readonly tokens: TokenRegistry;
  readonly #options: AppRunnerOptions;
  readonly #running = new Map<string, { runId: string; abort: AbortController; done: Promise<RunRecord> }>();
  readonly #sessions = new Map<string, RunSession>();
  readonly #unavailable = new Map<string, string>();
  readonly #digests: InstallDigests;

  constructor(options: AppRunnerOptions) {
    this.#options = options;
    this.registry = new AppRegistry(options.store.db);
    this.#digests = new InstallDigests(options.store.db);
    this.arbiter = new Arbiter(options.store, this.registry);
    this.tokens = options.tokens ?? new TokenRegistry(() => options.store.now());
  }

  /**
   * Starts each runtime that an installed app uses (the others start on their first run, so a box
   * without container apps never loads the Docker client, ~25 MB); one that fails (e.g. no Docker
   * engine) is logged, and the other runtime's apps keep running.
   */
  async start(_signal: AbortSignal): Promise<void> {
    const used = new Set(this.registry.listInstalls().map((app) => app.manifest.runtime.type as string));
    for (const [kind, runtime] of Object.entries(this.#options.runtimes)) {
      if (!used.has(kind)) continue;
      try {
        await runtime?.start?.();
      } catch (error) {
        this.#unavailable.set(kind, (error as Error).message);
        this.#options.log?.(`databox: the ${kind} app runtime is unavailable: ${(error as Error).message}`);
      }
    }
  }

  async stop(): Promise<void> {
    for (const entry of this.#running.values()) entry.abort.abort();
    await Promise.allSettled([...this.#running.values()].map((e) => e.done));
    for (const [kind, runtime] of Object.entries(this.#options.runtimes))
      if (!this.#unavailable.has(kind)) await runtime?.stop?.();
  }

  /** True while a run of the app is under way (one run per app at a time). */
  isRunning(appId: string): boolean {
    return this.#running.has(appId);
  }

  /** The session of a live run token (for transports that authenticate by token). */
  sessionForToken(token: string | undefined, appId?: string): RunSession | undefined {
    const binding = this.tokens.verify(token, appId);
    return binding ? this.#sessions.get(binding.runId) : undefined;
  }

  /**
   * Why a scheduled run of the app may not start now (its `runsPerHour` quota is used up by the
   * runs of the last hour, however they started), or undefined when it may.
   */
  scheduledRunRefusal(appId: string): string | undefined {
    const { store } = this.#options;
    const { runsPerHour } = quotasFor(store, appId);
    const recent = this.registry.countRunsSince(appId, store.now() - HOUR_MS);
    if (recent < runsPerHour) return undefined;
    return `app "${appId}" ran ${recent} times in the last hour, its runsPerHour quota of ${runsPerHour}: scheduled runs wait (the householder can still run it, or raise the quota)`;
  }

  /**
   * Runs the app once to the end and returns its run record. Refuses a second concurrent run, and
   * a scheduled one past the app's runs-per-hour quota (a manual run is the householder's choice).
   */
  run(appId: string, trigger: RunTrigger = 'manual'): Promise<RunRecord> {
    if (this.#running.has(appId)) throw new ConflictError(`app "${appId}" is already running`);
    const app = this.registry.getInstall(appId);
    const refusal = trigger === 'manual' ? undefined : this.scheduledRunRefusal(appId);
    if (refusal) throw new DataboxError(429, 'rate_limited', refusal);
    const { manifest } = app;
    const runtime = this.#options.runtimes[manifest.runtime.type];
    if (!runtime)
      throw new DataboxError(
        503,
        'runtime_unavailable',
        `the ${manifest.runtime.type} runtime is not available in this box`,
      );
    const { store } = this.#options;
    const runId = randomUUID();
    const startedAt = store.now();
    const record: RunRecord = {
      runId,
      appId,
      appVersion: app.version,
      trigger,
      runtime: manifest.runtime.type,
      startedAt,
      endedAt: null,
      status: 'running',
      durationMs: null,
      reads: 0,
      rowsRead: 0,
      insights: 0,
      exports: 0,
      error: null,
      logs: [],
    };
    store.transaction(() => {
      this.registry.insertRun(record);
      store.audit.append({
        actor: `app:${appId}`,
        action: 'app.run.start',
        subject: appId,
        details: { run: runId, trigger, runtime: manifest.runtime.type, version: app.version },
      });
    });
    const token = this.tokens.issue(runId, appId, startedAt + manifest.limits.timeoutMs + TOKEN_GRACE_MS);
    const session = new RunSession({
      store,
      registry: this.registry,
      arbiter: this.arbiter,
      appId,
      runId,
      manifest,
      maxReads: this.#options.maxReadsPerRun,
      exports: this.#options.exports,
      tokens: this.tokens,
      token,
    });
    this.#sessions.set(runId, session);
    const abort = new AbortController();
    const started = performance.now();
    const done = (async () => {
      let outcome = await this.#filesChanged(appId, app.dir);
      try {
        outcome ??= await runtime.run({
          runId,
          appDir: app.dir,
          entry:
            manifest.runtime.type === 'isolate'
              ? join(app.dir, manifest.runtime.entry)
              : manifest.runtime.image,
          command: manifest.runtime.type === 'container' ? manifest.runtime.command : undefined,
          limits: { memoryMb: manifest.limits.memoryMb, timeoutMs: manifest.limits.timeoutMs },
          handle: (method, params) => session.handle(method, params),
          signal: abort.signal,
        });
      } catch (error) {
        // runtimes should never throw for app faults; a throw here is the runtime's own failure
        outcome = {
          status: 'error',
          error: `the ${runtime.kind} runtime failed: ${(error as Error).message}`,
          durationMs: Math.round(performance.now() - started),
          logs: [],
        };
      } finally {
        session.end();
        this.tokens.revokeRun(runId);
        this.#sessions.delete(runId);
      }
      // stacks point into the bundle: map them to the app's sources (dist/app.js.map)
      outcome = await mapRunStacks(outcome, app.dir).catch(() => outcome as RunOutcome);
      return this.#finish(record, session, outcome);
    })().finally(() => this.#running.delete(appId));
    this.#running.set(appId, { runId, abort, done });
    return done;
  }

  /** A refusal when the app's folder no longer holds exactly the files installed (see InstallDigests). */
  async #filesChanged(appId: string, dir: string): Promise<RunOutcome | undefined> {
    try {
      await this.#digests.verify(appId, dir);
      return undefined;
    } catch (error) {
      const message =
        error instanceof DataboxError
          ? error.message
          : `cannot check the app's files: ${(error as Error).message}`;
      return { status: 'error', error: message, durationMs: 0, logs: [] };
    }
  }

  #finish(record: RunRecord, session: RunSession, outcome: RunOutcome): RunRecord {
    const { store } = this.#options;
    const finished: RunRecord = {
      ...record,
      endedAt: store.now(),
      status: outcome.status,
      durationMs: Math.round(outcome.durationMs),
      reads: session.reads,
      rowsRead: session.rowsRead,
      insights: session.stats.insights,
      exports: session.stats.exports,
      error: outcome.error ?? null,
      // the isolate runtime records the app's log calls itself: add only the session's notes then
      logs: [...outcome.logs, ...(outcome.includesAppLogs ? session.notes : session.logs)].slice(0, 2000),
    };
    store.transaction(() => {
      this.registry.finishRun(finished);
      store.audit.append({
        actor: `app:${record.appId}`,
        action: 'app.run.end',
        subject: record.appId,
        details: {
          run: record.runId,
          status: finished.status,
          durationMs: finished.durationMs,
          reads: finished.reads,
          rowsRead: finished.rowsRead,
          insights: finished.insights,
          exports: finished.exports,
          error: finished.error,
          errorCode: outcome.status === 'ok' ? null : (outcome.errorCode ?? null),
        },
      });
    });
    if (finished.status !== 'ok')
      this.#options.log?.(
        `databox: app ${record.appId} run ${record.runId} ended ${finished.status}: ${finished.error ?? ''}`,
      );
    return finished;
  }
}
