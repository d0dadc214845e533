import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Store } from '../../../box/store/store.ts';
import {
  importOctopusPrices,
  OCTOPUS_PRICE_DEFAULT_ID,
} from '../../../drivers/imports/octopus-prices-import.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-prices-');
const fixture = (name: string) => join(REPO_ROOT, 'test/fixtures/octopus', name);
const AGILE = fixture('octopus_api_agile_unit_rates_page.json');
const FIXED = fixture('octopus_api_fixed_unit_rates_two_methods.json');
const all = {
  from: 0,
  to: Date.parse('2030-01-01T00:00:00Z'),
  resolution: 'raw',
  aggregate: 'mean',
} as const;
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});
function memoryStore(): Store {
  const store = Store.open(':memory:');
  stores.push(store);
  return store;
}

it('stores an Agile page as GBP/kWh inc. VAT at each period start, lists bad results and gaps', async () => {
  const store = memoryStore();
  const summary = await importOctopusPrices(store, AGILE);
  expect(summary).toMatchObject({ format: 'api-json', datasources: [OCTOPUS_PRICE_DEFAULT_ID], written: 5 });
  expect(summary.errors.map((e) => e.path)).toEqual(['results[4].value_exc_vat', 'results[5].valid_from']);
  expect(summary.errors[1].message).toMatch(/not an ISO 8601 time with offset/);
  expect(summary.notes.join('\n')).toMatch(
    /one page of 9 rates; fetch https:\/\/api\.octopus\.energy\/.*page=2/,
  );
  expect(summary.gaps).toEqual([
    { start: Date.parse('2024-11-02T22:30:00Z'), end: Date.parse('2024-11-02T23:30:00Z'), missing: 2 },
    { start: Date.parse('2024-11-03T00:30:00Z'), end: Date.parse('2024-11-03T01:00:00Z'), missing: 1 },
  ]);
  const raw = store.read(OCTOPUS_PRICE_DEFAULT_ID, all);
  expect(raw.map((r) => [new Date(r.t).toISOString(), r.v])).toEqual([
    ['2024-11-02T22:00:00.000Z', 0.168],
    ['2024-11-02T23:30:00.000Z', -0.0126], // plunge pricing: paid to use
    ['2024-11-03T00:00:00.000Z', 0.19005],
    ['2024-11-03T01:00:00.000Z', 0.21],
    ['2024-11-03T01:30:00.000Z', 0.2247],
  ]);
  expect(store.getDatasource(OCTOPUS_PRICE_DEFAULT_ID)).toMatchObject({
    kind: 'price.electricity.import',
    unit: 'GBP/kWh',
    valueType: 'gauge',
  });
  expect(await importOctopusPrices(store, AGILE)).toMatchObject({ written: 0, duplicates: 5 });
});

it('keeps the direct-debit rates of a fixed tariff and stores an open-ended rate at its start', async () => {
  const store = memoryStore();
  const summary = await importOctopusPrices(store, FIXED, { id: 'tariff.fixed' });
  expect(summary).toMatchObject({ written: 2, errors: [], gaps: [] });
  expect(summary.notes).toEqual([
    'kept the DIRECT_DEBIT rates; 2 rates for NON_DIRECT_DEBIT were left out',
    '1 rate is open-ended (valid_to null): stored at its start',
  ]);
  expect(store.read('tariff.fixed', all).map((r) => [r.t, r.v])).toEqual([
    [Date.parse('2024-06-30T23:00:00Z'), 0.231],
    [Date.parse('2024-09-30T23:00:00Z'), 0.24255],
  ]);
  const other = await importOctopusPrices(memoryStore(), FIXED, { paymentMethod: 'NON_DIRECT_DEBIT' });
  expect(other.written).toBe(2);
});

it('reads the CSV form (API field names as header, any order, empty valid_to open-ended)', async () => {
  const store = memoryStore();
  const file = join(tempDir(), 'rates.csv');
  writeFileSync(
    file,
    'value_inc_vat,value_exc_vat,valid_from,valid_to,payment_method\r\n' +
      '16.8,16.0,2024-11-02T22:00:00Z,2024-11-02T22:30:00Z,\r\n' +
      'x,16.0,2024-11-02T22:30:00Z,2024-11-02T23:00:00Z,\r\n' +
      '24.255,23.1,2024-11-02T23:00:00Z,,\r\n',
  );
  const summary = await importOctopusPrices(store, file);
  expect(summary).toMatchObject({ format: 'csv', written: 2 });
  expect(summary.errors).toEqual([{ line: 3, path: 'line 3: value_inc_vat', message: 'not a number: "x"' }]);
  expect(store.read(OCTOPUS_PRICE_DEFAULT_ID, all).map((r) => r.v)).toEqual([0.168, 0.24255]);
});

it('refuses a consumption file or an empty page, naming what it found', async () => {
  const store = memoryStore();
  await expect(importOctopusPrices(store, fixture('octopus_dashboard_consumption_dst.csv'))).rejects.toThrow(
    /not an Octopus unit-rates CSV: the header has no valid_from, valid_to, value_exc_vat, value_inc_vat column/,
  );
  const empty = join(tempDir(), 'empty.json');
  writeFileSync(empty, '{"count":0,"next":null,"previous":null,"results":[]}');
  await expect(importOctopusPrices(store, empty)).rejects.toThrow(/nothing to import: the file has no rates/);
  expect(store.listDatasources().map((d) => d.id)).not.toContain(OCTOPUS_PRICE_DEFAULT_ID);
});
