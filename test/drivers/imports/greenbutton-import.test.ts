import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Store } from '../../../box/store/store.ts';
import type { AggregatePoint } from '../../../box/store/types.ts';
import { importGreenButton } from '../../../drivers/imports/greenbutton-import.ts';
import type { ImportProgress } from '../../../drivers/imports/import-writer.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';
import { describeWithSharedFixtures, sharedFixture } from '../../helpers/shared-fixtures.ts';

const stores: Store[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});
function memoryStore(): Store {
  const store = Store.open(':memory:');
  stores.push(store);
  return store;
}

const GBA_SAMPLE = 'greenbutton/espi_gba_sample_TestGBDataHourlyNineDaysBinnedDaily.xml';
const ID = 'greenbutton.electricity.import.interval';

describeWithSharedFixtures('importGreenButton: the GBA sample (SOURCES.md §2)', () => {
  it('stores 216 hourly readings totalling 199.563 kWh, and a second import adds nothing', async () => {
    const store = memoryStore();
    const progress: ImportProgress[] = [];
    const first = await importGreenButton(store, sharedFixture(GBA_SAMPLE), {
      onProgress: (p) => progress.push(p),
    });
    // every hourly reading has a cost, stored beside it as ID.cost
    expect(first).toMatchObject({
      datasources: [ID, `${ID}.cost`],
      readings: 432,
      written: 432,
      duplicates: 0,
      skipped: 0,
      errors: [],
    });
    expect(store.getDatasource(ID)).toMatchObject({
      unit: 'kWh',
      valueType: 'gauge',
      kind: 'electricity.import.energy.interval',
    });

    const from = Date.parse('2014-01-01T00:00:00Z');
    const to = Date.parse('2014-01-11T00:00:00Z');
    const days = store.read(ID, { from, to, resolution: '1d', aggregate: 'sum' }) as AggregatePoint[];
    expect(days.reduce((s, d) => s + d.v, 0)).toBeCloseTo(199.563, 9);
    expect(days.reduce((s, d) => s + d.n, 0)).toBe(216);
    const max = store.read(ID, { from, to, resolution: '1d', aggregate: 'max' }) as AggregatePoint[];
    expect(Math.max(...max.map((d) => d.v))).toBe(1.365);
    const raw = store.read(ID, { from, to, resolution: 'raw', aggregate: 'mean' });
    expect(raw[0]).toEqual({ t: Date.parse('2014-01-01T05:00:00Z'), v: 0.273 });
    expect(raw.at(-1)?.t).toBe(Date.parse('2014-01-10T04:00:00Z')); // the last interval ends at 05:00Z

    const last = progress.at(-1);
    expect(last).toMatchObject({ readings: 432, written: 432 });
    // the costs: 2,205,567 hundred-thousandths of a dollar (espi-parser.test.ts) = $22.05567
    expect(store.getDatasource(`${ID}.cost`)).toMatchObject({
      unit: 'USD',
      kind: 'cost.electricity.import.energy.interval',
    });
    const cost = store.read(`${ID}.cost`, {
      from,
      to,
      resolution: '1d',
      aggregate: 'sum',
    }) as AggregatePoint[];
    expect(cost.reduce((s, d) => s + d.v, 0)).toBeCloseTo(22.05567, 9);
    expect(first.gaps).toEqual([]);
    expect(last?.bytesRead).toBe(last?.totalBytes);

    const second = await importGreenButton(store, sharedFixture(GBA_SAMPLE));
    expect(second).toMatchObject({ readings: 432, written: 0, duplicates: 432 });
    expect(store.read(ID, { from, to, resolution: 'raw', aggregate: 'mean' })).toHaveLength(216);
  });
});

it('puts forward flow under --id and reverse flow under the export datasource, scaled by each ReadingType', async () => {
  const store = memoryStore();
  const file = join(REPO_ROOT, 'test/fixtures/greenbutton/espi_tiny_prefixed_multiplier.xml');
  const summary = await importGreenButton(store, file, { id: 'house.grid.interval' });
  expect(summary.datasources.sort()).toEqual([
    'greenbutton.electricity.export.interval',
    'house.grid.interval',
    'house.grid.interval.cost',
  ]);
  expect(summary.written).toBe(6); // 4 energies and the 2 costs the file gives
  const all = {
    from: 0,
    to: Date.parse('2025-01-01T00:00:00Z'),
    resolution: 'raw',
    aggregate: 'mean',
  } as const;
  // test/fixtures/SOURCES.md: 1.5, 2.25, 0.125 Wh forward; 7 Wh reverse; stored in kWh.
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  expect(store.read('house.grid.interval', all)).toEqual([
    { t: t0, v: 0.0015 },
    { t: t0 + 900_000, v: 0.00225 },
    { t: t0 + 1_800_000, v: 0.000125 },
  ]);
  expect(store.read('greenbutton.electricity.export.interval', all)).toEqual([{ t: t0, v: 0.007 }]);
  // costs 30 and 45 hundred-thousandths; the third reading has none
  expect(store.read('house.grid.interval.cost', all)).toEqual([
    { t: t0, v: 0.0003 },
    { t: t0 + 900_000, v: 0.00045 },
  ]);
});

it('names a bad --id and a file that is not XML', async () => {
  const store = memoryStore();
  await expect(importGreenButton(store, sharedFixture(GBA_SAMPLE), { id: 'Bad Id' })).rejects.toThrow(
    /"Bad Id"/,
  );
  const notXml = join(REPO_ROOT, 'test/fixtures/octopus/octopus_dashboard_consumption_dst.csv');
  await expect(importGreenButton(store, notXml)).rejects.toThrow(/line|column|XML/i);
});
