/**
 * Raw compression benchmark (issue 13 aim 5): bytes per point of a year of 10 s simulator power
 * readings kept as rows against the same year compacted into per-day blocks, in one run, plus the
 * time of a raw and a 30-minute read of one day, compacted and not. Run:
 * `node --import tsx bench/compression.ts` (`BENCH_DAYS=…` for a shorter series).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Compactor } from '../box/store/compaction.ts';
import { checkRollups } from '../box/store/consistency.ts';
import { ROLLUP_TABLES } from '../box/store/rollup-tables.ts';
import { Store } from '../box/store/store.ts';
import { HouseholdSimulator } from '../drivers/simulator/index.ts';
import { type BenchRow, median, printTable } from './table.ts';

const DAY = 86_400_000;
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const START = Date.UTC(2025, 0, 1);
const SOURCES = 20;
const work = mkdtempSync(join(tmpdir(), 'databox-compression-'));

/** Bytes SQLite uses for each table and index (dbstat), after a VACUUM so freed pages go. */
function tableBytes(store: Store): Record<string, number> {
  store.db.exec('VACUUM');
  const rows = store.db
    .prepare<[], { name: string; bytes: number }>(
      'SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name',
    )
    .all();
  const bytes: Record<string, number> = Object.fromEntries(rows.map((r) => [r.name, r.bytes]));
  // the six level tables, together
  bytes.rollups = ROLLUP_TABLES.reduce((sum, table) => sum + (bytes[table] ?? 0), 0);
  return bytes;
}

function timed(fn: () => unknown, runs = 21): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

