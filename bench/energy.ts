/**
 * Energy benchmarks (issue 12): a year of one-minute readings read as 365 local days (Amsterdam,
 * Kolkata, Kathmandu) against the UTC `1d` read of the stored daily rollups in the same run,
 * timed alternately: the first read (every day merged from the 1 h / 30 min / 15 min rollups and
 * stored), later reads (stored days), a year whose last day is still filling, and the write
 * path's cost of keeping stored days exact; and a year's cost at a day/night and a
 * time-of-use tariff from stored day costs against pricing every rollup step (the Energy
 * screen's year card). Run: `node --import tsx bench/energy.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costOf } from '../box/energy/period-cost.ts';
import { saveTariff } from '../box/energy/tariff.ts';
import { readCalendar } from '../box/store/local-calendar.ts';
import { Store } from '../box/store/store.ts';

import { type BenchRow, median, printTable } from './table.ts';

const DAY = 86_400_000;
const YEAR_START = Date.UTC(2025, 0, 1);
const work = mkdtempSync(join(tmpdir(), 'databox-bench-energy-'));

/**
 * Medians of `base` and `fn` timed alternately (`runs` each, after warm-ups), so that load from
 * other work on the machine falls on both alike.
 */
function paired(base: () => unknown, fn: () => unknown, runs = 101): [number, number] {
  for (let i = 0; i < 5; i++) {
    base();
    fn();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    base();
    a.push(performance.now() - start);
    start = performance.now();
    fn();
    b.push(performance.now() - start);
  }
  return [median(a), median(b)];
}

