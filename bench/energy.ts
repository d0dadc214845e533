/**
 * Energy benchmarks (issue 12): a year of one-minute readings read as 365 local days (Amsterdam:
 * 1 h rollups summed into days; Kolkata: 30 min; Kathmandu: 15 min) against the UTC `1d` read of
 * the stored daily rollups in the same run, and the energy screen of a household with 20
 * datasources against the Data page's single chart. Run: `node --import tsx bench/energy.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCalendar } from '../box/store/local-calendar.ts';
import { Store } from '../box/store/store.ts';

import { type BenchRow, median, printTable } from './table.ts';

const DAY = 86_400_000;
const YEAR_START = Date.UTC(2025, 0, 1);
const work = mkdtempSync(join(tmpdir(), 'databox-bench-energy-'));

/** Median of `runs` timings of `fn` (ms), after two warm-up calls. */
function timed(fn: () => unknown, runs = 15): number {
  fn();
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return median(times);
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
  const utc = timed(() => store.read('meter.energy', { ...q, resolution: '1d', aggregate: 'delta' }));
  const rows: BenchRow[] = [];
  for (const timeZone of ['Europe/Amsterdam', 'Asia/Kolkata', 'Asia/Kathmandu']) {
    const local = timed(() =>
      readCalendar(store, 'meter.energy', { ...q, resolution: '1d', aggregate: 'delta', timeZone }),
    );
    rows.push({
      name: `365 local days of kWh (delta), ${timeZone}`,
      value: local,
      unit: 'ms',
      baseline: { name: 'UTC 1d read', value: utc },
      higherIsBetter: false,
      target: '≤ 2× the UTC read',
    });
  }
  const utcMean = timed(() => store.read('meter.power', { ...q, resolution: '1d', aggregate: 'mean' }));
  const localMean = timed(() =>
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
  const months = timed(() =>
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
    baseline: { name: 'UTC 1d read', value: utc },
    higherIsBetter: false,
  });
  store.close();
  return rows;
}

try {
  printTable('Local-calendar reads (a year of 1-minute data)', localDayBench());
} finally {
  rmSync(work, { recursive: true, force: true });
}
