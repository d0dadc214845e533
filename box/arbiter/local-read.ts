import type { Aggregate } from '../../apps-sdk/src/aggregates.ts';
import type { DataPoint } from '../../apps-sdk/src/wire.ts';
import type { Grant } from '../apps/types.ts';
import { readBuckets } from '../store/bucket-read.ts';
import type { Store } from '../store/store.ts';
import { readTimeSettings } from '../time/time-settings.ts';
import { localBuckets } from './local-buckets.ts';

/** What an app's `1h`/`1d` read asked for, after the read rules planned it. */
export interface LocalReadAsk {
  resolution: '1h' | '1d';
  aggregate: Aggregate;
  /** The app's own window, if it gave one (clipped to the grant's history here). */
  from?: number;
  to?: number;
  now: number;
}

/**
 * An app's `1h` or `1d` read on the box zone's local hours and days, on the granted grid (see
 * local-buckets.ts): the buckets, the window they cover and the zone, for the read's answer and
 * its audit entry.
 */
export function readLocalBuckets(
  store: Store,
  datasource: string,
  grant: Pick<Grant, 'resolution' | 'historyMs'>,
  ask: LocalReadAsk,
): { from: number; to: number; rows: DataPoint[]; zone: string } {
  const zone = readTimeSettings(store).timeZone;
  const windowStart = Math.max(0, ask.now - grant.historyMs);
  const wantFrom = Math.max(ask.from ?? windowStart, windowStart);
  const wantTo = Math.max(Math.min(ask.to ?? ask.now, ask.now), 0);
  const local = localBuckets(
    zone,
    grant.resolution,
    ask.resolution,
    wantFrom,
    wantTo,
    grant.resolution !== 'raw',
  );
  if (local.bounds.length === 0) {
    const from = Math.min(wantFrom, wantTo);
    return { from, to: from, rows: [], zone };
  }
  return {
    from: local.bounds[0],
    // a raw grant's window ends where it asked, as its other reads do
    to: grant.resolution === 'raw' ? wantTo : local.bounds[local.bounds.length - 1],
    rows: readBuckets(store, datasource, {
      bounds: local.bounds,
      aggregate: ask.aggregate,
      dayZone: local.wholeDays ? zone : undefined,
    }),
    zone,
  };
}
