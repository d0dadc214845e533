import { z } from 'zod';
import { AGGREGATES, type Aggregate } from './aggregates.ts';
import { AppApiError } from './app-api-error.ts';
import { formatPath } from './manifest.ts';
import { MAX_EVENTS_PER_READ, MAX_KV_ENTRIES_PER_READ } from './record-rules.ts';
import { GRANT_RESOLUTIONS, type GrantResolution } from './resolution.ts';

/**
 * The app API: the methods an app calls on the box, their parameters and results. One module used
 * by the SDK (client side) and the box (CORE validates params with these schemas), so both sides
 * agree by construction. Every call is `call(method, params) → Promise<result>`, in every runtime.
 */

/**
 * Every app API method.
 *
 * @example
 * ```ts
 * for (const method of METHODS) router.register(method);
 * ```
 */
export const METHODS = [
  'data.read',
  'data.grants',
  'data.events',
  'data.kv',
  'insight.emit',
  'export.request',
  'kv.get',
  'kv.set',
  'settings.get',
  'box.timeZone',
  'log',
] as const;
export type Method = (typeof METHODS)[number];

/**
 * True when `name` is an app API method.
 *
 * @example
 * ```ts
 * isMethod('data.read'); // true
 * isMethod('fs.read'); // false
 * ```
 */
export function isMethod(name: string): name is Method {
  return (METHODS as readonly string[]).includes(name);
}

const timestamp = z.number().int().min(0).max(253_402_300_799_999);

export const dataReadParamsSchema = z.strictObject({
  request: z.string().min(1),
  from: timestamp.optional(),
  to: timestamp.optional(),
  resolution: z.enum(GRANT_RESOLUTIONS).optional(),
  aggregate: z.enum(AGGREGATES).optional(),
});
export const dataGrantsParamsSchema = z.strictObject({});
export const dataEventsParamsSchema = z.strictObject({
  request: z.string().min(1),
  from: timestamp.optional(),
  to: timestamp.optional(),
  limit: z.number().int().min(1).max(MAX_EVENTS_PER_READ).optional(),
  /** The `next` of the previous page, as it was given. */
  cursor: z.string().min(1).max(40).optional(),
});
export const dataKvParamsSchema = z.strictObject({
  request: z.string().min(1),
  /** One key (the result then holds that entry or none); without it, a page of entries in key order. */
  key: z.string().min(1).max(256).optional(),
  /** List entries whose key sorts after this one (the `next` of the previous page). */
  after: z.string().min(1).max(256).optional(),
  limit: z.number().int().min(1).max(MAX_KV_ENTRIES_PER_READ).optional(),
});
export const insightEmitParamsSchema = z.strictObject({
  key: z.string().min(1).max(64),
  title: z.string().min(1).max(200),
  summary: z.string().max(2000).optional(),
  value: z.number().optional(),
  unit: z.string().max(32).optional(),
  data: z.unknown().optional(),
});
export const exportRequestParamsSchema = z.strictObject({
  destination: z.string().min(1),
  payload: z.unknown(),
});
export const kvGetParamsSchema = z.strictObject({ key: z.string().min(1).max(256) });
export const kvSetParamsSchema = z.strictObject({ key: z.string().min(1).max(256), value: z.unknown() });
export const settingsGetParamsSchema = z.strictObject({});
export const boxTimeZoneParamsSchema = z.strictObject({});
export const logParamsSchema = z.strictObject({
  level: z.enum(['info', 'warn', 'error']),
  message: z.string().max(10_000),
});

/**
 * The params schema of each method (CORE: `PARAMS_SCHEMAS[method].parse(params)`).
 *
 * @example
 * ```ts
 * const params = PARAMS_SCHEMAS['data.read'].parse({ request: 'power', resolution: '1h' });
 * ```
 */
export const PARAMS_SCHEMAS = {
  'data.read': dataReadParamsSchema,
  'data.grants': dataGrantsParamsSchema,
  'data.events': dataEventsParamsSchema,
  'data.kv': dataKvParamsSchema,
  'insight.emit': insightEmitParamsSchema,
  'export.request': exportRequestParamsSchema,
  'kv.get': kvGetParamsSchema,
  'kv.set': kvSetParamsSchema,
  'settings.get': settingsGetParamsSchema,
  'box.timeZone': boxTimeZoneParamsSchema,
  log: logParamsSchema,
} as const satisfies Record<Method, z.ZodType>;

/**
 * Validates the params of `method` with its schema, as the box and `runLocally` both do, so a
 * bad call fails alike everywhere: `bad_request` naming each field, e.g.
 * `invalid params for data.read: params.from: Invalid input: expected number, received string`.
 *
 * @example
 * ```ts
 * const params = parseParams('data.read', { request: 'power' });
 * ```
 * @throws AppApiError `bad_request`.
 */
