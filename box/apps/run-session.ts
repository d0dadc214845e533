import type { Manifest } from '../../apps-sdk/src/manifest.ts';
import { isMethod, parseParams } from '../../apps-sdk/src/wire.ts';
import { appError, toAppError } from '../arbiter/app-error.ts';
import type { Arbiter, ReadContext } from '../arbiter/arbiter.ts';
import type { TokenRegistry } from '../arbiter/token-registry.ts';
import { KvWriteAudit } from '../audit/kv-write-audit.ts';
import { ExportService } from '../exports/export-service.ts';
import type { Store } from '../store/store.ts';
import { readTimeSettings } from '../time/time-settings.ts';
import { checkKvSet, insightBytes, type QuotaLimits, quotaError, quotasFor } from './app-quotas.ts';
import type { AppRegistry } from './app-registry.ts';
import { appSettings } from './app-settings-store.ts';
import { checkJsonSchema } from './json-schema-check.ts';

export const MAX_INSIGHTS_PER_RUN = 100;
export const MAX_LOG_LINES = 1000;
const MAX_LOG_LINE = 2000;
/** The methods that read granted data: each refusal is audited (see `Arbiter.refused`). */
const READ_METHODS = new Set(['data.read', 'data.events', 'data.kv']);

export interface RunSessionDeps {
  store: Store;
  registry: AppRegistry;
  arbiter: Arbiter;
  appId: string;
  runId: string;
  manifest: Manifest;
  maxReads?: number;
  /** The run's token: once it is revoked or expired (run end, timeout, uninstall) calls are refused. */
  tokens: TokenRegistry;
  token: string;
  /** Checks and records export requests (the box's, with its config); a default one without it. */
  exports?: ExportService;
}

/**
 * The box side of one app run: `handle(method, params)` is the only thing a runtime calls. It
 * validates params with the SDK's wire schemas, enforces grants through the arbiter, and stores
 * insights, export requests (checked and put in the ledger by `ExportService`), the app's kv
 * (`app:<id>`) and log lines. After {@link end} every call is refused.
 *
 * @example
 * const token = tokens.issue(runId, appId, deadline);
 * const session = new RunSession({ store, registry, arbiter, appId, runId, manifest, tokens, token });
 * await session.handle('data.read', { request: 'power' });
 * session.end();
 */
export class RunSession {
  readonly appId: string;
  readonly runId: string;
  /** The app's log lines and the session's notes, in order. */
  readonly logs: string[] = [];
  /** The session's own notes only (for runtimes that record the app's log lines themselves). */
  readonly notes: string[] = [];
  readonly stats = { insights: 0, exports: 0 };
  readonly #deps: RunSessionDeps;
  readonly #read: ReadContext;
  #ended = false;
  #quotas: QuotaLimits | undefined;
  #exportService: ExportService | undefined;
  /** Bytes of the app's stored insights, counted once per run then kept up to date here. */
  #insightBytes: number | undefined;
  /** The app's kv writes, audited by key and size (never the value), capped per run. */
  #kvAudit: KvWriteAudit | undefined;

  constructor(deps: RunSessionDeps) {
    this.#deps = deps;
    this.appId = deps.appId;
    this.runId = deps.runId;
    this.#read = { appId: deps.appId, runId: deps.runId, reads: 0, rowsRead: 0, maxReads: deps.maxReads };
  }

  get reads(): number {
    return this.#read.reads;
  }

  get rowsRead(): number {
    return this.#read.rowsRead;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Ends the session: every later call is refused; export refusals past the audited few are summarised. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#exportService?.endRun(this.runId, this.appId);
    this.#kvAudit?.end();
    this.#deps.arbiter.endRun(this.#read);
  }

  /** The app's quotas, read once per run (the householder's changes apply from the next run). */
  get quotas(): QuotaLimits {
    this.#quotas ??= quotasFor(this.#deps.store, this.appId);
    return this.#quotas;
  }

  /** Handles one app call. Rejects with a DataboxError whose code is an SDK app API code. */
  async handle(method: string, params: unknown): Promise<unknown> {
    try {
      // awaited so that async handlers' rejections become app errors too
      return await this.#dispatch(method, params);
    } catch (error) {
      const refusal = toAppError(error);
      // every refused read is audited, also those refused before the arbiter (run over, bad params)
      if (READ_METHODS.has(method)) this.#deps.arbiter.refused(this.#read, params, refusal);
      throw refusal;
    }
  }