function main(): BenchRow[] {
  const sim = new HouseholdSimulator({ seed: 7, stepMs: 10_000 });
  const open = (name: string) => {
    const store = Store.open(join(work, name));
    store.createDatasource(
      { id: 'power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    return store;
  };
  const rows = open('rows.db');
  const packed = open('packed.db');
  let points = 0;
  for (const b of sim.batches(START, START + DAYS * DAY, { batchSize: 20_000 })) {
    if (b.sourceId !== 'sim.power') continue;
    rows.writeReadings('power', b.readings, 'user');
    packed.writeReadings('power', b.readings, 'user');
    points += b.readings.length;
  }
  const compactStart = performance.now();
  const report = new Compactor(packed.db).compact(packed.catalogue.get('power'), START + (DAYS + 2) * DAY);
  const compactMs = performance.now() - compactStart;
  if (report.days !== DAYS || report.readings !== points)
    throw new Error(`compaction left rows: ${JSON.stringify(report)}`);
  if (checkRollups(packed.db, packed.catalogue.get('power')).length > 0) throw new Error('rollups differ');

  // the same answers from both files, then their speed: one day raw, one day at 30 min, the year at 30 min
  const day = START + Math.floor(DAYS / 2) * DAY;
  const rawDay = {
    from: day,
    to: day + DAY,
    resolution: 'raw' as const,
    aggregate: 'mean' as const,
    limit: 10_000,
  };
  const halfHours = { ...rawDay, resolution: '30min' as const };
  const year = { ...halfHours, from: START, to: START + DAYS * DAY, limit: 1_000_000 };
  for (const query of [
    rawDay,
    halfHours,
    year,
    { ...rawDay, from: START, to: START + DAYS * DAY, limit: 1_000_000 },
  ]) {
    if (JSON.stringify(rows.read('power', query)) !== JSON.stringify(packed.read('power', query)))
      throw new Error(`reads differ: ${JSON.stringify(query)}`);
  }
  const time = (store: Store, query: typeof rawDay | typeof halfHours) =>
    timed(() => store.read('power', query));
  const rawRows = time(rows, rawDay);
  const rawPacked = time(packed, rawDay);
  const halfRows = time(rows, halfHours);
  const halfPacked = time(packed, halfHours);
  const yearRows = timed(() => rows.read('power', year), 5);
  const yearPacked = timed(() => packed.read('power', year), 5);

  const rowBytes = tableBytes(rows);
  const packedBytes = tableBytes(packed);
  const rawAsRows = rowBytes.readings / points;
  const rawAsBlocks = (packedBytes.blocks + (packedBytes.readings ?? 0)) / points;
  const rollups = packedBytes.rollups / points;
  rows.close();
  packed.close();
  const fileRows = statSync(join(work, 'rows.db')).size;
  const filePacked = statSync(join(work, 'packed.db')).size;
  const energy = energyBytes(sim, Math.min(DAYS, 30));
  console.log(
    `energy counter (${energy.points.toLocaleString('en')} points, kWh with ~14 decimals: the XOR codec): blocks ${energy.blocks.toFixed(2)} B/point, rows ${energy.rows.toFixed(2)} B/point`,
  );
  const household = (bytesPerPoint: number) => (bytesPerPoint * points * SOURCES * (365 / DAYS)) / 1e6;
  console.log(
    `${points.toLocaleString('en')} points over ${DAYS} days; compaction ${(compactMs / 1000).toFixed(1)} s (${(compactMs / DAYS).toFixed(1)} ms a day); blocks ${report.bytes.toLocaleString('en')} bytes of data`,
  );
  console.log(
    `files after VACUUM: rows ${(fileRows / 1e6).toFixed(1)} MB, compacted ${(filePacked / 1e6).toFixed(1)} MB; rollups ${rollups.toFixed(2)} B/point in both`,
  );
  console.log(
    `a ${SOURCES}-source household's year: raw as rows ${household(rawAsRows).toFixed(0)} MB, as blocks ${household(rawAsBlocks).toFixed(0)} MB; with rollups ${household(rawAsRows + rollups).toFixed(0)} / ${household(rawAsBlocks + rollups).toFixed(0)} MB`,
  );
  return [
    {
      name: 'raw bytes per point, compacted (blocks table incl. b-tree)',
      value: rawAsBlocks,
      unit: 'B/point',
      baseline: { name: 'readings table', value: rawAsRows },
      higherIsBetter: false,
      ratioAs: 'multiple',
      target: '≤ 4 B/point',
    },
    {
      name: `${SOURCES}-source household year, raw + rollups on disk`,
      value: household(rawAsBlocks + rollups),
      unit: 'MB',
      baseline: { name: 'as rows', value: household(rawAsRows + rollups) },
      higherIsBetter: false,
      ratioAs: 'multiple',
    },
    {
      name: 'one day raw (8,640 readings), compacted',
      value: rawPacked,
      unit: 'ms',
      baseline: { name: 'rows', value: rawRows },
      higherIsBetter: false,
    },
    {
      name: 'one day at 30 min, compacted',
      value: halfPacked,
      unit: 'ms',
      baseline: { name: 'rows', value: halfRows },
      higherIsBetter: false,
    },
    {
      name: 'the year at 30 min, compacted',
      value: yearPacked,
      unit: 'ms',
      baseline: { name: 'rows', value: yearRows },
      higherIsBetter: false,
    },
  ];
}

/** The simulator's energy register (a counter of many-decimal floats) as rows vs blocks. */
function energyBytes(sim: HouseholdSimulator, days: number) {
  const store = Store.open(join(work, 'energy.db'));
  store.createDatasource(
    { id: 'energy', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
    'user',
  );
  let points = 0;
  for (const b of sim.batches(START, START + days * DAY, { batchSize: 20_000 })) {
    if (b.sourceId !== 'sim.energy') continue;
    store.writeReadings('energy', b.readings, 'user');
    points += b.readings.length;
  }
  const rows = tableBytes(store).readings / points;
  new Compactor(store.db).compact(store.catalogue.get('energy'), START + (days + 2) * DAY);
  const blocks = tableBytes(store).blocks / points;
  store.close();
  return { points, rows, blocks };
}

try {
  printTable('Raw compression (issue 13 aim 5)', main());
} finally {
  rmSync(work, { recursive: true, force: true });
}
