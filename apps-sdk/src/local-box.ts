import { Ajv, type ValidateFunction } from 'ajv';
import type { z } from 'zod';
import { AppApiError } from './app-api-error.ts';
import type { LocalSeries } from './local-series.ts';
import type { Manifest } from './manifest.ts';
import { formatPath } from './manifest.ts';
import { planRead, type ReadGrant, servePoints } from './read-rules.ts';
import {
  type DataReadResult,
  type GrantInfo,
  type InsightEmitParams,
  isMethod,
  type LogLevel,
  PARAMS_SCHEMAS,
} from './wire.ts';

/** Most raw rows one `data.read` returns in the box (the arbiter's page size). */
export const RAW_PAGE_ROWS = 200_000;
/** Most insights one run may emit in the box. */
export const MAX_INSIGHTS_PER_RUN = 100;

/** A granted request in the local harness: the read grant plus what `data.grants` shows. */
export interface LocalGrant extends ReadGrant {
  kind: string;
  unit: string;
  series: LocalSeries;
}

export interface LocalExport {
  id: string;
  destination: string;
  payload: unknown;
  bytes: number;
}

/** What a local run recorded, in call order. */
export interface LocalRecord {
  insights: InsightEmitParams[];
  exports: LocalExport[];
  kv: Record<string, unknown>;
  logs: Array<{ level: LogLevel; message: string }>;
  reads: DataReadResult[];
}

function parse<S extends z.ZodType>(schema: S, method: string, params: unknown): z.output<S> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
  throw new AppApiError('bad_request', `${method}: invalid params (${detail})`);
}

/**
 * The box side of `runLocally`: answers app API calls from in-memory data with the box's rules
 * (param schemas, `planRead` and `servePoints`, declared insights and export destinations, JSON Schemas, size and
 * per-day limits). Values cross as JSON, as they do over both transports.
 *
 * @example
 * ```ts
 * const box = createLocalBox({ manifest, data: { power }, grant: { power: { resolution: '30min' } } });
 * await box.handle('data.read', { request: 'power' }); // { resolution: '30min', points: [...] }
 * box.record.reads.length; // 1
 * ```
 */
export class LocalBox {
  readonly record: LocalRecord;
  readonly #ajv = new Ajv({ allErrors: true, strict: false });
  readonly #schemas = new Map<string, ValidateFunction>();

  constructor(
    readonly manifest: Manifest,
    readonly grants: ReadonlyMap<string, LocalGrant>,
    readonly now: number,
    kv: Record<string, unknown> = {},
    /** Most raw rows one read returns, like the box (apps page with `from`). */
    readonly rawPageRows = RAW_PAGE_ROWS,
    /** Export destinations the householder approved; default all declared. */
    readonly approved: readonly string[] = manifest.exports.map((e) => e.id),
  ) {
    this.record = { insights: [], exports: [], kv: structuredClone(kv), logs: [], reads: [] };
  }

  async handle(method: string, rawParams: unknown): Promise<unknown> {
    if (!isMethod(method)) throw new AppApiError('not_found', `unknown method "${method}"`);
    const params: unknown = rawParams === undefined ? undefined : JSON.parse(JSON.stringify(rawParams));
    const result = this.#dispatch(method, params);
    return result === undefined ? null : JSON.parse(JSON.stringify(result));
  }

