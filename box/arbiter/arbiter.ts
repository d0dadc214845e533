import type { Aggregate } from '../../apps-sdk/src/aggregates.ts';
import { planRead } from '../../apps-sdk/src/read-rules.ts';
import type { DataReadResult, GrantInfo } from '../../apps-sdk/src/wire.ts';
import type { AppRegistry } from '../apps/app-registry.ts';
import type { Grant } from '../apps/types.ts';
import type { Store } from '../store/store.ts';
import type { AggregatePoint, AggregateQuery } from '../store/types.ts';
import { appError, toAppError } from './app-error.ts';

/** Most reads one run may make (each read is an audit entry, so this also bounds audit growth). */
export const DEFAULT_MAX_READS_PER_RUN = 100;
/** Most raw rows one read returns; a truncated read reports `to` just past its last row. */
export const MAX_RAW_ROWS_PER_READ = 200_000;

/** The run a read belongs to; the arbiter counts its reads and rows. */
export interface ReadContext {
  appId: string;
  runId: string;
  /** Reads made so far in this run (the arbiter increments it). */
  reads: number;
  /** Rows returned so far in this run (the arbiter adds to it). */
  rowsRead: number;
  maxReads?: number;
}

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
 * the SDK's shared `planRead` (resolution never finer than granted, window clipped to the history
 * and aligned to whole buckets, aggregates limited to the declared ones); runs are rate limited;
 * every read is audited through the store's ReadAudit as `readings.read` by `app:<id>`.
 *
 * @example
 * const arbiter = new Arbiter(store, registry);
 * const ctx = { appId: 'energy-insights', runId: 'r1', reads: 0, rowsRead: 0 };
 * arbiter.read(ctx, { request: 'power' }); // { request: 'power', resolution: '30min', points: [...] }
 */
export class Arbiter {
  readonly #store: Store;
  readonly #registry: AppRegistry;

  constructor(store: Store, registry: AppRegistry) {
    this.#store = store;
    this.#registry = registry;
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
    if (!this.#registry.findInstall(appId)) throw appError('forbidden', `app "${appId}" is not installed`);
    const grant = this.#registry.currentGrants(appId).find((g) => g.request === request);
    const manifest = this.#registry.getInstall(appId).manifest;
    if (!grant) {
      const declared = manifest.requests.some((r) => r.name === request);
      throw appError(
        declared ? 'forbidden' : 'not_found',
        declared
          ? `request "${request}" was not granted by the householder`
          : `request "${request}" is not in the app's manifest`,
      );
    }
    if (grant.revokedAt !== null)
      throw appError(
        'forbidden',
        `the grant for request "${request}" was revoked at ${new Date(grant.revokedAt).toISOString()}`,
      );
    if (grant.expiresAt <= now)
      throw appError(
        'forbidden',
        `the grant for request "${request}" expired at ${new Date(grant.expiresAt).toISOString()}`,
      );
    return grant;
  }

  /** `data.read`, enforced and audited. Throws DataboxErrors with the SDK's app API codes. */
  read(ctx: ReadContext, params: ReadParams): DataReadResult {
    const max = ctx.maxReads ?? DEFAULT_MAX_READS_PER_RUN;
    if (ctx.reads >= max) throw appError('rate_limited', `this run has used all of its ${max} reads`);
    ctx.reads++;
    const now = this.#store.now();
    const grant = this.grantFor(ctx.appId, params.request, now);
    const source = this.#store.catalogue.find(grant.datasource);
    if (!source)
      throw appError(
        'not_found',
        `datasource "${grant.datasource}" granted for "${grant.request}" no longer exists`,
      );
    if (source.kind !== grant.kind)
      throw appError(
        'forbidden',
        `datasource "${source.id}" is now of kind ${source.kind}, not the granted ${grant.kind}`,
      );
    if (source.valueType !== 'gauge' && source.valueType !== 'counter')
      throw appError(
        'bad_request',
        `datasource "${source.id}" holds ${source.valueType} values, not numeric readings`,
      );

    let plan: ReturnType<typeof planRead>;
    try {
      plan = planRead(
        {
          request: grant.request,
          resolution: grant.resolution,
          historyMs: grant.historyMs,
          aggregates: grant.aggregates,
          valueType: source.valueType,
        },
        { from: params.from, to: params.to, resolution: params.resolution, aggregate: params.aggregate },
        now,
      );
    } catch (error) {
      throw toAppError(error);
    }
    const query: AggregateQuery =
      plan.resolution === 'raw'
        ? { from: plan.from, to: plan.to, resolution: 'raw', aggregate: 'mean', limit: MAX_RAW_ROWS_PER_READ }
        : { from: plan.from, to: plan.to, resolution: plan.resolution, aggregate: plan.aggregate ?? 'mean' };
    const rows =
      plan.from >= plan.to
        ? []
        : this.#store.read(source.id, query, {
            actor: `app:${ctx.appId}`,
            details: {
              run: ctx.runId,
              request: grant.request,
              grant: grant.grantId,
              asked: {
                from: params.from ?? null,
                to: params.to ?? null,
                resolution: params.resolution ?? null,
              },
            },
          });
    ctx.rowsRead += rows.length;
    let to = plan.to;
    if (plan.resolution === 'raw' && rows.length === MAX_RAW_ROWS_PER_READ) to = rows[rows.length - 1].t + 1;
    return {
      request: grant.request,
      kind: grant.kind,
      unit: source.unit,
      resolution: plan.resolution,
      aggregate: plan.aggregate,
      from: plan.from,
      to,
      points: rows.map((r) =>
        'n' in r ? { t: r.t, v: r.v, n: (r as AggregatePoint).n } : { t: r.t, v: r.v },
      ),
    };
  }
}
