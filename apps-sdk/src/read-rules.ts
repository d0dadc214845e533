import { type Aggregate, defaultAggregate, type NumericValueType } from './aggregates.ts';
import { AppApiError, type AppApiErrorCode } from './app-api-error.ts';
import { bucketStart, type GrantResolution, isFinerThan, RESOLUTION_MS } from './resolution.ts';
import type { DataPoint } from './wire.ts';

/**
 * Fewest readings a bucket must hold to be served to an app granted a rollup. A bucket built from
 * one or two readings is as revealing as the readings themselves (its mean is the reading, or the
 * midpoint of two), so it is withheld (left out of the answer, like a bucket with no data). Three
 * is the smallest count whose mean does not give away any single reading.
 */
export const MIN_READINGS_PER_BUCKET = 3;

/** What the arbiter knows about one granted request when an app reads it. */
export interface ReadGrant {
  request: string;
  resolution: GrantResolution;
  historyMs: number;
  /** Aggregates the manifest declared for the request; the default one is always allowed. */
  aggregates: readonly Aggregate[];
  valueType: NumericValueType;
}

/** A read the grant allows, ready for the store: buckets (or raw rows) starting in `[from, to)`. */
export interface ReadPlan {
  resolution: GrantResolution;
  /** `null` for raw reads. */
  aggregate: Aggregate | null;
  from: number;
  to: number;
}

/** Which read rule refused a read (recorded in the box's audit trail). */
export type ReadRule = 'finer_resolution' | 'undeclared_aggregate' | 'bad_window';

/** A read refused by one of the rules of {@link planRead}; `rule` says which. */
export class ReadRuleError extends AppApiError {
  readonly rule: ReadRule;

  constructor(rule: ReadRule, code: AppApiErrorCode, message: string) {
    super(code, message);
    this.rule = rule;
  }
}

/**
 * The read rules, shared by the box's arbiter and `runLocally` so both answer alike:
 * - resolution defaults to the granted one; a finer one is refused (`forbidden`);
 * - aggregate defaults to `delta` for counters and `mean` for gauges; others must be declared;
 * - the window defaults to the whole history window `[now - historyMs, now)` and is clipped to it;
 * - a rollup window holds whole buckets only: it starts at the first bucket boundary at or after
 *   `from`, so no bucket holds readings from before the granted history, and it ends at the last
 *   boundary at or before `to` and `now`, so the bucket still filling is never served (its mean
 *   would change with each new reading and give every reading away). Boundaries are the box's
 *   (epoch-aligned UTC, as in the store); the app cannot move them.
 * - a `raw` grant is raw: its reads, at any resolution, end at `now` as asked.
 *
 * @example
 * ```ts
 * const grant = { request: 'power', resolution: '30min', historyMs: 86_400_000, aggregates: [], valueType: 'gauge' } as const;
 * planRead(grant, {}, Date.UTC(2024, 0, 2, 10, 47));
 * // { resolution: '30min', aggregate: 'mean', from: Date.UTC(2024, 0, 1, 11), to: Date.UTC(2024, 0, 2, 10, 30) }
 * planRead(grant, { resolution: '1min' }, Date.now()); // throws "resolution 1min is finer than the granted 30min"
 * ```
 * @throws ReadRuleError `forbidden` for a finer resolution or an undeclared aggregate, `bad_request` for `from > to`.
 */
export function planRead(
  grant: ReadGrant,
  params: { from?: number; to?: number; resolution?: GrantResolution; aggregate?: Aggregate },
  now: number,
): ReadPlan {
  const resolution = params.resolution ?? grant.resolution;
  if (isFinerThan(resolution, grant.resolution))
    throw new ReadRuleError(
      'finer_resolution',
      'forbidden',
      `resolution ${resolution} is finer than the granted ${grant.resolution}`,
    );
  let aggregate: Aggregate | null = null;
  if (resolution !== 'raw') {
    const fallback = defaultAggregate(grant.valueType);
    aggregate = params.aggregate ?? fallback;
    if (aggregate !== fallback && !grant.aggregates.includes(aggregate)) {
      const allowed = [...new Set([fallback, ...grant.aggregates])].join(', ');
      throw new ReadRuleError(
        'undeclared_aggregate',
        'forbidden',
        `aggregate ${aggregate} was not declared for request "${grant.request}" (allowed: ${allowed})`,
      );
    }
  }
  if (params.from !== undefined && params.to !== undefined && params.from > params.to)
    throw new ReadRuleError('bad_window', 'bad_request', `from (${params.from}) is after to (${params.to})`);
  const windowStart = Math.max(0, now - grant.historyMs);
  let from = Math.max(params.from ?? windowStart, windowStart);
  let to = Math.max(Math.min(params.to ?? now, now), 0);
  if (resolution !== 'raw') {
    const start = bucketStart(from, resolution);
    if (start < from) from = start + RESOLUTION_MS[resolution];
    // closed buckets only: the bucket holding `to` (and so the one holding `now`) is not served
    if (grant.resolution !== 'raw') to = Math.max(bucketStart(to, resolution), 0);
  }
  return { resolution, aggregate, from: Math.min(from, to), to };
}

/**
 * What an app is given of the points a plan read: for a rollup grant, buckets with fewer than
 * {@link MIN_READINGS_PER_BUCKET} readings are left out, and each bucket's reading count `n` is
 * given only when the request declared the `count` aggregate (a mean with its count lets an app
 * difference two reads into the readings that arrived between them). A `raw` grant gets every
 * point with its `n`: raw readings show all of that anyway.
 *
 * @example
 * ```ts
 * servePoints(grant, [{ t: 0, v: 2, n: 12 }, { t: 1_800_000, v: 5, n: 1 }]); // [{ t: 0, v: 2 }]
 * ```
 */
export function servePoints(
  grant: Pick<ReadGrant, 'resolution' | 'aggregates'>,
  points: DataPoint[],
): DataPoint[] {
  if (grant.resolution === 'raw') return points;
  const withCount = grant.aggregates.includes('count');
  const served: DataPoint[] = [];
  for (const p of points) {
    // a bucket whose count is unknown is withheld too (fail closed)
    if (p.n !== undefined && p.n >= MIN_READINGS_PER_BUCKET)
      served.push(withCount ? { t: p.t, v: p.v, n: p.n } : { t: p.t, v: p.v });
  }
  return served;
}

/**
 * The read rules of a grant in plain words, for the consent screen and the consent receipt.
 *
 * @example
 * ```ts
 * readRulesText({ resolution: '1d', aggregates: [] });
 * // 'Closed 1d buckets only: …'
 * ```
 */
export function readRulesText(grant: Pick<ReadGrant, 'resolution' | 'aggregates'>): string {
  if (grant.resolution === 'raw') return 'Raw readings as stored, up to the moment of each read.';
  const count = grant.aggregates.includes('count')
    ? 'with the number of readings in each (the app declared "count")'
    : 'without the number of readings in each';
  const boundaries =
    grant.resolution === '1d'
      ? "the box's local days"
      : grant.resolution === '1h'
        ? "the box's local hours"
        : 'UTC';
  return `Closed ${grant.resolution} buckets only, on boundaries the box fixes (${boundaries}): the bucket still filling is never served. Buckets with fewer than ${MIN_READINGS_PER_BUCKET} readings are withheld. Values are given ${count}.`;
}