export function parseParams<M extends Method>(
  method: M,
  params: unknown,
): z.output<(typeof PARAMS_SCHEMAS)[M]> {
  const result = PARAMS_SCHEMAS[method].safeParse(params ?? {});
  if (result.success) return result.data as z.output<(typeof PARAMS_SCHEMAS)[M]>;
  const detail = result.error.issues
    .slice(0, 10)
    .map((i) => `${formatPath(['params', ...i.path])}: ${i.message}`)
    .join('; ');
  throw new AppApiError('bad_request', `invalid params for ${method}: ${detail}`);
}

export type DataReadParams = z.input<typeof dataReadParamsSchema>;
export type DataEventsParams = z.input<typeof dataEventsParamsSchema>;
export type DataKvParams = z.input<typeof dataKvParamsSchema>;
export type InsightEmitParams = z.input<typeof insightEmitParamsSchema>;
export type ExportRequestParams = z.input<typeof exportRequestParamsSchema>;
export type KvGetParams = z.input<typeof kvGetParamsSchema>;
export type KvSetParams = z.input<typeof kvSetParamsSchema>;
export type LogParams = z.input<typeof logParamsSchema>;
export type LogLevel = LogParams['level'];

/**
 * One point of a read: `t` ms (bucket start for rollups), `v` the value. `n`, the number of
 * readings in the bucket, is present only when the request declared the `count` aggregate (or the
 * grant is `raw`); rollup reads return closed buckets of at least `MIN_READINGS_PER_BUCKET` readings.
 */
export interface DataPoint {
  t: number;
  v: number;
  n?: number;
}

export interface DataReadResult {
  request: string;
  kind: string;
  unit: string;
  resolution: GrantResolution;
  /** `null` for raw reads. */
  aggregate: Aggregate | null;
  /** The window actually read (after clipping to the grant), `[from, to)`. */
  from: number;
  to: number;
  points: DataPoint[];
}

/** One event of an event datasource: its time and its JSON data. */
export interface EventPoint {
  t: number;
  data: unknown;
}

/**
 * A page of events of a granted event datasource, oldest first, inside the granted history
 * window `[from, to)`. `next` is set when more events remain: pass it as `cursor` (with the same
 * window) for the next page.
 */
export interface DataEventsResult {
  request: string;
  kind: string;
  from: number;
  to: number;
  events: EventPoint[];
  next: string | null;
}

/** One entry of a kv datasource: `updatedAt` is when it was last set (ms). */
export interface KvEntry {
  key: string;
  value: unknown;
  updatedAt: number;
}

/**
 * Entries of a granted kv datasource in key order (only those set inside the granted history
 * window). `next` is set when more remain: pass it as `after` for the next page.
 */
export interface DataKvResult {
  request: string;
  kind: string;
  entries: KvEntry[];
  next: string | null;
}

/** What an install was granted for one request (a declined request is absent). */
export interface GrantInfo {
  request: string;
  kind: string;
  unit: string;
  resolution: GrantResolution;
  historyMs: number;
  aggregates: Aggregate[];
}

/**
 * The household's IANA time zone (the box's configured zone, as it is at the call), or `null`
 * when the manifest did not ask for it or the householder declined.
 */
export interface TimeZoneResult {
  timeZone: string | null;
}

export interface OkResult {
  ok: true;
}

export interface ExportRequestResult {
  id: string;
  status: 'pending';
}

/** Params and result of every method, for typed clients and handlers. */
export interface MethodMap {
  'data.read': { params: DataReadParams; result: DataReadResult };
  'data.grants': { params: Record<string, never>; result: GrantInfo[] };
  'data.events': { params: DataEventsParams; result: DataEventsResult };
  'data.kv': { params: DataKvParams; result: DataKvResult };
  'insight.emit': { params: InsightEmitParams; result: OkResult };
  'export.request': { params: ExportRequestParams; result: ExportRequestResult };
  'kv.get': { params: KvGetParams; result: unknown };
  'kv.set': { params: KvSetParams; result: OkResult };
  /** The app's settings: the manifest's defaults with the householder's values over them. */
  'settings.get': { params: Record<string, never>; result: Record<string, unknown> };
  /** The household's time zone, only if the manifest asks for it and the householder agreed. */
  'box.timeZone': { params: Record<string, never>; result: TimeZoneResult };
  log: { params: LogParams; result: OkResult };
}

/** The one function every runtime gives an app: send a method and params, get the result. */
export type CallFunction = (method: string, params: object) => Promise<unknown>;

/** The error body of the HTTP transport: `{ error: { code, message } }`. */
export interface WireError {
  error: { code: string; message: string };
}

export { CALL_PATH, ENV_SOCKET, ENV_TOKEN } from './transport.ts';
