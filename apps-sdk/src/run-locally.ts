import type { Aggregate, NumericValueType } from './aggregates.ts';
import { AppApiError } from './app-api-error.ts';
import type { DataboxApp } from './define-app.ts';
import { durationMs } from './duration.ts';
import { LocalBox, type LocalExport, type LocalGrant } from './local-box.ts';
import { checkTimeZone, systemTimeZone } from './local-buckets.ts';
import { LocalSeries, type RawReading } from './local-series.ts';
import { type Manifest, validateManifest } from './manifest.ts';
import { finestOf, type GrantResolution, grantResolutionError } from './resolution.ts';
import { type RunFailure, type RunFailureCode, thrownFailure, timeLimitFailure } from './run-failure.ts';
import type {
  DataEventsResult,
  DataReadResult,
  EventPoint,
  GrantInfo,
  InsightEmitParams,
  KvEntry,
  LogLevel,
} from './wire.ts';

/**
 * Data for one request: readings, or readings with how they behave and their unit; events of an
 * event datasource (`{ events: [{ t, data }] }`); or entries of a kv datasource (`{ kv: { key: value } }`,
 * each set at the run's `now`, or `{ kv: [{ key, value, updatedAt }] }`).
 */
export type LocalData =
  | readonly RawReading[]
  | { readings: readonly RawReading[]; valueType?: NumericValueType; unit?: string }
  | { events: readonly EventPoint[]; unit?: string }
  | {
      kv: Record<string, unknown> | ReadonlyArray<{ key: string; value: unknown; updatedAt?: number }>;
      unit?: string;
    };

/** What the householder grants for one request (absent = declined). */
export interface LocalGrantChoice {
  /** Never finer than the finest the request lists (`10s` is granted as `raw`). */
  resolution: GrantResolution;
  /** ISO 8601 duration, at most the request's `history`; default the request's `history`. */
  history?: string;
}

export interface RunLocallyOptions {
  /** The app's manifest (as in `databox-app.json`); validated first. */
  manifest: unknown;
  /** Raw readings per request name; the harness rolls them up exactly as the box does. */
  data: Record<string, LocalData>;
  /** The grant per request name; leave a request out to decline it. */
  grant: Record<string, LocalGrantChoice>;
  /** The run's "now" in ms; default just after the newest reading (else `Date.now()`). */
  now?: number;
  /** The app's kv before the run. */
  kv?: Record<string, unknown>;
  /** Most raw rows one read returns (default 200 000, as in the box); apps page with `from`. */
  rawPageRows?: number;
  /** Export destinations the householder approves (default: every declared one). */
  approve?: string[];
  /** The householder's settings (default: the manifest's `settings` defaults); checked against its schema. */
  settings?: Record<string, unknown>;
  /**
   * The box's IANA time zone (default: this machine's, `Intl.DateTimeFormat().resolvedOptions().timeZone`).
   * `1h` and `1d` buckets start on its local hours and days, as the box serves them (a 23- or
   * 25-hour day where the clocks change); pass the householder's zone, or `'UTC'` for fixed results.
   */
  timeZone?: string;
  /**
   * Whether the householder lets the app know `timeZone` through `ctx.timeZone()`, when the
   * manifest asks for it (`"timeZone": { "reason": … }`); default yes. `false` is the declined
   * case: the app reads `null`, as it does when the manifest does not ask.
   */
  shareTimeZone?: boolean;
}

export interface LocalRunResult {
  /** `timeout` when the app went over the manifest's `limits.timeoutMs`, as on the box. */
  status: 'ok' | 'error' | 'timeout';
  /** Why the run failed, in the words every runtime uses for the same failure (`run-failure.ts`). */
  error?: string;
  /**
   * The failure's code, as in every runtime: the code of an app API refusal the app did not catch
   * (`AppApiError`: `forbidden`, …), `app_error` for anything else it threw, `time_limit`.
   */
  errorCode?: RunFailureCode;
  /** The stack of the app's error (mapped to your sources when run from them, e.g. by vitest). */
  stack?: string;
  now: number;
  grants: GrantInfo[];
  reads: DataReadResult[];
  /** Pages of events the app read with `data.events`. */
  eventReads: DataEventsResult[];
  insights: InsightEmitParams[];
  exports: LocalExport[];
  /** The app's kv after the run. */
  kv: Record<string, unknown>;
  logs: Array<{ level: LogLevel; message: string }>;
}

