/**
 * Issue 13: the store through its HTTP API beside a bare node:http + SQLite + 30-min rollup server
 * (bench/support/bare-server.ts), all fed by the same sequential client (one keep-alive
 * connection, a year of 10 s readings = 3,153,600 points in 631 batches of 5,000):
 * JSON ingest, InfluxDB line-protocol ingest, the year read at 30 min (rows and `format=columns`),
 * the daemon's RSS after ingest and after a restart with queries (export gateway child beside it),
 * and the disk used. The box runs compiled (`dist/`, built first), as `databox start` does.
 * Run: `node --import tsx bench/store-http.ts` (`BENCH_DAYS=…` for a shorter series).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HouseholdSimulator } from '../drivers/simulator/index.ts';
import { type BenchRow, median, printTable } from './table.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DAY = 86_400_000;
const YEAR_START = Date.UTC(2025, 0, 1);
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const BATCH = 5000;
const INFLUX_RATE = 588_000; // issue 13: InfluxDB 1.6 on this machine, same client
const work = mkdtempSync(join(tmpdir(), 'databox-bench-http-'));
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

interface Answer {
  status: number;
  body: string;
}

function call(
  url: string,
  method: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

function year(): Array<{ t: number; v: number }> {
  const sim = new HouseholdSimulator({ seed: 7, stepMs: 10_000 });
  const all: Array<{ t: number; v: number }> = [];
  for (const b of sim.batches(YEAR_START, YEAR_START + DAYS * DAY, { batchSize: 20_000 }))
    if (b.sourceId === 'sim.power') for (const r of b.readings) all.push(r);
  return all;
}

/** Posts every body in order, one at a time; points per second. */
async function ingest(
  url: string,
  bodies: Buffer[],
  points: number,
  headers: Record<string, string>,
  ok: number,
) {
  const start = performance.now();
  for (const body of bodies) {
    const res = await call(url, 'POST', body, headers);
    if (res.status !== ok) throw new Error(`${url}: ${res.status} ${res.body.slice(0, 300)}`);
  }
  return points / ((performance.now() - start) / 1000);
}

async function timedReads(url: string, headers: Record<string, string>, runs = 5) {
  let last = '';
  await call(url, 'GET', undefined, headers); // warm, as a box someone looks at would be
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const res = await call(url, 'GET', undefined, headers);
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.body.slice(0, 300)}`);
    last = res.body;
    times.push(performance.now() - start);
  }
  return { ms: median(times), body: last };
}

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

function children(pid: number): Array<{ pid: number; name: string; rss: number }> {
  const list = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  if (list === '') return [];
  return list.split(/\s+/).map((p) => {
    const child = Number(p);
    const cmd = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ');
    const name = cmd.includes('export-gateway')
      ? 'export gateway'
      : cmd.includes('isolate')
        ? 'isolate host'
        : cmd.slice(0, 60);
    return { pid: child, name, rss: rssMiB(child) };
  });
}

function dirBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.startsWith('databox.db'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

function waitFor(child: ChildProcess, pattern: RegExp): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in 60 s:\n${output}`)), 60_000);
    const on = (chunk: Buffer) => {
      output += chunk;
      const match = pattern.exec(output);
      if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}:\n${output}`));
    });
  });
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

async function startBox(home: string, dist = join(ROOT, 'dist')) {
  const script = `const { main } = await import(${JSON.stringify(join(dist, 'box/cli/main.js'))}); process.exitCode = await main(process.argv.slice(1));`;
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', script, 'start', '--home', home, '--port', '0'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const url = await waitFor(child, /running at (http:\/\/\S+)/);
  const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  return { child, url, auth: { authorization: `Bearer ${token}` } };
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
  const bare = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/support/bare-server.ts'), bareDb],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const barePort = await waitFor(bare, /listening (\d+)\n/);
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const bareRate = await ingest(
    `${bareUrl}/write`,
    json,
    points,
    { 'content-type': 'application/json' },
    204,
  );
  const bareRead = await timedReads(`${bareUrl}/read?from=${YEAR_START}&to=${to}`, {});
  const bareRss = rssMiB(bare.pid as number);
  await stop(bare);
  const bareDisk = statSync(bareDb).size + (existsSync(`${bareDb}-wal`) ? statSync(`${bareDb}-wal`).size : 0);
  const expected = (JSON.parse(bareRead.body) as { readings: Array<{ t: number; v: number; n: number }> })
    .readings;

  // 2. the box, JSON
  const homeJson = join(work, 'box-json');
  let box = await startBox(homeJson);
  const headers = { ...box.auth, 'content-type': 'application/json' };
  const spec = { id: 'bench.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' };
  await call(`${box.url}/api/v1/datasources`, 'POST', Buffer.from(JSON.stringify(spec)), headers);
  const jsonRate = await ingest(
    `${box.url}/api/v1/datasources/bench.power/readings`,
    json,
    points,
    headers,
    200,
  );
  await new Promise((r) => setTimeout(r, 2000));
  const rssIngest = rssMiB(box.child.pid as number);
  const kidsIngest = children(box.child.pid as number);
  let path = `${box.url}/api/v1/datasources/bench.power/readings?from=${YEAR_START}&to=${to}&resolution=30min`;
  const rowsRead = await timedReads(path, box.auth);
  const colsRead = await timedReads(`${path}&format=columns`, box.auth);
  // every answer checked exact against the bare server's
  const got = (JSON.parse(rowsRead.body) as { readings: typeof expected }).readings;
  const cols = JSON.parse(colsRead.body) as { t0: number; step: number; v: number[]; n: number[] };
  const same =
    got.length === expected.length &&
    got.every((r, i) => r.t === expected[i].t && r.v === expected[i].v && r.n === expected[i].n) &&
    cols.v.length === expected.length &&
    cols.v.every(
      (v, i) =>
        v === expected[i].v && cols.n[i] === expected[i].n && cols.t0 + i * cols.step === expected[i].t,
    );
  if (!same) throw new Error('the box and the bare server disagree on the year read');
  await stop(box.child);
  const boxDisk = dirBytes(homeJson);
  box = await startBox(homeJson);
  path = `${box.url}/api/v1/datasources/bench.power/readings?from=${YEAR_START}&to=${to}&resolution=30min`;
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
    const oldHeaders = { ...box.auth, 'content-type': 'application/json' };
    await call(`${box.url}/api/v1/datasources`, 'POST', Buffer.from(JSON.stringify(spec)), oldHeaders);
    const oldRate = await ingest(
      `${box.url}/api/v1/datasources/bench.power/readings`,
      json,
      points,
      oldHeaders,
      200,
    );
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
    {
      name: `year at 30 min (${expected.length.toLocaleString('en')} buckets), rows`,
      value: rowsRead.ms,
      unit: 'ms',
      baseline: { name: 'bare server', value: bareRead.ms },
      higherIsBetter: false,
    },
    {
      name: 'year at 30 min, format=columns',
      value: colsRead.ms,
      unit: 'ms',
      baseline: { name: 'box rows', value: rowsRead.ms },
      target: '≤ 15 ms',
      higherIsBetter: false,
    },
    {
      name: 'year at 30 min, format=columns vs bare',
      value: colsRead.ms,
      unit: 'ms',
      baseline: { name: 'bare server', value: bareRead.ms },
      higherIsBetter: false,
    },
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
  rmSync(work, { recursive: true, force: true });
}

await main();
