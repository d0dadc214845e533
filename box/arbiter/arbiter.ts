import type { Aggregate, NumericValueType } from '../../apps-sdk/src/aggregates.ts';
import { planRead, ReadRuleError, servePoints } from '../../apps-sdk/src/read-rules.ts';
import {
  formatEventCursor,
  kvEntryVisible,
  MAX_KV_ENTRIES_PER_READ,
  planEventRead,
} from '../../apps-sdk/src/record-rules.ts';
import type {
  DataEventsParams,
  DataEventsResult,
  DataKvParams,
  DataKvResult,
  DataPoint,
  DataReadResult,
  GrantInfo,
  KvEntry,
} from '../../apps-sdk/src/wire.ts';
import type { AppRegistry } from '../apps/app-registry.ts';
import type { Grant } from '../apps/types.ts';
import { type CatalogueEntry, datasourceKvNamespace } from '../store/catalogue.ts';
import type { Store } from '../store/store.ts';
import type { AggregateQuery } from '../store/types.ts';
import { readLocalBuckets } from './local-read.ts';
import { ReadRefusals, ReadRefusedError, type RefusalTally } from './read-refusals.ts';

/** Most reads one run may make (each read is an audit entry, so this also bounds audit growth). */
export const DEFAULT_MAX_READS_PER_RUN = 100;
/** Most raw rows one read returns; a truncated read reports `to` just past its last row. */
export const MAX_RAW_ROWS_PER_READ = 200_000;

/** The run a read belongs to; the arbiter counts its reads, rows and refusals. */
export interface ReadContext {
  appId: string;
  runId: string;
  /** Reads made so far in this run (the arbiter increments it). */
  reads: number;
  /** Rows returned so far in this run (the arbiter adds to it). */
  rowsRead: number;
  maxReads?: number;
  /** Refused reads of this run (the arbiter keeps it; see {@link Arbiter.endRun}). */
  refusals?: RefusalTally;
}

/** The app API method that reads each value type (named in a wrong-method refusal). */
const READ_METHOD: Record<CatalogueEntry['valueType'], string> = {
  gauge: 'data.read',
  counter: 'data.read',
  event: 'data.events',
  kv: 'data.kv',
};

/** The parameters of `data.events` and `data.kv` after validation. */
export type EventsParams = DataEventsParams;
export type KvParams = DataKvParams;

/** The parameters of `data.read` after validation. */
export interface ReadParams {
  request: string;
  from?: number;
  to?: number;
  resolution?: Grant['resolution'];
  aggregate?: Aggregate;
}

/**
 * Enforces grants on every read by an app (three steps, as in CSS: who is asking, what they hold,
 * what they may do with it): the run's app must hold a live grant for the request (not declined,
 * revoked, superseded or expired, datasource still of the granted kind); the read is planned with
 * the SDK's shared `planRead` (resolution never finer than granted, window clipped to the history,
 * whole closed buckets only, aggregates limited to the declared ones) and its answer passed
 * through `servePoints` (sparse buckets withheld, counts only with `count`); runs are rate limited.
 * Every read is audited as `readings.read` by `app:<id>`; every refused one as `readings.refuse`
 * with its reason, capped per run (see `ReadRefusals`).
 *
 * @example
 * const arbiter = new Arbiter(store, registry);
 * const ctx = { appId: 'energy-insights', runId: 'r1', reads: 0, rowsRead: 0 };
 * arbiter.read(ctx, { request: 'power' }); // { request: 'power', resolution: '30min', points: [...] }
 * arbiter.endRun(ctx); // audits the refusals beyond the per-run cap, if any
 */
export class Arbiter {
  readonly #store: Store;
  readonly #registry: AppRegistry;
  readonly #refusals: ReadRefusals;

  constructor(store: Store, registry: AppRegistry) {
    this.#store = store;
    this.#registry = registry;
    this.#refusals = new ReadRefusals(store.audit);
  }

