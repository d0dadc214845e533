import { PRICE_IN_FORCE_MS } from '../store/cost-days.ts';
import { MAX_READ_ROWS } from '../store/numeric-reader.ts';
import type { Store } from '../store/store.ts';
import type { Aggregate, Resolution } from '../store/types.ts';
import type { LocalCalendar } from '../time/calendar.ts';
import { naturalAggregate } from './natural-aggregate.ts';
import { rateAtMinute, type Tariff } from './tariff.ts';

const DAY = 86_400_000;

/** A stretch `[from, to)` inside one local day, and whether it is the whole day. */
export interface DayPiece {
  from: number;
  to: number;
  whole: boolean;
}

/** One piece's consumption and energy cost (no standing charge). */
export type PieceCost = [kWh: number, cost: number];

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

/** `[from, to)` cut at the zone's local midnights: whole days inside, partial ones at the edges. */
export function dayPieces(calendar: LocalCalendar, from: number, to: number): DayPiece[] {
  // the calendar's fast day walk: a year's 366 midnights without a zone lookup per day
  const bounds = calendar.boundaries(from, to, '1d');
  const pieces: DayPiece[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const a = Math.max(bounds[i], from);
    const b = Math.min(bounds[i + 1], to);
    if (a < b) pieces.push({ from: a, to: b, whole: a === bounds[i] && b === bounds[i + 1] });
  }
  return pieces;
}

/**
 * What each piece of an energy datasource cost, read from the rollups: each 30-minute step (15
 * where the zone's offset is a quarter hour) of consumption — the source's natural aggregate, so
 * a register's delta or an interval import's sum — priced at the rate in force at its local start
 * time (schedules), or at the price series' latest rate at or before it and at most
 * {@link PRICE_IN_FORCE_MS} older (Agile; `tariff.rate` where there is none). A piece's cost
 * depends on its own instants only, so a day's cost is the same whatever period it is part of:
 * what lets box/energy/day-costs.ts store closed days. `pieces` are in time order.
 */
export function pricePieces(
  store: Store,
  id: string,
  pieces: readonly DayPiece[],
  tariff: Tariff,
  calendar: LocalCalendar,
): PieceCost[] {
  if (pieces.length === 0) return [];
  const source = store.getDatasource(id);
  const aggregate = naturalAggregate(source.kind, source.valueType);
  const additive = aggregate === 'sum' || (aggregate === 'delta' && source.valueType === 'counter');
  const out: PieceCost[] = [];
  let prices: Array<{ t: number; v: number }> = [];
  let pricedTo = Number.NEGATIVE_INFINITY;
  let p = 0;
  for (const [i, piece] of pieces.entries()) {
    if (tariff.kind === 'series' && tariff.priceSource && piece.from >= pricedTo) {
      // one price read per run of adjacent pieces (a year of stored days leaves today alone)
      let end = i;
      while (end + 1 < pieces.length && pieces[end + 1].from === pieces[end].to) end++;
      pricedTo = pieces[end].to;
      prices = readPrices(store, tariff.priceSource, piece.from, pricedTo);
      p = 0;
    }
    const { from, to } = piece;
    const steps = additive ? coarserSteps(calendar, from, to, tariff) : [];
    const rows = readStepped(store, id, from, to, aggregate, steps, costStep(calendar, from, to));
    let kWh = 0;
    let cost = 0;
    for (const r of rows) {
      kWh += r.v;
      let rate = tariff.rate;
      if (tariff.kind === 'series') {
        while (p + 1 < prices.length && prices[p + 1].t <= r.t) p++;
        const price = prices[p];
        if (price && price.t <= r.t && r.t - price.t <= PRICE_IN_FORCE_MS) rate = price.v;
      } else rate = rateAtMinute(tariff, Math.floor((calendar.wall(r.t) % DAY) / 60_000));
      cost += r.v * rate;
    }
    out.push([kWh, cost]);
  }
  return out;
}

/** The price series' readings from {@link PRICE_IN_FORCE_MS} before `from` to `to`. */
function readPrices(store: Store, id: string, from: number, to: number): Array<{ t: number; v: number }> {
  return store.read(id, {
    from: Math.max(0, from - PRICE_IN_FORCE_MS),
    to,
    resolution: 'raw',
    aggregate: 'mean',
    limit: MAX_READ_ROWS,
  });
}
