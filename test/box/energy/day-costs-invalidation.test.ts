import { describe, expect, it } from 'vitest';
import { saveTariff, type Tariff } from '../../../box/energy/tariff.ts';
import type { Store } from '../../../box/store/store.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import {
  type Compared,
  comparePeriods,
  DAY,
  FIRST,
  importPrices,
  METER,
  meterReadings,
  NOW,
  PRICES,
  storedDays,
  TOU,
  yearStore,
} from './cost-year-fixture.ts';

const tempDir = useTempDir();

/**
 * Costs every period (storing the closed days), runs `change`, costs them again: every period
 * must equal the rollups' cost, and at least one must have moved (else the change proves nothing).
 */
async function afterChange(
  store: Store,
  tariff: Tariff,
  change: () => Tariff | undefined | Promise<unknown>,
): Promise<Compared[]> {
  const before = comparePeriods(store, tariff);
  expect(storedDays(store)).toBeGreaterThan(390);
  const changed = await change();
  const next = (changed as Tariff | undefined)?.kind ? (changed as Tariff) : tariff;
  const after = comparePeriods(store, next);
  for (const { label, stored, fromRollups } of after) {
    expect(stored.kWh, `${label} kWh`).toBe(fromRollups.kWh);
    expect(stored.cost, `${label} cost`).toBe(fromRollups.cost);
  }
  const moved = after.filter((a, i) => Math.abs(a.fromRollups.cost - before[i].fromRollups.cost) > 1e-6);
  expect(moved.length).toBeGreaterThan(0);
  return moved;
}

// an afternoon and evening of 10 June 2026 the meter did not report, sent later
const gap = (t: number) => t >= Date.UTC(2026, 5, 10, 12) && t < Date.UTC(2026, 5, 10, 20);

describe('a stored day cost never outlives what it was costed from', () => {
  it('a late backfill into a closed day', async () => {
    const store = yearStore(tempDir(), gap);
    const tariff = saveTariff(store, TOU);
    const moved = await afterChange(store, tariff, () => {
      store.writeReadings(
        METER,
        meterReadings().filter((r) => gap(r.t)),
        'user',
      );
      return undefined;
    });
    expect(moved.map((m) => m.label)).toContain('year of 2026-12-01T10:07:13.000Z');
    store.close();
  });

  it('an erasure of hours in a closed day', async () => {
    const store = yearStore(tempDir());
    const tariff = saveTariff(store, TOU);
    await afterChange(store, tariff, () => {
      store.erase(METER, Date.UTC(2026, 6, 15, 13), Date.UTC(2026, 6, 15, 18), 'user');
      return undefined;
    });
    store.close();
  });

  it('a deleted datasource: a new one under the same id and sid inherits no stored day', async () => {
    const store = yearStore(tempDir());
    const tariff = saveTariff(store, TOU);
    const sid = store.catalogue.get(METER).sid;
    await afterChange(store, tariff, () => {
      store.deleteDatasource(METER, 'user');
      store.createDatasource(
        { id: METER, kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
        'user',
      );
      expect(store.catalogue.get(METER).sid).toBe(sid);
      // only November: the writes drop no stored day before it, the deletion must
      store.writeReadings(METER, meterReadings(Date.UTC(2026, 10, 1), NOW, undefined, 2), 'user');
      return undefined;
    });
    store.close();
  });

  it('a tariff edited mid-year (the peak rate and hours change)', async () => {
    const store = yearStore(tempDir());
    const tariff = saveTariff(store, TOU);
    await afterChange(store, tariff, () =>
      saveTariff(store, { ...TOU, periods: [{ from: '17:00', to: '20:30', rate: 0.52 }, TOU.periods[1]] }),
    );
    // the old tariff's days are pruned once the new one's are stored
    expect(store.db.prepare('SELECT count(DISTINCT tariff) AS n FROM cost_days').get()).toEqual({ n: 1 });
    store.close();
  });

  it('an Agile import filling twelve days of missing prices', async () => {
    const dir = tempDir();
    const store = yearStore(dir);
    const hole = [Date.UTC(2026, 5, 1), Date.UTC(2026, 5, 13)];
    await importPrices(store, dir, FIRST, hole[0]);
    await importPrices(store, dir, hole[1], NOW + DAY);
    const tariff = saveTariff(store, { kind: 'series', currency: 'GBP', rate: 0.3, priceSource: PRICES });
    await afterChange(store, tariff, async () => {
      const summary = await importPrices(store, dir, hole[0], hole[1], 4);
      expect(summary.written).toBe(12 * 48);
    });
    store.close();
  });

  it('prices expired by the price source retention', async () => {
    const dir = tempDir();
    const store = yearStore(dir);
    await importPrices(store, dir, FIRST, NOW + DAY);
    const tariff = saveTariff(store, { kind: 'series', currency: 'GBP', rate: 0.3, priceSource: PRICES });
    await afterChange(store, tariff, () => {
      store.updateDatasource(PRICES, { retention: { raw: 'P200D' } }, 'user');
      expect(store.applyRetention().map((r) => r.id)).toContain(PRICES);
      return undefined;
    });
    store.close();
  });
});
