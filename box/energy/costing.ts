import type { Store } from '../store/store.ts';
import type { Aggregate, Resolution } from '../store/types.ts';
import { LocalCalendar } from '../time/calendar.ts';
import { naturalAggregate } from './natural-aggregate.ts';
import { rateAtMinute, type Tariff } from './tariff.ts';

const DAY = 86_400_000;

export interface PeriodCost {
  kWh: number;
  /** Energy cost at the rate in force at each step, plus `standing`. */
  cost: number;
  standing: number;
}

/** The finest step the tariff needs in this zone: 30 min where local half hours are UTC half hours. */
function costStep(calendar: LocalCalendar, from: number, to: number): Resolution {
  const offsets = calendar.offsets.offsetsBetween(from, to);
  return offsets.every((o) => o % 1_800_000 === 0) ? '30min' : '15min';
}

const STEP_MS: Partial<Record<Resolution, number>> = { '1d': DAY, '1h': 3_600_000 };

/**
 * Coarser steps the consumption may be read at without changing the cost: where the rate cannot
 * change inside a bucket (a flat rate: a UTC day; schedules whose every switch is on the hour, in
 * a zone of whole-hour offsets: an hour). Only for additive aggregates (a register's delta, an
 * interval's sum), so a coarse bucket is exactly the sum of its fine ones. A year at 30 min is
 * 17,520 rollup rows, the Energy screen's largest read (bench/energy-screen.ts); at 1 h it is half.
 */
function coarserSteps(calendar: LocalCalendar, from: number, to: number, tariff: Tariff): Resolution[] {
  if (tariff.kind === 'flat') return ['1d', '1h'];
  if (tariff.kind === 'series') return [];
  const switches =
    tariff.kind === 'day-night'
      ? [tariff.nightFrom, tariff.nightTo]
      : tariff.periods.flatMap((p) => [p.from, p.to]);
  const onTheHour = switches.every((s) => s === undefined || s.endsWith(':00'));
  const offsets = calendar.offsets.offsetsBetween(from, to);
  return onTheHour && offsets.every((o) => o % 3_600_000 === 0) ? ['1h'] : [];
}

/**
 * The rows of `[from, to)` at `steps[0]` where aligned and at each finer step towards the edges,
 * ending with `fine`: the same buckets' sums as one read at `fine`, in fewer rows.
 */
function readStepped(
  store: Store,
  id: string,
  from: number,
  to: number,
  aggregate: Aggregate,
  steps: Resolution[],
  fine: Resolution,
): Array<{ t: number; v: number }> {
  const [step, ...finer] = steps;
  if (step === undefined) return store.read(id, { from, to, resolution: fine, aggregate });
  const ms = STEP_MS[step] as number;
  const a = Math.ceil(from / ms) * ms;
  const b = Math.floor(to / ms) * ms;
  if (a >= b) return readStepped(store, id, from, to, aggregate, finer, fine);
  return [
    ...(from < a ? readStepped(store, id, from, a, aggregate, finer, fine) : []),
    ...store.read(id, { from: a, to: b, resolution: step, aggregate }),
    ...(b < to ? readStepped(store, id, b, to, aggregate, finer, fine) : []),
  ];
}

/**
 * What `[from, to)` of an energy datasource cost: each 30-minute step (15 where the zone's offset
 * is a quarter hour) of consumption — the source's natural aggregate, so a register's delta or an
 * interval import's sum — is priced at the rate in force at its local start time (schedules), or
 * at the price series' latest rate at or before it (Agile). The standing charge is counted per
 * local day begun in the window.
 *
 * @example
 * ```ts
 * costOf(store, 'meter.energy', from, to, tariff, 'Europe/London'); // { kWh: 11.2, cost: 3.1, standing: 0.6 }
 * ```
 */
export function costOf(
  store: Store,
  id: string,
  from: number,
  to: number,
  tariff: Tariff,
  timeZone: string,
): PeriodCost {
  if (to <= from) return { kWh: 0, cost: 0, standing: 0 };
  const source = store.getDatasource(id);
  const calendar = LocalCalendar.of(timeZone);
  const aggregate = naturalAggregate(source.kind, source.valueType);
  const additive = aggregate === 'sum' || (aggregate === 'delta' && source.valueType === 'counter');
  const steps = additive ? coarserSteps(calendar, from, to, tariff) : [];
  const rows = readStepped(store, id, from, to, aggregate, steps, costStep(calendar, from, to));
  const prices =
    tariff.kind === 'series' && tariff.priceSource ? readPrices(store, tariff.priceSource, from, to) : [];
  let kWh = 0;
  let cost = 0;
  let p = 0;
  for (const r of rows) {
    kWh += r.v;
    let rate: number;
    if (prices.length > 0) {
      while (p + 1 < prices.length && prices[p + 1].t <= r.t) p++;
      rate = prices[p].t <= r.t ? prices[p].v : tariff.rate;
    } else rate = rateAtMinute(tariff, Math.floor((calendar.wall(r.t) % DAY) / 60_000));
    cost += r.v * rate;
  }
  const days = Math.max(0, calendar.dayNumber(to - 1) - calendar.dayNumber(from) + 1);
  const standing = tariff.standingPerDay * days;
  return { kWh, cost: cost + standing, standing };
}

/** The price series over the window, with the rate in force at its start first. */
function readPrices(store: Store, id: string, from: number, to: number): Array<{ t: number; v: number }> {
  const inside = store.read(id, { from, to, resolution: 'raw', aggregate: 'mean', limit: 1_000_000 });
  const before = store.read(id, {
    from: Math.max(0, from - 7 * DAY),
    to: from,
    resolution: 'raw',
    aggregate: 'mean',
    limit: 1_000_000,
  });
  return before.length > 0 ? [before[before.length - 1], ...inside] : inside;
}
