import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Store } from '../../../box/store/store.ts';
import type { AggregatePoint } from '../../../box/store/types.ts';
import type { ImportProgress } from '../../../drivers/imports/import-writer.ts';
import { importOctopus, OCTOPUS_DEFAULT_ID } from '../../../drivers/imports/octopus-import.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';
import { describeWithSharedFixtures, sharedFixture } from '../../helpers/shared-fixtures.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-octopus-');

const stores: Store[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});
function memoryStore(): Store {
  const store = Store.open(':memory:');
  stores.push(store);
  return store;
}

const API_PAGE = 'octopus/octopus_api_electricity_consumption_page1.json';
const CSV = join(REPO_ROOT, 'test/fixtures/octopus/octopus_dashboard_consumption_dst.csv');
const all = { from: 0, to: Date.parse('2030-01-01T00:00:00Z') } as const;

function total(store: Store, id: string): { kWh: number; n: number } {
  const days = store.read(id, { ...all, resolution: '1d', aggregate: 'sum' }) as AggregatePoint[];
  return { kWh: days.reduce((s, d) => s + d.v, 0), n: days.reduce((s, d) => s + d.n, 0) };
}

describeWithSharedFixtures('importOctopus: an API page (SOURCES.md §3)', () => {
  it('stores 99 half-hours totalling 24.774 kWh, finds both gaps, and a second import adds nothing', async () => {
    const store = memoryStore();
    const first = await importOctopus(store, sharedFixture(API_PAGE));
    expect(first).toMatchObject({
      format: 'api-json',
      datasources: [OCTOPUS_DEFAULT_ID],
      readings: 99,
      written: 99,
      duplicates: 0,
      errors: [],
      intervalMs: 30 * 60_000,
    });
    const { kWh, n } = total(store, OCTOPUS_DEFAULT_ID);
    expect(n).toBe(99);
    expect(kWh).toBeCloseTo(24.774, 9);
    // Largest reading 1.836 kWh at 2020-05-08T00:00+01:00.
    expect(store.latest(OCTOPUS_DEFAULT_ID)).toEqual({
      t: Date.parse('2020-05-08T00:00:00+01:00'),
      v: 1.836,
    });
    // 2020-05-05T00:30 to 2020-05-06T00:30 (+01:00) is empty, and 2020-05-06T11:30 is missing.
    expect(first.gaps).toEqual([
      {
        start: Date.parse('2020-05-05T00:30:00+01:00'),
        end: Date.parse('2020-05-06T00:30:00+01:00'),
        missing: 48,
      },
      {
        start: Date.parse('2020-05-06T11:30:00+01:00'),
        end: Date.parse('2020-05-06T12:00:00+01:00'),
        missing: 1,
      },
    ]);
    expect(first.notes.join('\n')).toMatch(/one page of 240 results; fetch https:\/\/api\.octopus\.energy/);

    const second = await importOctopus(store, sharedFixture(API_PAGE));
    expect(second).toMatchObject({ readings: 99, written: 0, duplicates: 99 });
    expect(total(store, OCTOPUS_DEFAULT_ID).n).toBe(99);
  });

  it('skips readings behind the retention horizon instead of refusing the file', async () => {
    const store = Store.open(':memory:', { clock: () => Date.parse('2020-06-06T00:00:00Z') });
    stores.push(store);
    store.createDatasource(
      {
        id: 'octopus.kept',
        kind: 'electricity.import.energy.interval',
        unit: 'kWh',
        valueType: 'gauge',
        retention: { raw: 'P30D' },
      },
      'user',
    );
    store.applyRetention(); // horizon: 2020-05-07T00:00Z
    const summary = await importOctopus(store, sharedFixture(API_PAGE), { id: 'octopus.kept' });
    // Kept: local 2020-05-07 01:00 to 23:30 (46 half-hours) and 2020-05-08 00:00 (+01:00).
    expect(summary).toMatchObject({ readings: 99, written: 47, skipped: 52, duplicates: 0 });
    const again = await importOctopus(store, sharedFixture(API_PAGE), { id: 'octopus.kept' });
    expect(again).toMatchObject({ written: 0, skipped: 52, duplicates: 47 });
  });
});

it('imports the dashboard CSV under --id, listing bad rows by line and the gaps they leave', async () => {
  const store = memoryStore();
  const summary = await importOctopus(store, CSV, { id: 'meter.halfhourly' });
  // test/fixtures/SOURCES.md: 8 good readings, 1.261 kWh; lines 7, 9 and 11 are bad.
  expect(summary).toMatchObject({
    format: 'csv',
    datasources: ['meter.halfhourly'],
    written: 8,
    duplicates: 0,
  });
  expect(summary.errors.map((e) => e.line)).toEqual([7, 9, 11]);
  expect(summary.errors[0].path).toBe('line 7: Consumption (kWh)');
  expect(total(store, 'meter.halfhourly').kWh).toBeCloseTo(1.261, 9);
  expect(summary.gaps).toEqual([
    { start: Date.parse('2023-03-26T01:30:00Z'), end: Date.parse('2023-03-26T02:30:00Z'), missing: 2 },
    { start: Date.parse('2023-03-26T03:00:00Z'), end: Date.parse('2023-03-26T03:30:00Z'), missing: 1 },
  ]);
  // The interval across the clock change is stored at its start, 00:30Z.
  const raw = store.read('meter.halfhourly', { ...all, resolution: 'raw', aggregate: 'mean' });
  expect(raw.find((r) => r.t === Date.parse('2023-03-26T00:30:00Z'))?.v).toBe(0.132);
});

it('refuses an existing datasource of another unit', async () => {
  const store = memoryStore();
  store.createDatasource(
    { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  await expect(importOctopus(store, CSV, { id: 'meter.power' })).rejects.toThrow(
    /"meter\.power" exists with unit "W"/,
  );
});

it('writes a large file in batches, reporting progress after each', async () => {
  const store = memoryStore();
  const rows = 20_001; // a bit over a year of half-hours
  const t0 = Date.parse('2023-01-01T00:00:00Z');
  const iso = (t: number) => new Date(t).toISOString().replace('.000Z', '+00:00');
  const lines = [' Consumption (kWh), Start, End'];
  for (let i = 0; i < rows; i++)
    lines.push(`0.125, ${iso(t0 + i * 1_800_000)}, ${iso(t0 + (i + 1) * 1_800_000)}`);
  const file = join(tempDir(), 'year.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const progress: ImportProgress[] = [];
  const summary = await importOctopus(store, file, { onProgress: (p) => progress.push(p) });
  expect(summary).toMatchObject({ written: rows, errors: [], gaps: [] });
  expect(progress.map((p) => p.written)).toEqual([5000, 10_000, 15_000, 20_000, 20_001]);
  expect(progress.at(-1)?.bytesRead).toBe(progress.at(-1)?.totalBytes);
  expect(total(store, OCTOPUS_DEFAULT_ID).kWh).toBeCloseTo(rows * 0.125, 6);
});
