import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Store } from '../../../box/store/store.ts';
import type { AggregatePoint } from '../../../box/store/types.ts';
import { parseHealthDate, readHealthExport } from '../../../drivers/apple-health/health-export.ts';
import { importAppleHealth } from '../../../drivers/imports/apple-health-import.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/apple-health/apple_health_export_built.xml');
const tempDir = useTempDir('databox-health-');
const all = { from: 0, to: Date.parse('2030-01-01T00:00:00Z') } as const;
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});
function memoryStore(): Store {
  const store = Store.open(':memory:');
  stores.push(store);
  return store;
}
const byKind = (store: Store, kind: string) => store.listDatasources().filter((d) => d.kind === kind);
const raw = (store: Store, id: string) =>
  store
    .read(id, { ...all, resolution: 'raw', aggregate: 'mean' })
    .map((p) => [new Date(p.t).toISOString(), p.v]);

it('reads the export date form with its offset', () => {
  expect(parseHealthDate('2024-01-05 08:30:00 +0100')).toBe(Date.parse('2024-01-05T07:30:00Z'));
  expect(parseHealthDate('2024-07-01 00:15:00 -0530')).toBe(Date.parse('2024-07-01T05:45:00Z'));
  expect(parseHealthDate('2024-01-05 23:06')).toBeNaN();
});

it('keeps each source its own series, says where iPhone and Watch overlap, and re-imports nothing', async () => {
  const store = memoryStore();
  const summary = await importAppleHealth(store, FIXTURE);
  expect(summary).toMatchObject({ readings: 15, written: 15, duplicates: 0 });
  const steps = byKind(store, 'health.steps');
  expect(steps.map((d) => d.description).sort()).toEqual([
    'Steps per sample, recorded by "Anna’s Apple Watch", from an Apple Health export',
    'Steps per sample, recorded by "Anna’s iPhone", from an Apple Health export',
    'Steps per sample, recorded by "Health", from an Apple Health export', // entered by hand
  ]);
  const iphone = steps.find((d) => d.description?.includes('iPhone'));
  expect(raw(store, iphone?.id ?? '')).toEqual([
    ['2024-01-05T07:30:00.000Z', 412],
    ['2024-01-05T07:40:00.000Z', 388],
  ]);
  expect(summary.notes[0]).toMatch(
    /^health\.steps from 2 sources overlaps in time \(Anna’s iPhone, Anna’s Apple Watch\): each is its own series/,
  );
  expect(summary.notes).toContain(
    '2 records of 2 other types were not imported (BodyMass 1, ActiveEnergyBurned 1)',
  );
  expect(summary.errors.map((e) => [e.line, e.path])).toEqual([
    [38, 'line 38: Record'],
    [44, 'line 44: HKCategoryTypeIdentifierSleepAnalysis'],
  ]);
  const [hr] = byKind(store, 'health.heart_rate');
  expect(hr).toMatchObject({ unit: 'bpm', valueType: 'gauge' });
  expect(raw(store, hr.id).map((r) => r[1])).toEqual([96, 58]);
  // The night of 5–6 January: 8 h in bed, 2 h core, 75 min deep, 90 min REM, 5 min awake.
  const minutes = (kind: string) => {
    const [d] = byKind(store, kind);
    return (store.read(d.id, { ...all, resolution: '1d', aggregate: 'sum' }) as AggregatePoint[]).reduce(
      (s, p) => s + p.v,
      0,
    );
  };
  expect(
    ['in_bed', 'asleep_core', 'asleep_deep', 'asleep_rem', 'awake'].map((s) => minutes(`health.sleep.${s}`)),
  ).toEqual([480, 120, 75, 90, 5]);
  // Workouts: old exports give totalEnergyBurned, newer ones a WorkoutStatistics child (1046 kJ = 250 kcal).
  expect(
    byKind(store, 'health.workout')
      .flatMap((d) => raw(store, d.id).map((r) => r[1]))
      .sort(),
  ).toEqual([30.5, 45]);
  expect(
    byKind(store, 'health.workout.energy')
      .flatMap((d) => raw(store, d.id).map((r) => r[1]))
      .sort(),
  ).toEqual([250, 320]);

  const again = await importAppleHealth(store, FIXTURE);
  expect(again).toMatchObject({ written: 0, duplicates: 15 });
});

it('streams: the same items from 7-byte chunks', async () => {
  const count = async (highWaterMark: number) => {
    const errors: never[] = [];
    let n = 0;
    for await (const _ of readHealthExport(createReadStream(FIXTURE, { highWaterMark }), errors)) n++;
    return [n, errors.length];
  };
  expect(await count(7)).toEqual(await count(1 << 20));
  expect(await count(7)).toEqual([16, 1]);
});

it('refuses a Green Button feed, a non-XML file and an export with nothing covered', async () => {
  const store = memoryStore();
  const dir = tempDir();
  const feed = join(dir, 'DownloadMyData.xml');
  writeFileSync(feed, '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry/></feed>');
  await expect(importAppleHealth(store, feed)).rejects.toThrow(
    'not an Apple Health export: the root element is <feed>, not <HealthData> (an Atom feed, such as Green Button data?)',
  );
  const csv = join(dir, 'consumption.csv');
  writeFileSync(csv, ' Consumption (kWh), Start, End\n0.1, 2024-01-01T00:00:00Z, 2024-01-01T00:30:00Z\n');
  await expect(importAppleHealth(store, csv)).rejects.toThrow(
    /not an Apple Health export: not well-formed XML/,
  );
  const weights = join(dir, 'export.xml');
  writeFileSync(
    weights,
    '<HealthData locale="en_GB"><Record type="HKQuantityTypeIdentifierBodyMass" sourceName="Health" unit="kg" startDate="2024-01-06 08:00:00 +0100" endDate="2024-01-06 08:00:00 +0100" value="64.2"/></HealthData>',
  );
  await expect(importAppleHealth(store, weights)).rejects.toThrow(
    /nothing to import: the Apple Health export has 1 elements, none a step count, heart rate, sleep analysis or workout/,
  );
  expect(store.listDatasources()).toEqual([]);
});
