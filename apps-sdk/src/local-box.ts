import { Ajv, type ValidateFunction } from 'ajv';
import { AppApiError } from './app-api-error.ts';
import { settingsDefaults } from './app-settings.ts';
import { localBucketBounds, systemTimeZone } from './local-buckets.ts';
import type { LocalSeries } from './local-series.ts';
import type { Manifest } from './manifest.ts';
import { planRead, type ReadGrant, servePoints } from './read-rules.ts';
import { formatEventCursor, kvEntryVisible, MAX_KV_ENTRIES_PER_READ, planEventRead } from './record-rules.ts';
import {
  type DataEventsParams,
  type DataEventsResult,
  type DataKvParams,
  type DataKvResult,
  type DataPoint,
  type DataReadResult,
  type EventPoint,
  type GrantInfo,
  type InsightEmitParams,
  isMethod,
  type KvEntry,
  type LogLevel,
  parseParams,
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
  /** What the granted datasource holds: numeric readings (`series`, the default), `events` or `kv` entries. */
  holds?: 'numeric' | 'event' | 'kv';
  /** Events sorted by time (arrival order within a time), for an event datasource. */
  events?: readonly EventPoint[];
  /** Entries sorted by key, for a kv datasource. */
  entries?: readonly KvEntry[];
}

