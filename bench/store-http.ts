/**
 * Issue 13: the store through its HTTP API beside a bare node:http + SQLite + 30-min rollup server
 * (bench/support/bare-server.ts), all fed by the same sequential client (one keep-alive
 * connection, a year of 10 s readings = 3,153,600 points in 631 batches of 5,000):
 * JSON ingest, InfluxDB line-protocol ingest, the year read at 30 min (rows and `format=columns`),
 * the daemon's RSS after ingest and after a restart with queries (export gateway child beside it),
 * and the disk used. The box runs compiled (`dist/`, built first), as `databox start` does.
 * Run: `node --import tsx bench/store-http.ts` (`BENCH_DAYS=…` for a shorter series).
 * Only the year read, again, on stores kept from an earlier run (the lead's quiet-machine rerun):
 * `BENCH_STORE=/tmp/bench-store BENCH_PHASE=read node --import tsx bench/store-http.ts` (the
 * first such run ingests the bare server and the box's JSON store into that folder and keeps it;
 * `BENCH_READS=N` for more than 5 timed reads of each kind, taken in turns; `BENCH_BEFORE_DIST`
 * adds an older build's columns read on the same store).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HouseholdSimulator } from '../drivers/simulator/index.ts';
import {
  call,
  children,
  dirBytes,
  ingest,
  interleavedReads,
  rssMiB,
  startBare,
  startBox,
  stop,
} from './support/box-http.ts';
import { inProcessReads, READS, readRows, YEAR_START, yearRead } from './support/year-read.ts';
import { type BenchRow, printTable } from './table.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DAY = 86_400_000;
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const BATCH = 5000;
const INFLUX_RATE = 588_000; // issue 13: InfluxDB 1.6 on this machine, same client
const KEPT = process.env.BENCH_STORE;
const READ_ONLY = process.env.BENCH_PHASE === 'read';
if (READ_ONLY && !KEPT) throw new Error('BENCH_PHASE=read needs BENCH_STORE=<folder> to keep the stores in');
if (KEPT) mkdirSync(KEPT, { recursive: true });
const work = KEPT ?? mkdtempSync(join(tmpdir(), 'databox-bench-http-'));

function year(): Array<{ t: number; v: number }> {
  const sim = new HouseholdSimulator({ seed: 7, stepMs: 10_000 });
  const all: Array<{ t: number; v: number }> = [];
  for (const b of sim.batches(YEAR_START, YEAR_START + DAYS * DAY, { batchSize: 20_000 }))
    if (b.sourceId === 'sim.power') for (const r of b.readings) all.push(r);
  return all;
}

async function main() {
  console.log(`Store over HTTP (issue 13) on ${process.platform} ${process.arch}, node ${process.version}`);
  console.log('building dist/ …');
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  if (!existsSync(join(ROOT, 'dist/box/cli/main.js'))) throw new Error('dist/ did not build');
  const readings = year();
  const points = readings.length;
  const batches: Array<typeof readings> = [];
  for (let i = 0; i < points; i += BATCH) batches.push(readings.slice(i, i + BATCH));
  const json = batches.map((b) => Buffer.from(JSON.stringify(b)));
  const to = YEAR_START + DAYS * DAY;
  console.log(`${points.toLocaleString('en')} points in ${batches.length} batches`);
  const rows: BenchRow[] = [];

  // 1. the bare server
  const bareDb = join(work, 'bare.db');
  const bare = await startBare(bareDb);
  const bareRate = await ingest(
    `${bare.url}/write`,
    json,
    points,
    { 'content-type': 'application/json' },
    204,
  );
  const bareRss = rssMiB(bare.child.pid as number);
  const bareDisk = statSync(bareDb).size + (existsSync(`${bareDb}-wal`) ? statSync(`${bareDb}-wal`).size : 0);

  // 2. the box, JSON
  const homeJson = join(work, 'box-json');
  let box = await startBox(homeJson);
  const jsonRate = await ingestBox(box, json, points);
  await new Promise((r) => setTimeout(r, 2000));
  const rssIngest = rssMiB(box.child.pid as number);
  const kidsIngest = children(box.child.pid as number);
  const read = await yearRead(bare.url, box.url, box.auth, to);
  await stop(bare.child);
  if (KEPT) writeFileSync(join(work, 'ingested'), `${points}\n`);
  await stop(box.child);
  const boxDisk = dirBytes(homeJson);
  box = await startBox(homeJson);
  const path = `${box.url}/api/v1/datasources/bench.power/readings?from=${YEAR_START}&to=${to}&resolution=30min`;
  for (let i = 0; i < 3; i++) {
    await call(path, 'GET', undefined, box.auth);
    await call(`${path}&format=columns`, 'GET', undefined, box.auth);
  }
  await new Promise((r) => setTimeout(r, 5000));
  const rssRestart = rssMiB(box.child.pid as number);
  const kidsRestart = children(box.child.pid as number);
  await stop(box.child);

  // 3. the box, line protocol (a fresh home, so both ingest into an empty store)
  const homeLp = join(work, 'box-lp');
  box = await startBox(homeLp);
  const lp = batches.map((b) => Buffer.from(b.map((r) => `power,meter=bench w=${r.v} ${r.t}`).join('\n')));
  const lpRate = await ingest(
    `${box.url}/write?db=bench&precision=ms`,
    lp,
    points,
    { authorization: box.auth.authorization.replace('Bearer', 'Token') },
    204,
  );
  const check = await call(
    `${box.url}/api/v1/datasources/power.bench.w/readings?from=${YEAR_START}&to=${to}&resolution=1d&agg=count&format=columns`,
    'GET',
    undefined,
    box.auth,
  );
  const stored = (JSON.parse(check.body) as { v: number[] }).v.reduce((a, b) => a + b, 0);
  if (stored !== points) throw new Error(`line protocol stored ${stored} of ${points}`);
  await stop(box.child);

  // 4. optionally, an older build's JSON ingest in the same run (BENCH_BEFORE_DIST=<a dist/ folder>)
  const beforeDist = process.env.BENCH_BEFORE_DIST;
  if (beforeDist) {
    const homeOld = join(work, 'box-before');
    box = await startBox(homeOld, beforeDist);
    const oldRate = await ingestBox(box, json, points);
    await stop(box.child);
    rows.push({
      name: `HTTP ingest, JSON, this build vs ${beforeDist}`,
      value: jsonRate,
      unit: 'points/s',
      baseline: { name: 'the older build', value: oldRate },
    });
  }

  const kids = (list: typeof kidsIngest) =>
    list.map((k) => `${k.name} ${k.rss.toFixed(0)} MiB`).join(', ') || 'none';
  rows.push(
    {
      name: 'HTTP ingest, JSON (POST …/readings)',
      value: jsonRate,
      unit: 'points/s',
      baseline: { name: 'bare node:http + SQLite + 30-min rollup', value: bareRate },
      target: '≥ 0.9×',
    },
    {
      name: 'HTTP ingest, line protocol (POST /write)',
      value: lpRate,
      unit: 'points/s',
      baseline: { name: 'bare node:http + SQLite + 30-min rollup', value: bareRate },
      target: `≥ InfluxDB's ${INFLUX_RATE.toLocaleString('en')}`,
    },
    {
      name: 'HTTP ingest, line protocol vs JSON',
      value: lpRate,
      unit: 'points/s',
      baseline: { name: 'box JSON', value: jsonRate },
    },
    ...readRows(read),
    {
      name: `daemon RSS after ingest (children: ${kids(kidsIngest)})`,
      value: rssIngest,
      unit: 'MiB',
      baseline: { name: 'bare server after ingest', value: bareRss },
      target: '≤ 100 MiB',
      higherIsBetter: false,
      ratioAs: 'multiple',
    },
    {
      name: `daemon RSS after restart + queries (children: ${kids(kidsRestart)})`,
      value: rssRestart,
      unit: 'MiB',
      target: '≤ 100 MiB',
      higherIsBetter: false,
    },
    {
      name: 'disk, databox.db + WAL',
      value: boxDisk / 1e6,
      unit: 'MB',
      baseline: { name: 'bare server', value: bareDisk / 1e6 },
      higherIsBetter: false,
      ratioAs: 'multiple',
    },
    {
      name: 'bytes per point on disk',
      value: boxDisk / points,
      unit: 'B',
      target: '≤ 4 (aim 5)',
      higherIsBetter: false,
    },
  );
  printTable(`Store over HTTP, ${points.toLocaleString('en')} points`, rows);
  if (!KEPT) rmSync(work, { recursive: true, force: true });
}

/** Creates the bench datasource on a started box and posts every batch to it. */
async function ingestBox(box: Awaited<ReturnType<typeof startBox>>, json: Buffer[], points: number) {
  const headers = { ...box.auth, 'content-type': 'application/json' };
  const spec = { id: 'bench.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' };
  await call(`${box.url}/api/v1/datasources`, 'POST', Buffer.from(JSON.stringify(spec)), headers);
  return ingest(`${box.url}/api/v1/datasources/bench.power/readings`, json, points, headers, 200);
}