function checkedManifest(json: unknown): Manifest {
  const result = validateManifest(json);
  if (result.ok) return result.manifest;
  throw new Error(`invalid manifest:\n${result.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
}

/** `updatedAt` of kv entries given without one: replaced by the run's `now` once it is known. */
const AT_NOW = -1;

function localSource(name: string, data: LocalData) {
  const unit = ('unit' in data ? data.unit : undefined) ?? '';
  if ('events' in data) {
    if (!Array.isArray(data.events)) throw new Error(`data.${name}.events must be an array of { t, data }`);
    data.events.forEach((e, i) => {
      if (!Number.isSafeInteger(e?.t) || e.t < 0 || JSON.stringify(e.data) === undefined)
        throw new Error(`data.${name}.events[${i}] must be { t: ms since 1970, data: any JSON value }`);
    });
    // as the store keeps them: by time, then in arrival order; values cross as JSON
    const events = data.events
      .map((e, i) => ({ t: e.t, data: JSON.parse(JSON.stringify(e.data)), i }))
      .sort((a, b) => a.t - b.t || a.i - b.i)
      .map(({ t, data: d }) => ({ t, data: d }));
    return {
      holds: 'event' as const,
      readings: [],
      events,
      entries: undefined,
      valueType: 'gauge' as const,
      unit,
    };
  }
  if ('kv' in data) {
    const list = Array.isArray(data.kv)
      ? data.kv
      : Object.entries(data.kv as Record<string, unknown>).map(([key, value]) => ({ key, value }));
    const entries: KvEntry[] = list
      .map((e) => ({
        key: e.key,
        value: JSON.parse(JSON.stringify(e.value ?? null)),
        updatedAt: e.updatedAt ?? AT_NOW,
      }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return {
      holds: 'kv' as const,
      readings: [],
      events: undefined,
      entries,
      valueType: 'gauge' as const,
      unit,
    };
  }
  const readings = 'readings' in data ? data.readings : (data as readonly RawReading[]);
  const valueType = ('readings' in data ? data.valueType : undefined) ?? 'gauge';
  return { holds: 'numeric' as const, readings, events: undefined, entries: undefined, valueType, unit };
}

function buildGrants(manifest: Manifest, options: RunLocallyOptions): Map<string, LocalGrant> {
  const grants = new Map<string, LocalGrant>();
  for (const name of Object.keys(options.grant)) {
    if (!manifest.requests.some((r) => r.name === name))
      throw new Error(`grant.${name}: the manifest has no request "${name}"`);
  }
  for (const request of manifest.requests) {
    const choice = options.grant[request.name];
    if (!choice) {
      if (request.required)
        throw new Error(`grant.${request.name}: the request is required and cannot be declined`);
      continue;
    }
    const asked = finestOf(request.resolutions.map((r) => r.resolution));
    const problem = grantResolutionError(asked, choice.resolution);
    if (problem) throw new Error(`grant.${request.name}: ${problem}`);
    const askedMs = durationMs(request.history);
    const historyMs = choice.history === undefined ? askedMs : durationMs(choice.history);
    if (historyMs > askedMs)
      throw new Error(
        `grant.${request.name}: history ${choice.history} is longer than the ${request.history} asked for`,
      );
    const data = options.data[request.name] ?? [];
    const { holds, readings, events, entries, valueType, unit } = localSource(request.name, data);
    grants.set(request.name, {
      request: request.name,
      kind: request.kind,
      unit,
      resolution: choice.resolution,
      historyMs,
      aggregates: request.aggregates as Aggregate[],
      valueType,
      series: new LocalSeries(readings, valueType),
      holds,
      ...(events ? { events } : {}),
      ...(entries ? { entries } : {}),
    });
  }
  return grants;
}

/**
 * Runs an app on this machine against in-memory data with the box's rules: the grant is checked
 * like at install (never finer than asked, history no longer than asked, required requests
 * granted), reads are planned by the same `planRead` as the arbiter (closed buckets only), rolled up
 * into the same buckets (epoch-aligned up to `30min`; `1h` and `1d` on the local hours and days of
 * `timeZone`, by the arbiter's rule) and served by the same `servePoints` (sparse buckets
 * withheld, `n` only with `count`), insights and exports are checked against the manifest and its JSON
 * Schemas. Shows a developer exactly what a householder's grant gives the app.
 *
 * @example
 * ```ts
 * import app from '../src/index.ts';
 * const result = await runLocally(app, {
 *   manifest: JSON.parse(await readFile('databox-app.json', 'utf8')),
 *   data: { power: readings },
 *   grant: { power: { resolution: '30min', history: 'P30D' } },
 * });
 * console.log(result.status, result.insights);
 * ```
 * @throws Error for an invalid manifest or a grant the box would not accept (app faults do not throw).
 */
export async function runLocally(app: DataboxApp, options: RunLocallyOptions): Promise<LocalRunResult> {
  const box = createLocalBox(options);
  const grantList = (await box.handle('data.grants', {})) as GrantInfo[];
  let failure: RunFailure | undefined;
  let stack: string | undefined;
  // As on the box, the run ends at the manifest's time limit; calls after it are refused (the app's
  // promise cannot be stopped in this process, but it can no longer read or emit).
  let ended = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeoutMs = box.manifest.limits.timeoutMs;
  const overTime = new Promise<RunFailure>((resolve) => {
    timer = setTimeout(() => resolve(timeLimitFailure(timeoutMs)), timeoutMs);
  });
  try {
    const running = app.run((method, params) =>
      ended
        ? Promise.reject(new AppApiError('unauthorized', 'the run has ended'))
        : box.handle(method, params),
    );
    failure = await Promise.race([running.then(() => undefined), overTime]);
  } catch (thrown) {
    failure = thrownFailure(thrown);
    if (thrown instanceof Error && thrown.stack) stack = thrown.stack;
  } finally {
    ended = true;
    clearTimeout(timer);
  }
  return {
    status: failure === undefined ? 'ok' : failure.status === 'timeout' ? 'timeout' : 'error',
    ...(failure === undefined
      ? {}
      : { error: failure.message, errorCode: failure.code, ...(stack === undefined ? {} : { stack }) }),
    now: box.now,
    grants: grantList,
    ...box.record,
  };
}

/**
 * The box side of {@link runLocally} on its own: a `LocalBox` whose `handle(method, params)` can
 * serve a real runtime (an isolate or a container) with the same data and grant, so a test can
 * check an app gives the same results there as locally.
 *
 * @example
 * ```ts
 * const box = createLocalBox({ manifest, data: { power }, grant: { power: { resolution: '30min' } } });
 * await isolateRuntime.run({ runId: 'r1', appDir, entry: 'dist/app.js', limits, handle: (m, p) => box.handle(m, p) });
 * console.log(box.record.insights);
 * ```
 * @throws Error for an invalid manifest or a grant the box would not accept.
 */
export function createLocalBox(options: RunLocallyOptions): LocalBox {
  const manifest = checkedManifest(options.manifest);
  const grants = buildGrants(manifest, options);
  const newest = Math.max(
    -1,
    ...[...grants.values()].flatMap((g) => [
      g.series.newest ?? -1,
      g.events?.at(-1)?.t ?? -1,
      ...(g.entries ?? []).map((e) => e.updatedAt),
    ]),
  );
  const now = options.now ?? (newest >= 0 ? newest + 1 : Date.now());
  for (const g of grants.values()) {
    if (g.entries) g.entries = g.entries.map((e) => (e.updatedAt === AT_NOW ? { ...e, updatedAt: now } : e));
  }
  return new LocalBox(
    manifest,
    grants,
    now,
    options.kv,
    options.rawPageRows,
    options.approve,
    options.settings,
    checkTimeZone(options.timeZone ?? systemTimeZone()),
    options.shareTimeZone ?? true,
  );
}
