import { describe, expect, it } from 'vitest';
import { periodBounds } from '../../../box/energy/energy-summary.ts';
import { costOf } from '../../../box/energy/period-cost.ts';
import { rateAtMinute, saveTariff, type Tariff } from '../../../box/energy/tariff.ts';
import type { Store } from '../../../box/store/store.ts';
import { LocalCalendar } from '../../../box/time/calendar.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import {
  type Compared,
  comparePeriods,
  DAY,
  FIRST,
  importPrices,
  METER,
  MINUTE,
  NOW,
  PRICES,
  storedDays,
  TOU,
  yearStore,
  ZONE,
} from './cost-year-fixture.ts';

const tempDir = useTempDir();

/** Every period's stored cost is the rollups' to the last bit. */
function expectSame(compared: Compared[]) {
  for (const { label, stored, fromRollups } of compared) {
    expect(stored.kWh, `${label} kWh`).toBe(fromRollups.kWh);
    expect(stored.cost, `${label} cost`).toBe(fromRollups.cost);
  }
}

/**
 * The plain model, in one pass and not by day: every 30-minute delta of the window priced at its
 * local start (or the latest price at or before it, at most 7 days old).
 */
function plainCost(store: Store, from: number, to: number, tariff: Tariff): number {
  const calendar = LocalCalendar.of(ZONE);
  const rows = store.read(METER, { from, to, resolution: '30min', aggregate: 'delta' });
  const prices =
    tariff.kind === 'series'
      ? store.read(PRICES, { from: from - 7 * DAY, to, resolution: 'raw', aggregate: 'mean', limit: 1e6 })
      : [];
  let cost = 0;
  for (const r of rows) {
    let rate = tariff.rate;
    if (tariff.kind === 'series') {
      const price = prices.filter((p) => p.t <= r.t && r.t - p.t <= 7 * DAY).at(-1);
      if (price) rate = price.v;
    } else rate = rateAtMinute(tariff, Math.floor((calendar.wall(r.t) % DAY) / MINUTE));
    cost += r.v * rate;
  }
  return cost;
}

describe('stored local days give the exact cost of every period', () => {
  it('a year with both DST changes in Europe/Amsterdam at a time-of-use tariff: year, month, week and day, stored and from the rollups', () => {
    const store = yearStore(tempDir());
    const tariff = saveTariff(store, TOU);
    expect(storedDays(store)).toBe(0);
    const first = comparePeriods(store, tariff);
    expectSame(first);
    // closed days only: last year's, this year's until yesterday; today (running) is not kept
    const today = periodBounds(ZONE, 'day', NOW).start;
    const days = store.db.prepare('SELECT start, end FROM cost_days ORDER BY start').all() as Array<{
      start: number;
      end: number;
    }>;
    expect(days.length).toBeGreaterThan(390);
    expect(days.every((d) => d.end <= today)).toBe(true);
    const lengths = new Set(days.map((d) => (d.end - d.start) / 3_600_000));
    expect([...lengths].sort()).toEqual([23, 24, 25]);
    // read again, now from the stored days: the same doubles
    const again = comparePeriods(store, tariff);
    expectSame(again);
    expect(again.map((c) => c.stored)).toEqual(first.map((c) => c.stored));
    // and the day-by-day sum is the plain one-pass model (up to rounding of the order of sums)
    const year = periodBounds(ZONE, 'year', NOW);
    const cost = costOf(store, METER, year.start, NOW, tariff, ZONE);
    const plain = plainCost(store, year.start, NOW, tariff);
    expect(Math.abs(cost.cost - cost.standing - plain)).toBeLessThan(1e-9 * plain);
    store.close();
  });

  it('day/night on the hour and a flat rate (the coarser hourly and daily reads) are exact too', () => {
    const store = yearStore(tempDir());
    for (const input of [
      { kind: 'day-night', currency: 'EUR', rate: 0.3, nightRate: 0.1, nightFrom: '23:00', nightTo: '07:00' },
      { kind: 'flat', currency: 'EUR', rate: 0.27, standingPerDay: 0.6 },
    ]) {
      const tariff = saveTariff(store, input);
      expectSame(comparePeriods(store, tariff));
      expectSame(comparePeriods(store, tariff));
      const month = periodBounds(ZONE, 'month', Date.UTC(2026, 9, 20));
      const cost = costOf(store, METER, month.start, month.end, tariff, ZONE);
      const plain = plainCost(store, month.start, month.end, tariff);
      expect(Math.abs(cost.cost - cost.standing - plain), input.kind).toBeLessThan(1e-9 * plain);
    }
    store.close();
  });

  it('an Agile price series imported from an Octopus unit-rates file: every period exact', async () => {
    const dir = tempDir();
    const store = yearStore(dir);
    await importPrices(store, dir, FIRST, NOW + DAY);
    const tariff = saveTariff(store, { kind: 'series', currency: 'GBP', rate: 0.3, priceSource: PRICES });
    expectSame(comparePeriods(store, tariff));
    expect(storedDays(store)).toBeGreaterThan(390);
    const priced = store.db.prepare('SELECT DISTINCT price_sid FROM cost_days').pluck().all();
    expect(priced).toEqual([store.catalogue.get(PRICES).sid]);
    expectSame(comparePeriods(store, tariff));
    const week = periodBounds(ZONE, 'week', Date.UTC(2026, 9, 25, 12));
    const cost = costOf(store, METER, week.start, week.end, tariff, ZONE);
    const plain = plainCost(store, week.start, week.end, tariff);
    expect(Math.abs(cost.cost - plain)).toBeLessThan(1e-9 * plain);
    // the prices are really used: at the fallback rate the week costs something else
    expect(Math.abs(cost.cost - cost.kWh * 0.3)).toBeGreaterThan(0.01);
    store.close();
  });
});