const HOLDS_TEXT = { numeric: 'numeric readings', event: 'events', kv: 'key-value entries' } as const;
const HOLDS_METHOD = { numeric: 'data.read', event: 'data.events', kv: 'data.kv' } as const;
const VALUE_TYPE_TEXT = { event: 'event', kv: 'kv' } as const;

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
  /** Pages of events served by `data.events`. */
  eventReads: DataEventsResult[];
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
  readonly settings: Record<string, unknown>;
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
    /** The householder's settings (over the manifest's defaults), checked against its schema. */
    settings: Record<string, unknown> = {},
    /** The box's IANA zone: `1h` and `1d` buckets are its local hours and days, as on the box. */
    readonly timeZone: string = systemTimeZone(),
    /** Whether the householder lets the app know `timeZone` (only if the manifest asks for it). */
    readonly sharesTimeZone = manifest.timeZone !== undefined,
  ) {
    this.settings = { ...settingsDefaults(manifest.settings), ...structuredClone(settings) };
    if (manifest.settings) {
      const validate = this.#validator('settings', manifest.settings);
      if (!validate(this.settings))
        throw new Error(
          `settings do not match the app's schema (${this.#schemaErrors(validate, 'settings')})`,
        );
    }
    this.record = { insights: [], exports: [], kv: structuredClone(kv), logs: [], reads: [], eventReads: [] };
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
        return this.#read(parseParams('data.read', params));
      case 'data.grants':
        parseParams('data.grants', params);
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
      case 'data.events':
        return this.#events(parseParams('data.events', params));
      case 'data.kv':
        return this.#kv(parseParams('data.kv', params));
      case 'insight.emit':
        return this.#insight(parseParams('insight.emit', params));
      case 'export.request':
        return this.#export(parseParams('export.request', params));
      case 'kv.get': {
        const { key } = parseParams('kv.get', params);
        return Object.hasOwn(this.record.kv, key) ? this.record.kv[key] : null;
      }
      case 'kv.set': {
        const { key, value } = parseParams('kv.set', params);
        this.record.kv[key] = value ?? null;
        return { ok: true };
      }
      case 'settings.get':
        parseParams('settings.get', params);
        return this.settings;
      case 'box.timeZone':
        parseParams('box.timeZone', params);
        // as on the box: only when asked for in the manifest and agreed to
        return { timeZone: this.manifest.timeZone && this.sharesTimeZone ? this.timeZone : null };
      default: {
        const entry = parseParams('log', params);
        this.record.logs.push(entry);
        return { ok: true };
      }
    }
  }

  /** The grant for `request` if it holds what the method reads; refusals as the arbiter words them. */
  #grant(request: string, holds: NonNullable<LocalGrant['holds']>): LocalGrant {
    const grant = this.grants.get(request);
    if (!grant) {
      if (this.manifest.requests.some((r) => r.name === request))
        throw new AppApiError('forbidden', `request "${request}" was not granted by the householder`);
      throw new AppApiError('not_found', `request "${request}" is not in the app's manifest`);
    }
    const held = grant.holds ?? 'numeric';
    if (held !== holds) {
      const type = held === 'numeric' ? grant.valueType : VALUE_TYPE_TEXT[held];
      throw new AppApiError(
        'bad_request',
        `the datasource granted for "${request}" holds ${type} values, not ${HOLDS_TEXT[holds]} (read it with ${HOLDS_METHOD[held]})`,
      );
    }
    return grant;
  }

  #events(params: DataEventsParams): DataEventsResult {
    const grant = this.#grant(params.request, 'event');
    const plan = planEventRead(grant, params, this.now);
    const all = grant.events ?? [];
    // the cursor's seq is the event's index in arrival order here (the store's row number in the box)
    const start = plan.after ? plan.after.seq + 1 : 0;
    const page: Array<EventPoint & { seq: number }> = [];
    let more = false;
    for (let seq = start; seq < all.length; seq++) {
      const e = all[seq];
      if (e.t < plan.from || e.t >= plan.to) continue;
      if (page.length === plan.limit) {
        more = true;
        break;
      }
      page.push({ t: e.t, data: e.data, seq });
    }
    const last = page.at(-1);
    const result: DataEventsResult = {
      request: grant.request,
      kind: grant.kind,
      from: plan.from,
      to: plan.to,
      events: page.map((e) => ({ t: e.t, data: e.data })),
      next: more && last ? formatEventCursor(last) : null,
    };
    this.record.eventReads.push(result);
    return result;
  }

  #kv(params: DataKvParams): DataKvResult {
    const grant = this.#grant(params.request, 'kv');
    const all = grant.entries ?? [];
    const visible = (e: KvEntry) => kvEntryVisible(e.updatedAt, grant, this.now);
    let entries: KvEntry[];
    let next: string | null = null;
    if (params.key !== undefined) {
      entries = all.filter((e) => e.key === params.key && visible(e));
    } else {
      const limit = Math.min(params.limit ?? MAX_KV_ENTRIES_PER_READ, MAX_KV_ENTRIES_PER_READ);
      const after = params.after ?? '';
      const rows = all.filter((e) => e.key > after).slice(0, limit + 1);
      const page = rows.slice(0, limit);
      if (rows.length > limit) next = page[page.length - 1].key;
      entries = page.filter(visible);
    }
    return { request: grant.request, kind: grant.kind, entries, next };
  }

  #read(params: ReturnType<typeof parseParams<'data.read'>>): DataReadResult {
    const grant = this.#grant(params.request, 'numeric');
    const plan = planRead(grant, params, this.now);
    let { from, to } = plan;
    let read: DataPoint[];
    if (plan.resolution === '1h' || plan.resolution === '1d') {
      // the box zone's local hours and days, on the granted grid, as the arbiter serves them
      const windowStart = Math.max(0, this.now - grant.historyMs);
      const wantFrom = Math.max(params.from ?? windowStart, windowStart);
      const wantTo = Math.max(Math.min(params.to ?? this.now, this.now), 0);
      const bounds = localBucketBounds(
        this.timeZone,
        grant.resolution,
        plan.resolution,
        wantFrom,
        wantTo,
        grant.resolution !== 'raw',
      );
      if (bounds.length === 0) {
        from = Math.min(wantFrom, wantTo);
        to = from;
        read = [];
      } else {
        from = bounds[0];
        // a raw grant's window ends where it asked, as its other reads do
        to = grant.resolution === 'raw' ? wantTo : bounds[bounds.length - 1];
        read = grant.series.readBounds(bounds, plan.aggregate ?? 'mean');
      }
    } else read = plan.from >= plan.to ? [] : grant.series.read(plan);
    const points = plan.resolution === 'raw' ? read.slice(0, this.rawPageRows) : servePoints(grant, read);
    const result: DataReadResult = {
      request: grant.request,
      kind: grant.kind,
      unit: grant.unit,
      ...plan,
      from,
      to,
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
        'destination_declined',
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
