import { type Aggregate, defaultAggregate, type NumericValueType } from './aggregates.ts';
import { AppApiError } from './app-api-error.ts';
import { bucketStart, type GrantResolution, isFinerThan, RESOLUTION_MS } from './resolution.ts';

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

/**
 * The read rules, shared by the box's arbiter and `runLocally` so both answer alike:
 * - resolution defaults to the granted one; a finer one is refused (`forbidden`);
 * - aggregate defaults to `delta` for counters and `mean` for gauges; others must be declared;
 * - the window defaults to the whole history window `[now - historyMs, now)` and is clipped to it;
 * - a rollup window starts at the first bucket boundary at or after `from`, so no bucket holds
 *   readings from before the granted history (buckets are epoch-aligned UTC, as in the store).
 *
 * @example
 * ```ts
 * const grant = { request: 'power', resolution: '30min', historyMs: 86_400_000, aggregates: [], valueType: 'gauge' } as const;
 * planRead(grant, {}, Date.UTC(2024, 0, 2));
 * // { resolution: '30min', aggregate: 'mean', from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 0, 2) }
 * planRead(grant, { resolution: '1min' }, Date.now()); // throws "resolution 1min is finer than the granted 30min"
 * ```
 * @throws AppApiError `forbidden` for a finer resolution or an undeclared aggregate, `bad_request` for `from > to`.
 */
export function planRead(
  grant: ReadGrant,
  params: { from?: number; to?: number; resolution?: GrantResolution; aggregate?: Aggregate },
  now: number,
): ReadPlan {
  const resolution = params.resolution ?? grant.resolution;
  if (isFinerThan(resolution, grant.resolution))
    throw new AppApiError(
      'forbidden',
      `resolution ${resolution} is finer than the granted ${grant.resolution}`,
    );
  let aggregate: Aggregate | null = null;
  if (resolution !== 'raw') {
    const fallback = defaultAggregate(grant.valueType);
    aggregate = params.aggregate ?? fallback;
    if (aggregate !== fallback && !grant.aggregates.includes(aggregate)) {
      const allowed = [...new Set([fallback, ...grant.aggregates])].join(', ');
      throw new AppApiError(
        'forbidden',
        `aggregate ${aggregate} was not declared for request "${grant.request}" (allowed: ${allowed})`,
      );
    }
  }
  if (params.from !== undefined && params.to !== undefined && params.from > params.to)
    throw new AppApiError('bad_request', `from (${params.from}) is after to (${params.to})`);
  const windowStart = Math.max(0, now - grant.historyMs);
  let from = Math.max(params.from ?? windowStart, windowStart);
  const to = Math.min(params.to ?? now, now);
  if (resolution !== 'raw') {
    const start = bucketStart(from, resolution);
    if (start < from) from = start + RESOLUTION_MS[resolution];
  }
  return { resolution, aggregate, from: Math.min(from, Math.max(to, 0)), to: Math.max(to, 0) };
}
