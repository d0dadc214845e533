import type { AnyAppTypes, AppTypes } from './app-types.ts';
import type {
  CallFunction,
  DataEventsParams,
  DataEventsResult,
  DataKvParams,
  DataKvResult,
  DataReadParams,
  DataReadResult,
  ExportRequestResult,
  GrantInfo,
  InsightEmitParams,
  LogLevel,
  TimeZoneResult,
} from './wire.ts';

/** Options of `ctx.data.read`: all optional; the box fills in the grant's defaults. */
export type ReadOptions = Omit<DataReadParams, 'request'>;
/** Options of `ctx.data.events`: a window inside the granted history, a page size, a cursor. */
export type EventsOptions = Omit<DataEventsParams, 'request'>;
/** Options of `ctx.data.kv`: one key, or a page of entries after a key. */
export type KvReadOptions = Omit<DataKvParams, 'request'>;

/**
 * The typed client an app's `main` receives; identical in the isolate, a container and `runLocally`.
 * With the app's generated {@link AppTypes} (`defineApp<Types>`), request names, insight keys,
 * destinations and payloads are checked by the compiler.
 */
export interface AppContext<T extends AppTypes = AnyAppTypes> {
  data: {
    /** Reads a granted request (by its manifest name) at the granted resolution or coarser. */
    read(request: T['requests'], options?: ReadOptions): Promise<DataReadResult>;
    /** What this install was granted; declined requests are absent. */
    grants(): Promise<GrantInfo[]>;
    /** Reads a page of a granted event datasource (oldest first; `next` pages on). */
    events(request: T['requests'], options?: EventsOptions): Promise<DataEventsResult>;
    /** Reads entries of a granted kv datasource (one `key`, or a page in key order). */
    kv(request: T['requests'], options?: KvReadOptions): Promise<DataKvResult>;
    /** The value of one key of a granted kv datasource, or `null`. */
    kvGet<V = unknown>(request: T['requests'], key: string): Promise<V | null>;
  };
  insight: {
    /** Shows an insight to the householder (the key must be declared in the manifest). */
    emit(insight: InsightEmitParams & { key: T['insights'] }): Promise<void>;
  };
  export: {
    /** Asks the box to send `payload` to a declared destination; it is checked and queued. */
    request<D extends keyof T['exports'] & string>(
      destination: D,
      payload: T['exports'][D],
    ): Promise<ExportRequestResult>;
  };
  kv: {
    /** The app's own stored value for `key`, or `null`. Survives between runs. */
    get<T = unknown>(key: string): Promise<T | null>;
    set(key: string, value: unknown): Promise<void>;
  };
  settings: {
    /** The app's settings: the manifest's `settings` defaults with the householder's values over them. */
    get(): Promise<T['settings']>;
  };
  /**
   * The household's IANA time zone (e.g. `'Europe/Amsterdam'`), or `null` when the manifest does
   * not ask for it (`"timeZone": { "reason": … }`) or the householder declined. It is the box's
   * zone at the time of the call, so a change shows from the next run. Work in UTC, and say so,
   * when it is `null`: inside the sandbox `Intl` and `Date` only ever know UTC.
   *
   * @example
   * ```ts
   * const zone = (await ctx.timeZone()) ?? 'UTC';
   * const hour = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', hourCycle: 'h23' });
   * await ctx.log.info(`peak at ${hour.format(peak.t)}:00 (${zone})`);
   * ```
   */
  timeZone(): Promise<string | null>;
  log: {
    info(message: string): Promise<void>;
    warn(message: string): Promise<void>;
    error(message: string): Promise<void>;
  };
}

/**
 * Builds the typed client over a transport's `call` function. Every method is one `call`.
 *
 * @example
 * ```ts
 * const ctx = createAppContext(async (method, params) => box.handle(method, params));
 * const { points } = await ctx.data.read('power', { aggregate: 'max' });
 * await ctx.insight.emit({ key: 'peak', title: 'Peak power', value: Math.max(...points.map((p) => p.v)), unit: 'W' });
 * ```
 */
export function createAppContext(call: CallFunction): AppContext {
  const log = (level: LogLevel) => async (message: string) => {
    await call('log', { level, message: String(message) });
  };
  return Object.freeze({
    data: Object.freeze({
      read: async (request: string, options: ReadOptions = {}) =>
        (await call('data.read', { ...options, request })) as DataReadResult,
      grants: async () => (await call('data.grants', {})) as GrantInfo[],
      events: async (request: string, options: EventsOptions = {}) =>
        (await call('data.events', { ...options, request })) as DataEventsResult,
      kv: async (request: string, options: KvReadOptions = {}) =>
        (await call('data.kv', { ...options, request })) as DataKvResult,
      kvGet: async <T = unknown>(request: string, key: string) => {
        const { entries } = (await call('data.kv', { request, key })) as DataKvResult;
        return (entries[0]?.value ?? null) as T | null;
      },
    }),
    insight: Object.freeze({
      emit: async (insight: InsightEmitParams) => {
        await call('insight.emit', insight);
      },
    }),
    export: Object.freeze({
      request: async (destination: string, payload: unknown) =>
        (await call('export.request', { destination, payload })) as ExportRequestResult,
    }),
    kv: Object.freeze({
      get: async <T = unknown>(key: string) => ((await call('kv.get', { key })) ?? null) as T | null,
      set: async (key: string, value: unknown) => {
        await call('kv.set', { key, value });
      },
    }),
    settings: Object.freeze({
      get: async () => (await call('settings.get', {})) as Record<string, unknown>,
    }),
    timeZone: async () => ((await call('box.timeZone', {})) as TimeZoneResult | null)?.timeZone ?? null,
    log: Object.freeze({ info: log('info'), warn: log('warn'), error: log('error') }),
  });
}