  #dispatch(method: string, params: unknown): unknown {
    if (this.#ended) throw appError('forbidden', `run ${this.runId} has ended`);
    if (!this.#deps.tokens.verify(this.#deps.token, this.appId))
      throw appError(
        'forbidden',
        `the token of run ${this.runId} is no longer valid (run over time, or app revoked)`,
      );
    if (!isMethod(method)) throw appError('not_found', `unknown method "${method}"`);
    if (!this.#deps.registry.findInstall(this.appId))
      throw appError('forbidden', `app "${this.appId}" is no longer installed`);
    // the SDK's check, so a bad call gets the same message here as in runLocally
    const p = parseParams(method, params) as Record<string, unknown>;
    switch (method) {
      case 'data.read':
        return this.#deps.arbiter.read(this.#read, p as unknown as Parameters<Arbiter['read']>[1]);
      case 'data.grants':
        return this.#deps.arbiter.grantInfo(this.appId);
      case 'data.events':
        return this.#deps.arbiter.events(this.#read, p as unknown as Parameters<Arbiter['events']>[1]);
      case 'data.kv':
        return this.#deps.arbiter.kv(this.#read, p as unknown as Parameters<Arbiter['kv']>[1]);
      case 'insight.emit':
        return this.#emit(p);
      case 'export.request':
        return this.#export(p.destination as string, p.payload);
      case 'kv.get':
        return this.#deps.store.kv.get(`app:${this.appId}`, p.key as string) ?? null;
      case 'kv.set':
        return this.#kvSet(p.key as string, p.value);
      case 'settings.get':
        return appSettings(this.#deps.store, this.appId, this.#deps.manifest);
      case 'box.timeZone':
        return { timeZone: this.#timeZone() };
      case 'log':
        this.#log(p.level as string, p.message as string);
        return { ok: true };
    }
  }

  /**
   * The box's configured zone, read at the call (a change shows on the next run), if the app's
   * manifest asks and the householder's current consent says yes; else null.
   */
  #timeZone(): string | null {
    const { store, registry, manifest } = this.#deps;
    const consent = registry.currentConsent(this.appId);
    if (!manifest.timeZone || consent?.timeZone !== true || consent.expiresAt <= store.now()) return null;
    return readTimeSettings(store).timeZone;
  }

  #log(level: string, message: string): void {
    if (this.logs.length >= MAX_LOG_LINES) return;
    this.logs.push(`${level}: ${message.slice(0, MAX_LOG_LINE)}`);
    if (this.logs.length === MAX_LOG_LINES) this.logs.push(`(log capped at ${MAX_LOG_LINES} lines)`);
  }

  #kvSet(key: string, value: unknown): { ok: true } {
    const { store } = this.#deps;
    const ns = `app:${this.appId}`;
    const json = JSON.stringify(value === undefined ? null : value);
    this.#kvAudit ??= new KvWriteAudit(store.audit, this.appId, this.runId);
    const audit = this.#kvAudit;
    store.transaction(() => {
      checkKvSet(store, this.quotas, ns, key, json);
      store.kv.set(ns, key, value === undefined ? null : value, store.now());
      audit.record(key, Buffer.byteLength(json));
    });
    return { ok: true };
  }

  async #emit(p: Record<string, unknown>): Promise<{ ok: true }> {
    const { store, registry, manifest } = this.#deps;
    const declared = manifest.insights.find((i) => i.key === p.key);
    if (!declared)
      throw appError(
        'bad_request',
        `insight "${String(p.key)}" is not declared in the manifest (declared: ${manifest.insights.map((i) => i.key).join(', ') || 'none'})`,
      );
    if (this.stats.insights >= MAX_INSIGHTS_PER_RUN)
      throw appError('rate_limited', `this run has emitted its ${MAX_INSIGHTS_PER_RUN} insights`);
    if (declared.schema && p.data !== undefined) {
      // off the main thread, with a time limit: the schema's patterns are the app's code
      const problems = await checkJsonSchema(declared.schema, p.data, 'data');
      if (problems.length > 0)
        throw appError('bad_request', `insight "${declared.key}" data does not match its schema`, problems);
      if (this.#ended) throw appError('forbidden', `run ${this.runId} has ended`);
      if (this.stats.insights >= MAX_INSIGHTS_PER_RUN)
        throw appError('rate_limited', `this run has emitted its ${MAX_INSIGHTS_PER_RUN} insights`);
    }
    const insight = {
      appId: this.appId,
      runId: this.runId,
      key: declared.key,
      title: p.title as string,
      summary: (p.summary as string | undefined) ?? null,
      value: (p.value as number | undefined) ?? null,
      unit: (p.unit as string | undefined) ?? null,
      data: p.data,
      createdAt: store.now(),
    };
    const { insightBytes: max, insightsTotalBytes: total } = this.quotas;
    const bytes = insightBytes(insight);
    if (bytes > max) throw quotaError('insightBytes', max, `insight "${declared.key}" is ${bytes} bytes`);
    if (bytes > total)
      throw quotaError('insightsTotalBytes', total, `insight "${declared.key}" is ${bytes} bytes`);
    const before = this.#insightBytes ?? registry.insightBytes(this.appId);
    const { used, removed } = store.transaction(() => {
      // past the total the app's oldest insights make room: the newest answers are the ones shown
      const trimmed =
        before + bytes > total
          ? registry.trimOldestInsights(this.appId, before + bytes - total)
          : { removed: 0, freed: 0 };
      registry.insertInsight(insight);
      return { used: before - trimmed.freed + bytes, removed: trimmed.removed };
    });
    this.#insightBytes = used;
    if (removed > 0) {
      const note = `box: removed the ${removed} oldest insights to stay within ${total} bytes`;
      this.#log('info', note);
      if (this.notes.length < MAX_LOG_LINES) this.notes.push(`info: ${note}`);
    }
    this.stats.insights++;
    return { ok: true };
  }

  async #export(destination: string, payload: unknown): Promise<{ id: string; status: 'pending' }> {
    const { store, registry, exports } = this.#deps;
    this.#exportService ??= exports ?? new ExportService({ store, registry });
    const service = this.#exportService;
    const entry = await service.request({ appId: this.appId, runId: this.runId, destination, payload });
    this.stats.exports++;
    // `pending` to the app whether it waits for review or for the gateway (see docs/exports.md)
    return { id: entry.id, status: 'pending' };
  }
}