  /** The app's grants that are live now (what `data.grants` reports). */
  liveGrants(appId: string, now = this.#store.now()): Grant[] {
    if (!this.#registry.findInstall(appId)) return [];
    return this.#registry
      .currentGrants(appId)
      .filter((g) => g.revokedAt === null && g.supersededAt === null && g.expiresAt > now);
  }

  /** `data.grants`: what this install may read, with unit and value type from the catalogue. */
  grantInfo(appId: string): GrantInfo[] {
    return this.liveGrants(appId).flatMap((g) => {
      const source = this.#store.catalogue.find(g.datasource);
      if (!source) return [];
      return [
        {
          request: g.request,
          kind: g.kind,
          unit: source.unit,
          resolution: g.resolution,
          historyMs: g.historyMs,
          aggregates: g.aggregates,
        },
      ];
    });
  }

  /**
   * The live grant for `request`, or a `forbidden` error saying why there is none (never granted,
   * declined, revoked, expired, app uninstalled).
   */
  grantFor(appId: string, request: string, now = this.#store.now()): Grant {
    if (!this.#registry.findInstall(appId))
      throw new ReadRefusedError('not_installed', 'forbidden', `app "${appId}" is not installed`);
    const grant = this.#registry.currentGrants(appId).find((g) => g.request === request);
    const manifest = this.#registry.getInstall(appId).manifest;
    if (!grant) {
      if (manifest.requests.some((r) => r.name === request))
        throw new ReadRefusedError(
          'not_granted',
          'forbidden',
          `request "${request}" was not granted by the householder`,
        );
      throw new ReadRefusedError(
        'undeclared_request',
        'not_found',
        `request "${request}" is not in the app's manifest`,
      );
    }
    const where = { datasource: grant.datasource, grantId: grant.grantId };
    if (grant.revokedAt !== null)
      throw new ReadRefusedError(
        'revoked',
        'forbidden',
        `the grant for request "${request}" was revoked at ${new Date(grant.revokedAt).toISOString()}`,
        where,
      );
    if (grant.expiresAt <= now)
      throw new ReadRefusedError(
        'expired',
        'forbidden',
        `the grant for request "${request}" expired at ${new Date(grant.expiresAt).toISOString()}`,
        where,
      );
    return grant;
  }

  /**
   * `data.read`, enforced and audited. Throws DataboxErrors with the SDK's app API codes; each
   * refusal is audited (within the run's cap) before it is thrown.
   */
  read(ctx: ReadContext, params: ReadParams): DataReadResult {
    try {
      return this.#read(ctx, params);
    } catch (error) {
      this.refused(ctx, params, error);
      throw error;
    }
  }

  /**
   * Audits a `data.read` refused outside the arbiter too (run over, token revoked, bad params),
   * so that every refused read leaves a trace; an error already audited by {@link read} is not
   * counted twice.
   */
  refused(ctx: ReadContext, params: unknown, error: unknown): void {
    ctx.refusals ??= { total: 0, logged: 0, byReason: {}, closed: false };
    const name = (params as { request?: unknown } | null)?.request;
    const request = () => {
      const install = this.#registry.findInstall(ctx.appId);
      return install?.manifest.requests.some((r) => r.name === name) ? (name as string) : null;
    };
    this.#refusals.record(ctx.refusals, { appId: ctx.appId, runId: ctx.runId, request, params, error });
  }

  /** Ends the run's read accounting: one `readings.refuse.summary` entry for unaudited refusals. */
  endRun(ctx: ReadContext): void {
    ctx.refusals ??= { total: 0, logged: 0, byReason: {}, closed: false };
    this.#refusals.close(ctx.refusals, ctx.appId, ctx.runId);
  }

  /**
   * The steps every read shares: the run's read budget, a live grant for the request, its
   * datasource still there, of the granted kind and of a value type this method reads.
   */
  #granted(
    ctx: ReadContext,
    request: string,
    accepts: ReadonlyArray<CatalogueEntry['valueType']>,
    holds: string,
  ): { grant: Grant; source: CatalogueEntry; now: number; where: { datasource: string; grantId: number } } {
    const max = ctx.maxReads ?? DEFAULT_MAX_READS_PER_RUN;
    if (ctx.reads >= max)
      throw new ReadRefusedError('rate_limited', 'rate_limited', `this run has used all of its ${max} reads`);
    ctx.reads++;
    const now = this.#store.now();
    const grant = this.grantFor(ctx.appId, request, now);
    const where = { datasource: grant.datasource, grantId: grant.grantId };
    const source = this.#store.catalogue.find(grant.datasource);
    if (!source)
      throw new ReadRefusedError(
        'datasource_missing',
        'not_found',
        `datasource "${grant.datasource}" granted for "${grant.request}" no longer exists`,
        where,
      );
    if (source.kind !== grant.kind)
      throw new ReadRefusedError(
        'kind_changed',
        'forbidden',
        `datasource "${source.id}" is now of kind ${source.kind}, not the granted ${grant.kind}`,
        where,
      );
    if (!accepts.includes(source.valueType))
      throw new ReadRefusedError(
        'wrong_value_type',
        'bad_request',
        `the datasource granted for "${grant.request}" holds ${source.valueType} values, not ${holds} (read it with ${READ_METHOD[source.valueType]})`,
        where,
      );
    return { grant, source, now, where };
  }

  /**
   * `data.events`, enforced and audited as `events.read`: the grant's history window (no buckets,
   * so no closed-bucket rule), at most {@link MAX_EVENTS_PER_READ} events, paged by cursor.
   */
  events(ctx: ReadContext, params: EventsParams): DataEventsResult {
    try {
      const { grant, source, now } = this.#granted(ctx, params.request, ['event'], 'events');
      const plan = planEventRead(grant, params, now);
      const rows =
        plan.from >= plan.to ? [] : this.#store.eventPage(source.id, { ...plan, limit: plan.limit + 1 });
      const page = rows.slice(0, plan.limit);
      const last = page.at(-1);
      const next = rows.length > plan.limit && last ? formatEventCursor(last) : null;
      this.#auditRecords(ctx, { action: 'events.read', subject: source.id }, grant, {
        from: plan.from,
        to: plan.to,
        rows: page.length,
        asked: { from: params.from ?? null, to: params.to ?? null, cursor: params.cursor !== undefined },
      });
      return {
        request: grant.request,
        kind: grant.kind,
        from: plan.from,
        to: plan.to,
        events: page.map((e) => ({ t: e.t, data: e.data })),
        next,
      };
    } catch (error) {
      this.refused(ctx, params, error);
      throw error;
    }
  }

  /**
   * `data.kv`, enforced and audited as `kv.read` (keys counted, never named or valued): one key,
   * or a page in key order; only entries set inside the grant's history window are served.
   */
  kv(ctx: ReadContext, params: KvParams): DataKvResult {
    try {
      const { grant, source, now } = this.#granted(ctx, params.request, ['kv'], 'key-value entries');
      const ns = datasourceKvNamespace(source.id);
      const visible = (e: KvEntry | undefined): e is KvEntry =>
        e !== undefined && kvEntryVisible(e.updatedAt, grant, now);
      let entries: KvEntry[];
      let next: string | null = null;
      if (params.key !== undefined) {
        entries = [this.#store.kv.entry(ns, params.key)].filter(visible);
      } else {
        const limit = Math.min(params.limit ?? MAX_KV_ENTRIES_PER_READ, MAX_KV_ENTRIES_PER_READ);
        const rows = this.#store.kv.page(ns, params.after ?? '', limit + 1);
        const page = rows.slice(0, limit);
        if (rows.length > limit) next = page[page.length - 1].key;
        entries = page.filter(visible);
      }
      this.#auditRecords(ctx, { action: 'kv.read', subject: source.id }, grant, {
        rows: entries.length,
        oneKey: params.key !== undefined,
        historyMs: grant.historyMs,
      });
      return { request: grant.request, kind: grant.kind, entries, next };
    } catch (error) {
      this.refused(ctx, params, error);
      throw error;
    }
  }

  #auditRecords(
    ctx: ReadContext,
    { action, subject }: { action: 'events.read' | 'kv.read'; subject: string },
    grant: Grant,
    details: Record<string, unknown>,
  ): void {
    this.#store.audit.append({
      actor: `app:${ctx.appId}`,
      action,
      subject,
      details: { ...details, run: ctx.runId, request: grant.request, grant: grant.grantId },
    });
    ctx.rowsRead += details.rows as number;
  }

  #read(ctx: ReadContext, params: ReadParams): DataReadResult {
    const { grant, source, now, where } = this.#granted(
      ctx,
      params.request,
      ['gauge', 'counter'],
      'numeric readings',
    );
    const readGrant = {
      request: grant.request,
      resolution: grant.resolution,
      historyMs: grant.historyMs,
      aggregates: grant.aggregates,
      valueType: source.valueType as NumericValueType,
    };
    let plan: ReturnType<typeof planRead>;
    try {
      plan = planRead(readGrant, params, now);
    } catch (error) {
      if (error instanceof ReadRuleError)
        throw new ReadRefusedError(
          error.rule,
          error.code === 'bad_request' ? 'bad_request' : 'forbidden',
          error.message,
          where,
        );
      throw error;
    }
    const query: AggregateQuery =
      plan.resolution === 'raw'
        ? { from: plan.from, to: plan.to, resolution: 'raw', aggregate: 'mean', limit: MAX_RAW_ROWS_PER_READ }
        : { from: plan.from, to: plan.to, resolution: plan.resolution, aggregate: plan.aggregate ?? 'mean' };
    let from = plan.from;
    let to = plan.to;
    let rows: DataPoint[];
    let zone: string | undefined;
    if (plan.resolution === '1h' || plan.resolution === '1d') {
      ({ from, to, rows, zone } = readLocalBuckets(this.#store, source.id, grant, {
        resolution: plan.resolution,
        aggregate: plan.aggregate ?? 'mean',
        from: params.from,
        to: params.to,
        now,
      }));
    } else rows = plan.from >= plan.to ? [] : this.#store.read(source.id, query);
    const points = servePoints(readGrant, rows);
    if (plan.resolution === 'raw' && rows.length === MAX_RAW_ROWS_PER_READ) to = rows[rows.length - 1].t + 1;
    this.#store.audit.append({
      actor: `app:${ctx.appId}`,
      action: 'readings.read',
      subject: source.id,
      details: {
        resolution: plan.resolution,
        ...(zone ? { tz: zone } : {}),
        aggregate: plan.aggregate,
        from,
        to,
        rows: points.length,
        withheld: rows.length - points.length,
        run: ctx.runId,
        request: grant.request,
        grant: grant.grantId,
        asked: { from: params.from ?? null, to: params.to ?? null, resolution: params.resolution ?? null },
      },
    });
    ctx.rowsRead += points.length;
    return {
      request: grant.request,
      kind: grant.kind,
      unit: source.unit,
      resolution: plan.resolution,
      aggregate: plan.aggregate,
      from,
      to,
      points,
    };
  }
}
