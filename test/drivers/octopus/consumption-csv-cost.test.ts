import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { Store } from '../../../box/store/store.ts';
import type { AggregatePoint } from '../../../box/store/types.ts';
import { importOctopus } from '../../../drivers/imports/octopus-import.ts';
import { parseConsumptionCsv } from '../../../drivers/octopus/consumption-csv.ts';

const FIXTURE = fileURLToPath(
  new URL('../../fixtures/octopus/octopus_dashboard_consumption_cost.csv', import.meta.url),
);
const all = { from: 0, to: Date.parse('2030-01-01T00:00:00Z') } as const;
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function sum(store: Store, id: string): { v: number; n: number } {
  const days = store.read(id, { ...all, resolution: '1d', aggregate: 'sum' }) as AggregatePoint[];
  return { v: days.reduce((s, d) => s + d.v, 0), n: days.reduce((s, d) => s + d.n, 0) };
}

it('reads the pence columns of the newer download, 0E-20 zeros, a blank and a bad cost cell', async () => {
  const { readings, errors } = await parseConsumptionCsv(readFileSync(FIXTURE, 'utf8'));
  expect(readings.map((r) => r.kWh)).toEqual([0.25, 0.3, 0, 0.12, 0.11, 0.4]);
  expect(readings.map((r) => r.costP)).toEqual([6.125, 7.35, 0, 2.94, undefined, undefined]);
  expect(readings.every((r) => r.standingP === 0.99)).toBe(true);
  // The row across the clock change: 01:30+01:00 to 01:00Z is 30 minutes.
  expect(readings[3].end - readings[3].start).toBe(30 * 60_000);
  expect(errors).toEqual([
    { line: 7, path: 'line 7: Estimated Cost Inc. Tax (p)', message: 'not a number of pence: "n/a"' },
  ]);
});

it('stores the costs as GBP gauges beside the kWh, once', async () => {
  const store = Store.open(':memory:');
  stores.push(store);
  const first = await importOctopus(store, FIXTURE);
  expect(first.datasources).toEqual([
    'octopus.electricity.import.interval',
    'octopus.electricity.import.interval.cost',
    'octopus.electricity.import.interval.standing-charge',
  ]);
  expect(first).toMatchObject({ readings: 16, written: 16, duplicates: 0, gaps: [] });
  expect(first.errors.map((e) => e.line)).toEqual([7]);
  expect(sum(store, 'octopus.electricity.import.interval').v).toBeCloseTo(1.18, 9);
  const cost = sum(store, 'octopus.electricity.import.interval.cost');
  expect(cost.n).toBe(4);
  expect(cost.v).toBeCloseTo(0.16415, 9);
  expect(sum(store, 'octopus.electricity.import.interval.standing-charge').v).toBeCloseTo(0.0594, 9);
  const meta = store.getDatasource('octopus.electricity.import.interval.cost');
  expect(meta).toMatchObject({
    unit: 'GBP',
    valueType: 'gauge',
    kind: 'cost.electricity.import.energy.interval',
  });
  // The first cost is at the first interval's start (2024-10-26T23:00Z), in pounds.
  const raw = store.read('octopus.electricity.import.interval.cost', {
    ...all,
    resolution: 'raw',
    aggregate: 'mean',
  });
  expect(raw[0]).toMatchObject({ t: Date.parse('2024-10-26T23:00:00Z'), v: 0.06125 });
  const again = await importOctopus(store, FIXTURE);
  expect(again).toMatchObject({ written: 0, duplicates: 16 });
});
