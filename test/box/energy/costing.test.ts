import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { total } from '../../../box/energy/energy-summary.ts';
import { costOf } from '../../../box/energy/period-cost.ts';
import { saveTariff } from '../../../box/energy/tariff.ts';
import { Store } from '../../../box/store/store.ts';
import { importOctopus, OCTOPUS_DEFAULT_ID } from '../../../drivers/imports/octopus-import.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const HALF = 1_800_000;

describe('tariffs and cost', () => {
  it('Octopus interval data: local-day totals equal the file, costed at day/night and Agile rates', async () => {
    const dir = tempDir();
    const store = Store.open(join(dir, 'databox.db'));
    // two London days in winter (UTC = local), half hours with varying kWh
    const start = Date.UTC(2026, 0, 10);
    const values = Array.from(
      { length: 96 },
      (_, i) => Math.round((0.1 + ((i * 7) % 13) / 20) * 1000) / 1000,
    );
    const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
    const csv = [
      'Consumption (kWh), Start, End',
      ...values.map((v, i) => `${v}, ${iso(start + i * HALF)}, ${iso(start + (i + 1) * HALF)}`),
    ].join('\n');
    writeFileSync(join(dir, 'consumption.csv'), `${csv}\n`);
    await importOctopus(store, join(dir, 'consumption.csv'));
    const fileDay1 = values.slice(0, 48).reduce((a, b) => a + b, 0);
    expect(total(store, OCTOPUS_DEFAULT_ID, start, start + 86_400_000, 'Europe/London')).toBeCloseTo(
      fileDay1,
      9,
    );
    expect(total(store, OCTOPUS_DEFAULT_ID, start, start + 2 * 86_400_000, 'Europe/London')).toBeCloseTo(
      values.reduce((a, b) => a + b, 0),
      9,
    );

    // day/night: 00:30–07:30 local at 0.10, else 0.30, standing 0.50 a day
    const e7 = saveTariff(store, {
      kind: 'day-night',
      currency: 'GBP',
      rate: 0.3,
      nightRate: 0.1,
      nightFrom: '00:30',
      nightTo: '07:30',
      standingPerDay: 0.5,
    });
    let want = 0;
    values.slice(0, 48).forEach((v, i) => {
      want += v * (i >= 1 && i < 15 ? 0.1 : 0.3);
    });
    const day = costOf(store, OCTOPUS_DEFAULT_ID, start, start + 86_400_000, e7, 'Europe/London');
    expect(day.kWh).toBeCloseTo(fileDay1, 9);
    expect(day.cost).toBeCloseTo(want + 0.5, 9);

    // a price series (one reading at the start of each rate period, holding until the next)
    store.createDatasource(
      { id: 'agile', kind: 'price.electricity.import', unit: 'GBP/kWh', valueType: 'gauge' },
      'user',
    );
    const prices = Array.from({ length: 48 }, (_, i) => ({ t: start + i * HALF, v: 0.05 + (i % 5) / 100 }));
    store.writeReadings('agile', prices, 'user');
    const agile = saveTariff(store, { kind: 'series', currency: 'GBP', rate: 0.25, priceSource: 'agile' });
    const series = costOf(store, OCTOPUS_DEFAULT_ID, start, start + 86_400_000, agile, 'Europe/London');
    expect(series.cost).toBeCloseTo(
      values.slice(0, 48).reduce((a, v, i) => a + v * prices[i].v, 0),
      9,
    );
    // each tariff change is audited
    const audited = store.db
      .prepare("SELECT count(*) AS n FROM audit WHERE action = 'settings.change' AND subject = 'tariff'")
      .get() as { n: number };
    expect(audited.n).toBe(2);
    store.close();
  });

  it('refuses a bad tariff, naming every wrong field', () => {
    const store = Store.open(join(tempDir(), 'databox.db'));
    expect(() => saveTariff(store, { kind: 'flat', currency: 'pounds', rate: -1 })).toThrow(/not valid/);
    try {
      saveTariff(store, { kind: 'flat', currency: 'pounds', rate: -1 });
    } catch (e) {
      const paths = (e as { details: Array<{ path: string }> }).details.map((d) => d.path);
      expect(paths).toEqual(expect.arrayContaining(['tariff.currency', 'tariff.rate']));
    }
    store.close();
  });
});
