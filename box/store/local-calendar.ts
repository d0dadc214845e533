import type Database from 'better-sqlite3';
import { BadRequestError } from '../errors.ts';
import { type CalendarResolution, LocalCalendar } from '../time/calendar.ts';
import { additiveBuckets } from './local-additive.ts';
import { validateRange } from './reading-validation.ts';
import type { Store } from './store.ts';
import type { Aggregate, AggregatePoint, ReadAudit } from './types.ts';

const DAY = 86_400_000;
/** Stored rollup widths, coarsest first; a local read sums the coarsest that fits its boundaries. */
const WIDTHS = [DAY, 3_600_000, 1_800_000, 900_000, 300_000, 60_000];
/**
 * Added before the division so days before 1970 in western zones floor, not truncate (bound
 * parameters arrive as REAL, so the quotient is cast).
 */
const SHIFT_DAYS = 100_000;
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

type DayRow = [day: number, n: number, v: number | null, sum: number];

/**
 * Local-calendar reads (days, ISO weeks, months, years in any IANA zone) from the rollups the store
 * already keeps, without writing anything new: every UTC offset in use is a whole number of
 * minutes, and in practice of 15 minutes, so each local day is a whole number of stored buckets.
 * The read picks the coarsest rollup width that divides every bucket boundary of the window (1 h
 * for Amsterdam, 30 min for Kolkata, 15 min for Kathmandu, the 1 d rollup itself for UTC), and
 * SQLite sums those rows into local days in one GROUP BY; weeks, months and years merge the days.
 * count/sum/min/max/first/last/delta merge exactly, so a 23- or 25-hour day is as exact as any.
 * Retention never removes rollups (only erasure does), so every width stays available.
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
  const read = (aggregate: Aggregate) =>
    mergeDays(
      dayRows(store.db, entry.sid, width, bounds, calendar, aggregate, counter),
      calendar,
      {
        ...query,
        aggregate,
      },
      counter,
    );
  let points: AggregatePoint[];
  if (ADDITIVE.has(query.aggregate) && (counter || query.aggregate !== 'delta')) {
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
  } else if (query.aggregate === 'delta' && !counter) {
    // a gauge's change across the bucket: its last value minus its first
    const last = read('last');
    points = read('first').map((p, i) => ({ t: p.t, n: p.n, v: last[i].v - p.v }));
  } else points = read(query.aggregate);
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

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** Per local day: `[day, n, value, sum]`, one SQLite GROUP BY over the rollups of `width`. */
function dayRows(
  db: Database.Database,
  sid: number,
  width: number,
  bounds: number[],
  calendar: LocalCalendar,
  aggregate: Aggregate,
  counter: boolean,
): DayRow[] {
  const start = bounds[0];
  const end = bounds[bounds.length - 1];
  const changes = calendar.offsets.changesBetween(start, end);
  const offsets = [calendar.offsets.offsetAt(start), ...changes.map((c) => calendar.offsets.offsetAt(c))];
  const value: Record<Aggregate, string> = {
    mean: 'NULL',
    sum: 'sum(sum)',
    count: 'sum(n)',
    min: 'min(min)',
    max: 'max(max)',
    // SQLite: with one min()/max() aggregate, bare columns come from the row that holds it
    first: 'min(first_t), first',
    last: 'max(last_t), last',
    delta: 'sum(coalesce(delta, 0))',
  };
  const select =
    aggregate === 'first' || aggregate === 'last'
      ? `sum(n), ${value[aggregate]}, 0`
      : `sum(n), ${value[aggregate]}, sum(sum)`;
  const offset =
    changes.length === 0 ? '?' : `CASE ${changes.map(() => 'WHEN bucket < ? THEN ?').join(' ')} ELSE ? END`;
  const keep = aggregate === 'delta' && counter ? '' : 'AND n > 0';
  const sql = `SELECT CAST((bucket + ${offset} + ${SHIFT_DAYS * DAY}) / ${DAY} AS INTEGER) - ${SHIFT_DAYS} AS day, ${select} FROM rollups WHERE sid = ? AND res = ? AND bucket >= ? AND bucket < ? ${keep} GROUP BY day ORDER BY day`;
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql).raw();
    cache.set(sql, statement);
  }
  const args: number[] = [];
  for (const [i, c] of changes.entries()) args.push(c, offsets[i]);
  args.push(offsets[offsets.length - 1], sid, width, start, end);
  const rows = statement.all(...args) as unknown[][];
  // first/last rows carry an extra bare column: [day, n, t, value, 0]
  if (aggregate === 'first' || aggregate === 'last') return rows.map((r) => [r[0], r[1], r[3], 0] as DayRow);
  return rows as DayRow[];
}

/** Local days into the query's buckets; each bucket's `t` is its local start. */
function mergeDays(
  days: DayRow[],
  calendar: LocalCalendar,
  query: CalendarQuery,
  counter: boolean,
): AggregatePoint[] {
  const keepEmpty = query.aggregate === 'delta' && counter;
  const points: AggregatePoint[] = [];
  let bucketDay = Number.NaN;
  let current: { n: number; v: number; sum: number } | undefined;
  const flush = () => {
    if (!current || (current.n === 0 && !keepEmpty)) return;
    const v = query.aggregate === 'mean' ? current.sum / current.n : current.v;
    points.push({ t: calendar.dayStart(bucketDay), v, n: current.n });
  };
  for (const [day, n, v, sum] of days) {
    const b = query.resolution === '1d' ? day : calendar.bucketDay(day, query.resolution);
    if (b !== bucketDay) {
      flush();
      bucketDay = b;
      current = { n, v: v ?? 0, sum };
      continue;
    }
    if (!current) continue;
    current.n += n;
    current.sum += sum;
    current.v = combine(query.aggregate, current.v, v ?? 0);
  }
  flush();
  return points;
}

function combine(aggregate: Aggregate, a: number, b: number): number {
  switch (aggregate) {
    case 'min':
      return Math.min(a, b);
    case 'max':
      return Math.max(a, b);
    case 'first':
      return a;
    case 'last':
      return b;
    default:
      return a + b;
  }
}
