import { z } from 'zod';
import { AGGREGATES, type Aggregate } from './aggregates.ts';
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
  'insight.emit',
  'export.request',
  'kv.get',
  'kv.set',
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
  'insight.emit': insightEmitParamsSchema,
  'export.request': exportRequestParamsSchema,
  'kv.get': kvGetParamsSchema,
  'kv.set': kvSetParamsSchema,
  log: logParamsSchema,
} as const satisfies Record<Method, z.ZodType>;

export type DataReadParams = z.input<typeof dataReadParamsSchema>;
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

/** What an install was granted for one request (a declined request is absent). */
export interface GrantInfo {
  request: string;
  kind: string;
  unit: string;
  resolution: GrantResolution;
  historyMs: number;
  aggregates: Aggregate[];
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
  'insight.emit': { params: InsightEmitParams; result: OkResult };
  'export.request': { params: ExportRequestParams; result: ExportRequestResult };
  'kv.get': { params: KvGetParams; result: unknown };
  'kv.set': { params: KvSetParams; result: OkResult };
  log: { params: LogParams; result: OkResult };
}

/** The one function every runtime gives an app: send a method and params, get the result. */
export type CallFunction = (method: string, params: object) => Promise<unknown>;

/** The error body of the HTTP transport: `{ error: { code, message } }`. */
export interface WireError {
  error: { code: string; message: string };
}

export { CALL_PATH, ENV_SOCKET, ENV_TOKEN } from './transport.ts';