  #dispatch(method: string, params: unknown): unknown {
    switch (method) {
      case 'data.read':
        return this.#read(parse(PARAMS_SCHEMAS['data.read'], method, params));
      case 'data.grants':
        parse(PARAMS_SCHEMAS['data.grants'], method, params);
        return [...this.grants.values()].map(
          (g): GrantInfo => ({
            request: g.request,
            kind: g.kind,
            unit: g.unit,
            resolution: g.resolution,
            historyMs: g.historyMs,
            aggregates: [...g.aggregates],
          }),
        );
      case 'insight.emit':
        return this.#insight(parse(PARAMS_SCHEMAS['insight.emit'], method, params));
      case 'export.request':
        return this.#export(parse(PARAMS_SCHEMAS['export.request'], method, params));
      case 'kv.get': {
        const { key } = parse(PARAMS_SCHEMAS['kv.get'], method, params);
        return Object.hasOwn(this.record.kv, key) ? this.record.kv[key] : null;
      }
      case 'kv.set': {
        const { key, value } = parse(PARAMS_SCHEMAS['kv.set'], method, params);
        this.record.kv[key] = value ?? null;
        return { ok: true };
      }
      default: {
        const entry = parse(PARAMS_SCHEMAS.log, method, params);
        this.record.logs.push(entry);
        return { ok: true };
      }
    }
  }

  #read(params: z.output<(typeof PARAMS_SCHEMAS)['data.read']>): DataReadResult {
    const grant = this.grants.get(params.request);
    if (!grant) {
      const declared = this.manifest.requests.some((r) => r.name === params.request);
      throw new AppApiError(
        'forbidden',
        declared
          ? `request "${params.request}" was not granted by the householder`
          : `request "${params.request}" is not declared in the manifest`,
      );
    }
    const plan = planRead(grant, params, this.now);
    const read = plan.from >= plan.to ? [] : grant.series.read(plan);
    const points = plan.resolution === 'raw' ? read.slice(0, this.rawPageRows) : servePoints(grant, read);
    const result: DataReadResult = {
      request: grant.request,
      kind: grant.kind,
      unit: grant.unit,
      ...plan,
      points,
    };
    this.record.reads.push(result);
    return result;
  }

  #validator(key: string, schema: Record<string, unknown>): ValidateFunction {
    let validate = this.#schemas.get(key);
    if (!validate) {
      validate = this.#ajv.compile(schema);
      this.#schemas.set(key, validate);
    }
    return validate;
  }

  #schemaErrors(validate: ValidateFunction, prefix: string): string {
    return (validate.errors ?? [])
      .map(
        (e) => `${prefix}${e.instancePath.replaceAll('/', '.')}: ${e.message ?? 'does not match the schema'}`,
      )
      .join('; ');
  }

  #insight(params: InsightEmitParams): { ok: true } {
    const declared = this.manifest.insights.find((i) => i.key === params.key);
    if (!declared) {
      const keys = this.manifest.insights.map((i) => i.key).join(', ') || 'none';
      throw new AppApiError(
        'bad_request',
        `insight "${params.key}" is not declared in the manifest (declared: ${keys})`,
      );
    }
    if (this.record.insights.length >= MAX_INSIGHTS_PER_RUN)
      throw new AppApiError('rate_limited', `this run has emitted its ${MAX_INSIGHTS_PER_RUN} insights`);
    if (declared.schema && params.data !== undefined) {
      const validate = this.#validator(`insight:${params.key}`, declared.schema);
      if (!validate(params.data))
        throw new AppApiError(
          'bad_request',
          `insight "${params.key}" data does not match its schema (${this.#schemaErrors(validate, 'data')})`,
        );
    }
    this.record.insights.push(params);
    return { ok: true };
  }

  #export(params: { destination: string; payload?: unknown }): { id: string; status: 'pending' } {
    const destination = params.destination;
    const declared = this.manifest.exports.find((e) => e.id === destination);
    if (!declared)
      throw new AppApiError(
        'not_found',
        `export destination "${destination}" is not declared in the manifest`,
      );
    if (!this.approved.includes(destination))
      throw new AppApiError(
        'forbidden',
        `the householder has not approved export destination "${destination}"`,
      );
    const payload = params.payload ?? null;
    const validate = this.#validator(`export:${declared.id}`, declared.schema);
    if (!validate(payload))
      throw new AppApiError(
        'bad_request',
        `the payload for "${destination}" does not match its schema (${this.#schemaErrors(validate, 'payload')})`,
      );
    const bytes = new TextEncoder().encode(JSON.stringify(payload)).length;
    if (bytes > declared.maxBytes)
      throw new AppApiError(
        'bad_request',
        `the payload for "${destination}" is ${bytes} bytes, over its limit of ${declared.maxBytes}`,
      );
    const today = this.record.exports.filter((e) => e.destination === declared.id).length;
    if (today >= declared.maxPerDay)
      throw new AppApiError(
        'rate_limited',
        `"${destination}" allows ${declared.maxPerDay} exports a day; ${today} in the last 24 h`,
      );
    const id = `local-export-${this.record.exports.length + 1}`;
    this.record.exports.push({ id, destination: declared.id, payload, bytes });
    return { id, status: 'pending' };
  }
}