function localDayBench(): BenchRow[] {
  const store = Store.open(join(work, 'year.db'));
  store.createDatasource(
    { id: 'meter.energy', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
    'user',
  );
  store.createDatasource(
    { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  let kwh = 0;
  const batch: Array<{ t: number; v: number }> = [];
  const power: Array<{ t: number; v: number }> = [];
  for (let t = YEAR_START; t < YEAR_START + 365 * DAY; t += 60_000) {
    const w = 300 + ((t / 60_000) % 700);
    kwh += w / 60_000;
    batch.push({ t, v: kwh });
    power.push({ t, v: w });
    if (batch.length === 20_000) {
      store.writeReadings('meter.energy', batch.splice(0), 'user');
      store.writeReadings('meter.power', power.splice(0), 'user');
    }
  }
  store.writeReadings('meter.energy', batch, 'user');
  store.writeReadings('meter.power', power, 'user');
  const q = { from: YEAR_START, to: YEAR_START + 365 * DAY, limit: 400 };
  const utcRead = () => store.read('meter.energy', { ...q, resolution: '1d', aggregate: 'delta' });
  const rows: BenchRow[] = [];
  const drop = store.db.prepare('DELETE FROM local_days');
  for (const timeZone of ['Europe/Amsterdam', 'Asia/Kolkata', 'Asia/Kathmandu']) {
    const read = () =>
      readCalendar(store, 'meter.energy', { ...q, resolution: '1d', aggregate: 'delta', timeZone });
    // first read of the year in this zone: every day merged from the rollups and stored
    const [utcCold, cold] = paired(
      utcRead,
      () => {
        drop.run();
        read();
      },
      15,
    );
    rows.push({
      name: `365 local days of kWh (delta), ${timeZone}, first read (days merged and stored)`,
      value: cold,
      unit: 'ms',
      baseline: { name: 'UTC 1d read', value: utcCold },
      higherIsBetter: false,
    });
    const [utc, local] = paired(utcRead, read);
    rows.push({
      name: `365 local days of kWh (delta), ${timeZone}`,
      value: local,
      unit: 'ms',
      baseline: { name: 'UTC 1d read', value: utc },
      higherIsBetter: false,
      target: '≤ 2× the UTC read',
    });
  }
  const [utcMean, localMean] = paired(
    () => store.read('meter.power', { ...q, resolution: '1d', aggregate: 'mean' }),
    () =>
      readCalendar(store, 'meter.power', {
        ...q,
        resolution: '1d',
        aggregate: 'mean',
        timeZone: 'Europe/Amsterdam',
      }),
  );
  rows.push({
    name: '365 local days of W (mean), Europe/Amsterdam',
    value: localMean,
    unit: 'ms',
    baseline: { name: 'UTC 1d read', value: utcMean },
    higherIsBetter: false,
    target: '≤ 2× the UTC read',
  });
  const [utcMax, localMax] = paired(
    () => store.read('meter.power', { ...q, resolution: '1d', aggregate: 'max' }),
    () =>
      readCalendar(store, 'meter.power', {
        ...q,
        resolution: '1d',
        aggregate: 'max',
        timeZone: 'Asia/Kathmandu',
      }),
  );
  rows.push({
    name: '365 local days of W (max), Asia/Kathmandu',
    value: localMax,
    unit: 'ms',
    baseline: { name: 'UTC 1d read', value: utcMax },
    higherIsBetter: false,
    target: '≤ 2× the UTC read',
  });
  const [utcMonths, months] = paired(utcRead, () =>
    readCalendar(store, 'meter.energy', {
      ...q,
      resolution: '1mo',
      aggregate: 'delta',
      timeZone: 'Europe/Amsterdam',
    }),
  );
  rows.push({
    name: '12 local months of kWh, Europe/Amsterdam',
    value: months,
    unit: 'ms',
    baseline: { name: 'UTC 1d read', value: utcMonths },
    higherIsBetter: false,
  });
  rows.push(...costRows(store, q.from, q.to));
  // the write path's cost: every stored batch drops the cached days it touches (one statement)
  const sid = store.catalogue.get('meter.energy').sid;
  const probes = 20_000;
  let start = performance.now();
  store.transaction(() => {
    for (let i = 0; i < probes; i++) store.localDays.written(sid, true, q.to + i, q.to + i);
  });
  const probe = ((performance.now() - start) / probes) * 1000;
  // beside it, what a driver's flush of 10 appended readings costs in all
  const batches = 2_000;
  start = performance.now();
  for (let i = 0; i < batches; i++) {
    const t = q.to + DAY + i * 100_000;
    store.writeReadings(
      'meter.energy',
      Array.from({ length: 10 }, (_, k) => ({ t: t + k * 10_000, v: kwh + i + k / 10 })),
      'user',
    );
  }
  rows.push({
    name: 'stored-day invalidation per written batch (counter: local_days + cost_days)',
    value: probe,
    unit: 'µs',
    baseline: { name: 'one 10-reading batch write', value: ((performance.now() - start) / batches) * 1000 },
    ratioAs: 'multiple',
  });
  store.close();
  // a year that ends today: the day still filling is merged on every read, never stored
  const today = Store.open(join(work, 'year.db'), { clock: () => q.to - 7 * 3_600_000 });
  const [utcToday, localToday] = paired(
    () => today.read('meter.energy', { ...q, resolution: '1d', aggregate: 'delta' }),
    () =>
      readCalendar(today, 'meter.energy', {
        ...q,
        resolution: '1d',
        aggregate: 'delta',
        timeZone: 'Europe/Amsterdam',
      }),
  );
  rows.push({
    name: '365 local days of kWh, Europe/Amsterdam, the last one still filling',
    value: localToday,
    unit: 'ms',
    baseline: { name: 'UTC 1d read', value: utcToday },
    higherIsBetter: false,
    target: '≤ 2× the UTC read',
  });
  today.close();
  return rows;
}

/** A year's cost from the stored day costs against pricing the rollups, alternately. */
function costRows(store: Store, from: number, to: number): BenchRow[] {
  const zone = 'Europe/Amsterdam';
  const rows: BenchRow[] = [];
  const drop = store.db.prepare('DELETE FROM cost_days');
  for (const input of [
    { kind: 'day-night', currency: 'EUR', rate: 0.3, nightRate: 0.22, nightFrom: '23:00', nightTo: '07:00' },
    {
      kind: 'time-of-use',
      currency: 'EUR',
      rate: 0.25,
      periods: [{ from: '16:30', to: '19:00', rate: 0.45 }],
    },
  ]) {
    const tariff = saveTariff(store, input);
    const priced = () => costOf(store, 'meter.energy', from, to, tariff, zone, { stored: false });
    const stored = () => costOf(store, 'meter.energy', from, to, tariff, zone);
    if (priced().cost !== stored().cost) throw new Error(`${tariff.kind}: stored and priced costs differ`);
    const [coldBase, cold] = paired(
      priced,
      () => {
        drop.run();
        stored();
      },
      9,
    );
    rows.push({
      name: `a year's cost, ${tariff.kind}, ${zone}, first read (days priced and stored)`,
      value: cold,
      unit: 'ms',
      baseline: { name: 'priced from the rollups', value: coldBase },
      higherIsBetter: false,
    });
    const [base, warm] = paired(priced, stored, 31);
    rows.push({
      name: `a year's cost, ${tariff.kind}, ${zone}, stored day costs`,
      value: warm,
      unit: 'ms',
      baseline: { name: 'priced from the rollups', value: base },
      higherIsBetter: false,
    });
  }
  return rows;
}

try {
  printTable('Local-calendar reads (a year of 1-minute data)', localDayBench());
} finally {
  rmSync(work, { recursive: true, force: true });
}
