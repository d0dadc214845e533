/**
 * Import benchmarks (issue 16). Run: `node --import tsx bench/imports.ts` (or `npm run bench -- imports`).
 *
 * 1. Apple Health: a generated `export.xml` of BENCH_HEALTH_MB (default 200) MB imported through
 *    `importAppleHealth` into a store on disk: MB/s against `saxes` alone parsing the same file
 *    with empty handlers, and the process RSS sampled every 50 ms (peak, and at each quarter of
 *    the file, to see whether it stays flat). Runs first, so the recorder part does not inflate it.
 * 2. Home Assistant: a recorder database (schema 41, built with `test/drivers/homeassistant/
 *    recorder-fixture.ts`) of BENCH_HA_STATES (default 1,000,000) states over 100 entities and
 *    BENCH_HA_STATS (default 100,000) hourly statistics rows, imported through
 *    `importHomeAssistant`: readings/s against a plain better-sqlite3 copy of the same rows (the
 *    same queries on the recorder, the state text parsed to a number, inserted in batches of
 *    5,000 into a table of the store's raw shape).
 */

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SaxesParser } from 'saxes';
import { Store } from '../box/store/store.ts';
import { importAppleHealth } from '../drivers/imports/apple-health-import.ts';
import { importHomeAssistant } from '../drivers/imports/homeassistant-import.ts';
import { RecorderFixture } from '../test/drivers/homeassistant/recorder-fixture.ts';
import { type BenchRow, printTable } from './table.ts';

const HEALTH_MB = Number(process.env.BENCH_HEALTH_MB ?? 200);
const HA_STATES = Number(process.env.BENCH_HA_STATES ?? 1_000_000);
const HA_STATS = Number(process.env.BENCH_HA_STATS ?? 100_000);
const work =
  process.argv[2] === '--health-child' ? '' : mkdtempSync(join(tmpdir(), 'databox-bench-imports-'));
const T0 = Date.parse('2023-01-01T00:00:00Z');
const MB = 1024 * 1024;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function healthDate(ms: number): string {
  // the export's form: local time and offset; +0100 all year keeps the generator simple
  const d = new Date(ms + 3_600_000).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 19)} +0100`;
}

/** Writes an export of about `mb` MB: steps from two sources, heart rate, sleep and workouts. */
async function writeHealthExport(file: string, mb: number): Promise<number> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData ANY>\n]>\n',
  );
  await write('<HealthData locale="en_GB">\n <ExportDate value="2024-01-10 09:00:00 +0100"/>\n');
  let records = 0;
  let bytes = 0;
  for (let i = 0; bytes < mb * MB; i++) {
    const t = T0 + i * 60_000;
    const source = i % 3 === 0 ? 'Anna’s iPhone' : 'Anna’s Apple Watch';
    const lines =
      ` <Record type="HKQuantityTypeIdentifierStepCount" sourceName="${source}" sourceVersion="17.2" unit="count" creationDate="${healthDate(t + 60_000)}" startDate="${healthDate(t)}" endDate="${healthDate(t + 60_000)}" value="${(i * 7) % 120}"/>\n` +
      ` <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Anna’s Apple Watch" sourceVersion="10.2" unit="count/min" creationDate="${healthDate(t + 5000)}" startDate="${healthDate(t)}" endDate="${healthDate(t)}" value="${60 + (i % 40)}">\n  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n </Record>\n` +
      (i % 480 === 0
        ? ` <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="Anna’s Apple Watch" startDate="${healthDate(t)}" endDate="${healthDate(t + 5_400_000)}" value="HKCategoryValueSleepAnalysisAsleepCore"/>\n` +
          ` <Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="20" durationUnit="min" totalEnergyBurned="90" totalEnergyBurnedUnit="kcal" sourceName="Anna’s Apple Watch" startDate="${healthDate(t)}" endDate="${healthDate(t + 1_200_000)}">\n  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n </Workout>\n`
        : '');
    records += i % 480 === 0 ? 4 : 2;
    bytes += Buffer.byteLength(lines);
    await write(lines);
  }
  await write('</HealthData>\n');
  out.end();
  await once(out, 'finish');
  return records;
}

