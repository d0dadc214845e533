import type { Store } from '../store/store.ts';
import { LocalCalendar } from '../time/calendar.ts';
import { dayPieces, pricePieces } from './costing.ts';
import { storedPieceCosts } from './day-costs.ts';
import type { Tariff } from './tariff.ts';

export interface PeriodCost {
  kWh: number;
  /** Energy cost at the rate in force at each step, plus `standing`. */
  cost: number;
  standing: number;
}

export interface CostOptions {
  /**
   * Use the stored closed days (default). `false` prices every step from the rollups: the
   * reference the stored days are tested and checked against; the result is bit-identical.
   */
  stored?: boolean;
}

/**
 * What `[from, to)` of an energy datasource cost: the sum, day by local day in time order, of
 * each day's consumption priced step by step at the tariff (see `pricePieces` in costing.ts),
 * plus the standing charge per local day begun in the window. Summing per day fixes the order
 * of the additions, so the stored days give exactly the number the rollups give.
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
  options: CostOptions = {},
): PeriodCost {
  if (to <= from) return { kWh: 0, cost: 0, standing: 0 };
  const calendar = LocalCalendar.of(timeZone);
  const pieces = dayPieces(calendar, from, to);
  const priced =
    options.stored === false
      ? pricePieces(store, id, pieces, tariff, calendar)
      : storedPieceCosts(store, id, pieces, tariff, calendar);
  let kWh = 0;
  let cost = 0;
  for (const [k, c] of priced) {
    kWh += k;
    cost += c;
  }
  const days = Math.max(0, calendar.dayNumber(to - 1) - calendar.dayNumber(from) + 1);
  const standing = tariff.standingPerDay * days;
  return { kWh, cost: cost + standing, standing };
}
