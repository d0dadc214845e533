import type { Aggregate, NumericValueType } from './aggregates.ts';
import type { DataboxApp } from './define-app.ts';
import { durationMs } from './duration.ts';
import { LocalBox, type LocalExport, type LocalGrant } from './local-box.ts';
import { LocalSeries, type RawReading } from './local-series.ts';
import { type Manifest, validateManifest } from './manifest.ts';
import { finestOf, type GrantResolution, grantResolutionError } from './resolution.ts';
import type { DataReadResult, GrantInfo, InsightEmitParams, LogLevel } from './wire.ts';

/** Data for one request: readings, or readings with how they behave and their unit. */
export type LocalData =
  | readonly RawReading[]
  | { readings: readonly RawReading[]; valueType?: NumericValueType; unit?: string };

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
}

export interface LocalRunResult {
  status: 'ok' | 'error';
  /** The app's error message when `status` is `error`. */
  error?: string;
  now: number;
  grants: GrantInfo[];
  reads: DataReadResult[];
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
    const readings = 'readings' in data ? data.readings : (data as readonly RawReading[]);
    const valueType = ('readings' in data ? data.valueType : undefined) ?? 'gauge';
    grants.set(request.name, {
      request: request.name,
      kind: request.kind,
      unit: ('readings' in data ? data.unit : undefined) ?? '',
      resolution: choice.resolution,
      historyMs,
      aggregates: request.aggregates as Aggregate[],
      valueType,
      series: new LocalSeries(readings, valueType),
    });
  }
  return grants;
}

/**
 * Runs an app on this machine against in-memory data with the box's rules: the grant is checked
 * like at install (never finer than asked, history no longer than asked, required requests
 * granted), reads are planned by the same `planRead` as the arbiter (closed buckets only), rolled up
 * into the same epoch-aligned UTC buckets and served by the same `servePoints` (sparse buckets
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
  let error: string | undefined;
  try {
    await app.run((method, params) => box.handle(method, params));
  } catch (thrown) {
    error = thrown instanceof Error ? thrown.message : String(thrown);
  }
  return {
    status: error === undefined ? 'ok' : 'error',
    ...(error === undefined ? {} : { error }),
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
  const newest = Math.max(-1, ...[...grants.values()].map((g) => g.series.newest ?? -1));
  const now = options.now ?? (newest >= 0 ? newest + 1 : Date.now());
  return new LocalBox(manifest, grants, now, options.kv, options.rawPageRows, options.approve);
}