async function benchHealth(): Promise<BenchRow[]> {
  const file = join(work, 'export.xml');
  const records = await writeHealthExport(file, HEALTH_MB);
  const size = statSync(file).size;
  const started = performance.now();
  const parser = new SaxesParser();
  parser.on('opentag', () => {});
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024, encoding: 'utf8' }))
    parser.write(chunk);
  parser.close();
  const saxesMs = performance.now() - started;

  // Import in a fresh process, so RSS is the import's, not the generator's or the baseline's.
  const child = spawnSync(
    process.execPath,
    [
      '--no-node-snapshot',
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--health-child',
      file,
      join(work, 'health.db'),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (child.status !== 0) throw new Error(`health child failed: ${child.stderr}`);
  const { ms, rssStart, quarters, peak, written } = JSON.parse(
    child.stdout.trim().split('\n').at(-1) ?? '{}',
  ) as {
    ms: number;
    rssStart: number;
    quarters: number[];
    peak: number;
    written: number;
  };
  const summary = { written };
  const mbs = size / MB / (ms / 1000);
  const cli = await importThroughCli(file, join(work, 'cli-home'));
  console.log(
    `Apple Health: ${(size / MB).toFixed(0)} MB, ${records.toLocaleString('en')} elements, ${summary.written.toLocaleString('en')} readings in ${(ms / 1000).toFixed(1)} s; ` +
      `RSS (its own process) before ${(rssStart / MB).toFixed(0)} MB, at each quarter ${quarters.map((q) => (q / MB).toFixed(0)).join(' / ')} MB, peak ${(peak / MB).toFixed(0)} MB`,
  );
  return [
    {
      name: `Apple Health import, ${(size / MB).toFixed(0)} MB export`,
      value: mbs,
      unit: 'MB/s',
      baseline: { name: 'saxes alone, empty handlers', value: size / MB / (saxesMs / 1000) },
    },
    {
      name: 'Apple Health import, peak RSS',
      value: peak / MB,
      unit: 'MB',
      higherIsBetter: false,
      target: 'flat, < 150 MB',
    },
    {
      name: 'Apple Health import as the user runs it (compiled CLI), peak RSS',
      value: cli.peak / MB,
      unit: 'MB',
      higherIsBetter: false,
      baseline: { name: 'a bare node process', value: cli.bare / MB },
      ratioAs: 'multiple',
      target: '< 150 MB',
    },
  ];
}

function buildRecorder(file: string): void {
  const r = new RecorderFixture(file);
  const entities = 100;
  r.db.transaction(() => {
    const ids = Array.from({ length: entities }, (_, e) =>
      r.entity(`sensor.room_${e}_${e % 2 ? 'power' : 'temperature'}`, {
        unit_of_measurement: e % 2 ? 'W' : '°C',
        device_class: e % 2 ? 'power' : 'temperature',
        state_class: 'measurement',
      }),
    );
    for (let i = 0; i < HA_STATES; i++) {
      const e = i % entities;
      r.state(
        ids[e],
        i % 997 === 0 ? 'unavailable' : String(((i * 31) % 2000) / 10),
        T0 / 1000 + Math.floor(i / entities) * 30 + e / 1000,
      );
    }
    const stats = 20;
    const metas = Array.from({ length: stats }, (_, s) =>
      r.statistic({
        statisticId: `sensor.meter_${s}`,
        unit: 'kWh',
        hasMean: s % 2 === 0,
        hasSum: s % 2 === 1,
      }),
    );
    for (let i = 0; i < HA_STATS; i++) {
      const s = i % stats;
      r.hour(
        metas[s],
        T0 / 1000 + Math.floor(i / stats) * 3600,
        s % 2 ? { sum: i / 10, state: i / 10 } : { mean: i % 50 },
      );
    }
  })();
  r.close();
}

/** The same rows read the same way, inserted into a plain table of the store's raw shape. */
function plainCopy(recorder: string, target: string): { rows: number; ms: number } {
  const started = performance.now();
  const src = new Database(recorder, { readonly: true });
  const dst = new Database(target);
  dst.pragma('journal_mode = WAL');
  dst.pragma('synchronous = NORMAL');
  dst.exec(
    'CREATE TABLE readings (sid INTEGER, t INTEGER, v REAL, inc REAL, PRIMARY KEY (sid, t)) WITHOUT ROWID',
  );
  const insert = dst.prepare('INSERT OR IGNORE INTO readings VALUES (?, ?, ?, NULL)');
  const flush = dst.transaction((batch: Array<[number, number, number]>) => {
    for (const row of batch) insert.run(row[0], row[1], row[2]);
  });
  let batch: Array<[number, number, number]> = [];
  let rows = 0;
  const add = (sid: number, t: number, v: number) => {
    batch.push([sid, t, v]);
    rows++;
    if (batch.length >= 5000) {
      flush(batch);
      batch = [];
    }
  };
  // raw rows, as the importer reads them
  const states = src
    .prepare('SELECT state, last_updated_ts FROM states WHERE metadata_id = ? ORDER BY last_updated_ts')
    .raw();
  const entities = src.prepare('SELECT metadata_id FROM states_meta').pluck().all() as number[];
  for (const id of entities) {
    for (const [state, ts] of states.iterate(id) as Iterable<[string, number]>) {
      const v = Number(state);
      if (state !== '' && Number.isFinite(v)) add(id, Math.round(ts * 1000), v);
    }
  }
  const stats = src
    .prepare('SELECT start_ts, mean, sum FROM statistics WHERE metadata_id = ? ORDER BY start_ts')
    .raw();
  for (const id of src.prepare('SELECT id FROM statistics_meta').pluck().all() as number[]) {
    for (const [start, mean, sum] of stats.iterate(id) as Iterable<[number, number | null, number | null]>) {
      if (mean !== null) add(10_000 + id, Math.round(start * 1000), mean);
      if (sum !== null) add(20_000 + id, Math.round(start * 1000) + 3_600_000, sum);
    }
  }
  flush(batch);
  src.close();
  dst.close();
  return { rows, ms: performance.now() - started };
}

async function benchHomeAssistant(): Promise<BenchRow[]> {
  const recorder = join(work, 'home-assistant_v2.db');
  let started = performance.now();
  buildRecorder(recorder);
  console.log(
    `recorder: ${HA_STATES.toLocaleString('en')} states, ${HA_STATS.toLocaleString('en')} statistics rows, ${(statSync(recorder).size / MB).toFixed(0)} MB, built in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const plain = plainCopy(recorder, join(work, 'plain.db'));
  const store = Store.open(join(work, 'hass.db'));
  started = performance.now();
  const summary = await importHomeAssistant(store, recorder);
  const ms = performance.now() - started;
  store.close();
  console.log(
    `Home Assistant: ${summary.written.toLocaleString('en')} readings in ${(ms / 1000).toFixed(1)} s; plain copy ${plain.rows.toLocaleString('en')} rows in ${(plain.ms / 1000).toFixed(1)} s`,
  );
  return [
    {
      name: `Home Assistant import (${(HA_STATES / 1e6).toFixed(1)} M states, ${(HA_STATS / 1e3).toFixed(0)} k statistics)`,
      value: summary.written / (ms / 1000),
      unit: 'readings/s',
      baseline: { name: 'plain better-sqlite3 copy', value: plain.rows / (plain.ms / 1000) },
      target: '≥ 0.5×',
    },
  ];
}

/** Peak RSS (VmHWM) of a running process, 0 once it is gone. */
function peakRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Runs `node ARGS` to its end, reading its peak RSS from /proc every 20 ms. */
async function peakRssOf(args: string[]): Promise<number> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-2000);
  });
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, peakRss(child.pid ?? 0));
  }, 20);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(timer);
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`);
  return peak;
}

/**
 * `databox import apple-health FILE` as a user runs it: the CLI compiled by `tsc` (as `npm
 * install` builds it; bin/databox.js then runs `dist/`), peak RSS from /proc; baseline: a bare
 * `node` process that lives 300 ms, measured the same way.
 */
async function importThroughCli(file: string, home: string): Promise<{ peak: number; bare: number }> {
  const dist = join(work, 'dist');
  const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', dist], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  // the build sits in the bench's scratch folder; its imports resolve through a link to ours
  if (!existsSync(join(work, 'node_modules')))
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
  const main = join(dist, 'box/cli/main.js');
  if (!existsSync(main)) throw new Error(`tsc built nothing: ${built.stdout}`);
  const script = `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(process.argv.slice(1));`;
  const peak = await peakRssOf([
    '--input-type=module',
    '-e',
    script,
    'import',
    'apple-health',
    file,
    '--home',
    home,
  ]);
  const bare = await peakRssOf(['-e', 'setTimeout(() => {}, 300)']);
  console.log(
    `Apple Health through the compiled CLI: peak RSS ${(peak / MB).toFixed(0)} MB (bare node ${(bare / MB).toFixed(0)} MB)`,
  );
  return { peak, bare };
}

/** `--health-child FILE DB`: one import, RSS sampled; prints a JSON line. */
async function healthChild(file: string, db: string): Promise<void> {
  const size = statSync(file).size;
  const store = Store.open(db);
  const rssStart = process.memoryUsage().rss;
  let peak = rssStart;
  const quarters: number[] = [];
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const started = performance.now();
  const summary = await importAppleHealth(store, file, {
    onProgress: (p) => {
      const rss = process.memoryUsage().rss;
      peak = Math.max(peak, rss);
      if (p.bytesRead !== undefined && p.bytesRead >= ((quarters.length + 1) * size) / 4) quarters.push(rss);
    },
  });
  const ms = performance.now() - started;
  clearInterval(timer);
  store.close();
  console.log(JSON.stringify({ ms, rssStart, quarters, peak, written: summary.written }));
}

if (process.argv[2] === '--health-child') {
  await healthChild(process.argv[3], process.argv[4]);
  process.exit(0);
}

try {
  const rows = [...(await benchHealth()), ...(await benchHomeAssistant())];
  printTable('Imports', rows);
} finally {
  rmSync(work, { recursive: true, force: true });
}