/** `BENCH_PHASE=read`: the year read alone, on the stores kept in BENCH_STORE (ingested once). */
async function readPhase() {
  const to = YEAR_START + DAYS * DAY;
  const home = join(work, 'box-json');
  if (!existsSync(join(work, 'ingested'))) {
    console.log(`no stores in ${work} yet: ingesting the bare server and the box once …`);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const readings = year();
    const json: Buffer[] = [];
    for (let i = 0; i < readings.length; i += BATCH)
      json.push(Buffer.from(JSON.stringify(readings.slice(i, i + BATCH))));
    const bare = await startBare(join(work, 'bare.db'));
    await ingest(`${bare.url}/write`, json, readings.length, { 'content-type': 'application/json' }, 204);
    await stop(bare.child);
    const box = await startBox(home);
    await ingestBox(box, json, readings.length);
    await stop(box.child);
    writeFileSync(join(work, 'ingested'), `${readings.length}\n`);
  }
  const bare = await startBare(join(work, 'bare.db'));
  const box = await startBox(home);
  // let the box's start-up jobs (retention, compaction, the audit check) finish first
  await new Promise((r) => setTimeout(r, 5000));
  const read = await yearRead(bare.url, box.url, box.auth, to);
  await stop(box.child);
  await stop(bare.child);
  const rows = [...readRows(read), ...inProcessReads(join(home, 'databox.db'), to)];
  // BENCH_BEFORE_DIST=<a dist/ folder>: an older build's columns read on the same store, just after
  const beforeDist = process.env.BENCH_BEFORE_DIST;
  if (beforeDist) {
    const old = await startBox(home, beforeDist);
    await new Promise((r) => setTimeout(r, 5000));
    const path = `${old.url}/api/v1/datasources/bench.power/readings?from=${YEAR_START}&to=${to}&resolution=30min`;
    const [oldRows, oldCols] = await interleavedReads(
      [
        { url: path, headers: old.auth },
        { url: `${path}&format=columns`, headers: old.auth },
      ],
      READS,
    );
    await stop(old.child);
    rows.push(
      {
        name: `year at 30 min, format=columns, this build vs ${beforeDist} (run just after)`,
        value: read.colsRead.ms,
        unit: 'ms',
        baseline: { name: 'the older build', value: oldCols.ms },
        higherIsBetter: false,
      },
      {
        name: 'the older build: its columns vs its rows',
        value: oldCols.ms,
        unit: 'ms',
        baseline: { name: 'its rows', value: oldRows.ms },
        higherIsBetter: false,
      },
    );
  }
  printTable(`Year read at 30 min over HTTP (stores kept in ${work})`, rows);
}

if (READ_ONLY) {
  console.log('building dist/ …');
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  await readPhase();
} else await main();
