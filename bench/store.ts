/**
 * Store benchmarks (issue 2): ingest through the store API vs a plain better-sqlite3 insert, HTTP
 * batch ingest, a year of 10-second data read at 30 minutes vs a naive GROUP BY, and the daemon's
 * idle RSS with that year loaded. Run: `node --import tsx bench/store.ts` (or `npm run bench`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../box/store/store.ts';
import { HouseholdSimulator } from '../drivers/simulator/index.ts';
import { startBoxProcess, stopBoxProcess } from '../test/helpers/box-process.ts';
import { type BenchRow, median, printTable } from './table.ts';

const DAY = 86_400_000;
const YEAR_START = Date.UTC(2025, 0, 1);
const work = mkdtempSync(join(tmpdir(), 'databox-bench-'));

function time<T>(fn: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = fn();
  return { ms: performance.now() - start, result };
}

function syntheticReadings(n: number) {
  return Array.from({ length: n }, (_, i) => ({ t: YEAR_START + i * 10_000, v: (i * 37) % 3000 }));
}

function ingestBench(): BenchRow[] {
  const n = 1_000_000;
  const batch = 10_000;
  const readings = syntheticReadings(n);
  // baseline: the same rows into the same table shape, one transaction per batch, nothing else
  const plain = new Database(join(work, 'plain.db'));
  plain.pragma('journal_mode = WAL');
  plain.pragma('synchronous = NORMAL');
  plain.exec(
    'CREATE TABLE readings (sid INTEGER, t INTEGER, v REAL, inc REAL, PRIMARY KEY (sid, t)) WITHOUT ROWID',
  );
  const insert = plain.prepare('INSERT INTO readings VALUES (?, ?, ?, NULL)');
  const insertBatch = plain.transaction((rows: typeof readings) => {
    for (const r of rows) insert.run(1, r.t, r.v);
  });
  const base = time(() => {
    for (let i = 0; i < n; i += batch) insertBatch(readings.slice(i, i + batch));
  });
  plain.close();

  const store = Store.open(join(work, 'store.db'));
  store.createDatasource(
    { id: 'power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  const ours = time(() => {
    for (let i = 0; i < n; i += batch) store.writeReadings('power', readings.slice(i, i + batch), 'user');
  });
  store.close();
  const plainRate = n / (base.ms / 1000);
  const storeRate = n / (ours.ms / 1000);
  return [
    {
      name: `store.writeReadings, ${n.toLocaleString('en')} readings in batches of ${batch.toLocaleString('en')} (rollups + audit)`,
      value: storeRate,
      unit: 'readings/s',
      baseline: { name: 'plain better-sqlite3 insert', value: plainRate },
      target: '≥ 0.5× and > 300,000/s',
    },
  ];
}

async function loadYear(home: string): Promise<{ store: Store; count: number; loadMs: number }> {
  const store = Store.open(join(home, 'databox.db'));
  store.createDatasource(
    { id: 'sim.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  const sim = new HouseholdSimulator({ seed: 7, stepMs: 10_000 });
  let count = 0;
  const { ms } = time(() => {
    for (const b of sim.batches(YEAR_START, YEAR_START + 365 * DAY, { batchSize: 20_000 })) {
      if (b.sourceId !== 'sim.power') continue;
      count += store.writeReadings('sim.power', b.readings, 'driver:simulator').written;
    }
  });
  return { store, count, loadMs: ms };
}

function yearReadBench(store: Store, count: number): BenchRow[] {
  const to = YEAR_START + 365 * DAY;
  const query = { from: YEAR_START, to, resolution: '30min' as const, aggregate: 'mean' as const };
  store.read('sim.power', query); // warm the page cache, as a running box would be
  const ours = median(Array.from({ length: 9 }, () => time(() => store.read('sim.power', query)).ms));
  const sid = store.catalogue.get('sim.power').sid;
  const naive = store.db.prepare(
    'SELECT t - (t % 1800000) AS bucket, avg(v) AS v, count(*) AS n FROM readings WHERE sid = ? AND t >= ? AND t < ? GROUP BY bucket ORDER BY bucket',
  );
  const naiveMs = median(Array.from({ length: 3 }, () => time(() => naive.all(sid, YEAR_START, to)).ms));
  const buckets = store.read('sim.power', query).length;
  // the same read as columns (format=columns), beside the row read in this run
  store.readColumns('sim.power', query);
  const columnsMs = median(
    Array.from({ length: 9 }, () => time(() => store.readColumns('sim.power', query)).ms),
  );
  store.readJson('sim.power', query);
  const jsonMs = median(Array.from({ length: 9 }, () => time(() => store.readJson('sim.power', query)).ms));
  const stringifyMs = median(
    Array.from({ length: 9 }, () => time(() => JSON.stringify(store.read('sim.power', query))).ms),
  );
  return [
    {
      name: 'read a year at 30 min as the JSON rows the API sends (readJson)',
      value: jsonMs,
      unit: 'ms',
      baseline: { name: 'store.read + JSON.stringify', value: stringifyMs },
      higherIsBetter: false,
    },
    {
      name: 'read a year at 30 min as columns (readColumns, format=columns)',
      value: columnsMs,
      unit: 'ms',
      baseline: { name: 'the row read (store.read)', value: ours },
      higherIsBetter: false,
    },
    {
      name: `read a year (${count.toLocaleString('en')} readings) at 30 min → ${buckets.toLocaleString('en')} buckets`,
      value: ours,
      unit: 'ms',
      baseline: { name: 'naive GROUP BY over raw rows', value: naiveMs },
      target: '≥ 20× faster and < 20 ms',
      higherIsBetter: false,
    },
  ];
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function idleRssBench(home: string): Promise<BenchRow[]> {
  const box = await startBoxProcess(home);
  const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  // touch the data once (a householder opening the dashboard), then let it idle
  await fetch(
    `${box.url}/api/v1/datasources/sim.power/readings?from=${YEAR_START}&to=${YEAR_START + 365 * DAY}&resolution=30min`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  await new Promise((r) => setTimeout(r, 5000));
  const boxRss = rssOf(box.child.pid as number);

  // HTTP batch ingest into the running daemon: 4 clients posting batches of 5,000 readings
  const http = await httpIngest(box.url, token);
  await stopBoxProcess(box);

  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  await new Promise((r) => setTimeout(r, 1500));
  const bareRss = rssOf(bare.pid as number);
  bare.kill();
  return [
    http,
    {
      name: 'daemon RSS, idle, with the year loaded',
      value: boxRss,
      unit: 'MB',
      baseline: { name: 'bare node process', value: bareRss },
      target: '< 100 MB',
      higherIsBetter: false,
      ratioAs: 'multiple',
    },
  ];
}

async function httpIngest(url: string, token: string): Promise<BenchRow> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  await fetch(`${url}/api/v1/datasources`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      id: 'bench.http',
      kind: 'electricity.import.power',
      unit: 'W',
      valueType: 'gauge',
    }),
  });
  const batches = 200;
  const size = 5000;
  let next = 0;
  const start = performance.now();
  const client = async () => {
    for (let b = next++; b < batches; b = next++) {
      const body = JSON.stringify(
        Array.from({ length: size }, (_, i) => ({ t: YEAR_START + (b * size + i) * 1000, v: i % 500 })),
      );
      const res = await fetch(`${url}/api/v1/datasources/bench.http/readings`, {
        method: 'POST',
        headers,
        body,
      });
      if (!res.ok) throw new Error(`HTTP ingest failed: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all([client(), client(), client(), client()]);
  const rate = (batches * size) / ((performance.now() - start) / 1000);
  return {
    name: `HTTP batch ingest (4 clients, batches of ${size.toLocaleString('en')})`,
    value: rate,
    unit: 'readings/s',
  };
}

async function main() {
  console.log(`Store benchmarks on ${process.platform} ${process.arch}, node ${process.version}`);
  const rows: BenchRow[] = [...ingestBench()];
  const home = join(work, 'year');
  const { store, count, loadMs } = await loadYear(home);
  console.log(`(loaded ${count.toLocaleString('en')} simulator readings in ${(loadMs / 1000).toFixed(1)} s)`);
  rows.push(...yearReadBench(store, count));
  store.close();
  rows.push(...(await idleRssBench(home)));
  printTable('Store', rows);
  rmSync(work, { recursive: true, force: true });
}

await main();
