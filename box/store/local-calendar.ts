import { BadRequestError } from '../errors.ts';
import { type CalendarResolution, LocalCalendar } from '../time/calendar.ts';
import { type BucketStatsRow, mergeStats, statsValue } from './bounds-read.ts';
import { additiveBuckets } from './local-additive.ts';
import type { DayColumn, LocalDayCache } from './local-day-cache.ts';
import { validateRange } from './reading-validation.ts';
import type { Store } from './store.ts';
import type { Aggregate, AggregatePoint, ReadAudit } from './types.ts';

const DAY = 86_400_000;
/** Stored rollup widths, coarsest first; a local read sums the coarsest that fits its boundaries. */
const WIDTHS = [DAY, 3_600_000, 1_800_000, 900_000, 300_000, 60_000];
/** Aggregates that are sums of the rollups' columns: read from day rows plus boundary pieces. */
const ADDITIVE = new Set<Aggregate>(['count', 'sum', 'mean', 'delta']);

/** A read on the local calendar of `timeZone`: buckets starting in `[floor(from), to)`. */
export interface CalendarQuery {
  from: number;
  to: number;
  resolution: CalendarResolution;
  aggregate: Aggregate;
  timeZone: string;
  limit?: number;
}

/**
 * Local-calendar reads (days, ISO weeks, months, years in any IANA zone) from the rollups: every
 * UTC offset in use is a whole number of minutes, and in practice of 15 minutes, so each local
 * day is a whole number of stored buckets (1 h for Amsterdam, 30 min for Kolkata, 15 min for
 * Kathmandu), and count/sum/min/max/first/last/delta merge exactly, so a 23- or 25-hour day is as
 * exact as any. Local days come from the store's {@link LocalDayCache} (closed days merged once,
 * kept exact by every write): a year of days costs about what the UTC `1d` read does. Weeks,
 * months and years of additive aggregates take the UTC day rows plus a short piece at each of
 * their few boundaries; the other aggregates merge the days.
 *
 * @example
 * ```ts
 * readCalendar(store, 'meter.energy', { from, to, resolution: '1d', aggregate: 'delta', timeZone: 'Asia/Kathmandu' });
 * ```
 */
export function readCalendar(
  store: Store,
  id: string,
  query: CalendarQuery,
  audit?: ReadAudit,
): AggregatePoint[] {
  validateRange(query.from, query.to);
  const entry = store.catalogue.get(id);
  if (entry.valueType !== 'gauge' && entry.valueType !== 'counter')
    throw new BadRequestError(`datasource "${id}" holds ${entry.valueType} values, not numeric readings`);
  const counter = entry.valueType === 'counter';
  const calendar = LocalCalendar.of(query.timeZone);
  const bounds = calendar.boundaries(query.from, query.to, query.resolution);
  const width = WIDTHS.find((w) => bounds.every((b) => b % w === 0));
  if (width === undefined)
    throw new BadRequestError(
      `tz: ${calendar.zone} has an offset of seconds in this window; local buckets cannot be built from the rollups`,
    );
  let points: AggregatePoint[];
  if (
    query.resolution !== '1d' &&
    ADDITIVE.has(query.aggregate) &&
    (counter || query.aggregate !== 'delta')
  ) {
    // few boundaries (weeks, months, years): UTC day rows plus a short piece at each boundary
    const keepEmpty = query.aggregate === 'delta';
    points = [];
    for (const [i, b] of additiveBuckets(store.db, entry.sid, bounds).entries()) {
      if (b.n <= 0 && !(keepEmpty && b.delta !== 0)) continue;
      const v =
        query.aggregate === 'count'
          ? b.n
          : query.aggregate === 'sum'
            ? b.sum
            : query.aggregate === 'mean'
              ? b.sum / b.n
              : b.delta;
      points.push({ t: bounds[i], v, n: b.n });
    }
  } else points = fromDays(store, entry.sid, calendar, bounds, query, counter);
  const limited = query.limit !== undefined ? points.slice(0, query.limit) : points;
  if (audit)
    store.audit.append({
      actor: audit.actor,
      action: 'readings.read',
      subject: id,
      details: {
        resolution: query.resolution,
        tz: calendar.zone,
        aggregate: query.aggregate,
        from: query.from,
        to: query.to,
        rows: limited.length,
        ...audit.details,
      },
    });
  return limited;
}

/**
 * Buckets from the zone's local days (stored closed days, see LocalDayCache): every aggregate
 * merges exactly, and each bucket's `t` is its local start.
 */
function fromDays(
  store: Store,
  sid: number,
  calendar: LocalCalendar,
  bounds: number[],
  query: CalendarQuery,
  counter: boolean,
): AggregatePoint[] {
  const points: AggregatePoint[] = [];
  const now = store.now();
  if (query.resolution === '1d') {
    // two columns per day: what the aggregate needs and the count
    const column = DAY_COLUMN[query.aggregate];
    const days = store.localDays.dayValues(
      sid,
      calendar.zone,
      bounds,
      now,
      query.aggregate === 'delta' && !counter ? 'change' : column,
    );
    for (let i = 0; i < days.length; i++) {
      const [, , n, v] = days[i];
      if (n > 0) {
        const value = query.aggregate === 'mean' ? (v as number) / n : query.aggregate === 'count' ? n : v;
        points.push({
          t: bounds[i],
          v: counter && query.aggregate === 'delta' ? (value ?? 0) : (value as number),
          n,
        });
      } else if (counter && query.aggregate === 'delta' && v !== null && v !== 0)
        points.push({ t: bounds[i], v, n });
    }
    return points;
  }
  const dayBounds = calendar.boundaries(bounds[0], bounds[bounds.length - 1] - 1, '1d');
  const days = store.localDays.days(sid, calendar.zone, dayBounds, now);
  let d = 0;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const stats = [...days[d++]] as BucketStatsRow;
    while (d < days.length && dayBounds[d] < bounds[i + 1]) mergeStats(stats, days[d++]);
    const v = statsValue(stats, query.aggregate, counter);
    if (v !== undefined) points.push({ t: bounds[i], v, n: stats[0] });
  }
  return points;
}

/** The stored day column each aggregate is computed from. */
const DAY_COLUMN: Record<Aggregate, DayColumn> = {
  mean: 'sum',
  sum: 'sum',
  count: 'sum',
  min: 'min',
  max: 'max',
  first: 'first',
  last: 'last',
  delta: 'delta',
};
