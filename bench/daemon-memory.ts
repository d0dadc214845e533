/**
 * Issue 13 aim 4: the daemon's RSS under different node flags, in one run. For each variant a box
 * (compiled, `dist/`) starts on an empty home, idles, takes `BENCH_DAYS` (default 365) of 10 s
 * readings through the JSON API (batches of 5,000, one keep-alive connection), reads the year at
 * 30 min and a million raw readings (the largest answer the API allows), restarts, is queried,
 * and idles again. RSS is split (smaps_rollup) into anonymous memory (V8's heap, malloc, SQLite's
 * page cache) and file pages (node's binary and libraries); the export gateway child is beside it.
 * Variants: `none` (node's defaults, the old launch) and the flags `databox start` uses; add more
 * with `BENCH_FLAGS='--a=1 --b;--c'` (`;` between variants).
 * Run: `node --import tsx bench/daemon-memory.ts`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../box/cli/node-flags.ts';
import { HouseholdSimulator } from '../drivers/simulator/index.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DAY = 86_400_000;
const YEAR_START = Date.UTC(2025, 0, 1);
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const work = mkdtempSync(join(tmpdir(), 'databox-bench-mem-'));
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const MiB = 1024 * 1024;

function call(url: string, method: string, headers: Record<string, string>, body?: Buffer) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** RSS, its anonymous part and peak (VmHWM), MiB. */
function memory(pid: number) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (text: string, key: string) =>
    Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) / 1024;
  return { rss: kb(status, 'VmRSS'), anon: kb(rollup, 'Anonymous'), peak: kb(status, 'VmHWM') };
}

/** The export gateway child's RSS (0 when it is not running), from any of the daemon's threads. */
function gatewayRss(pid: number): number {
  const kids = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean),
  );
  const gw = kids.find((k) => readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('export-gateway'));
  if (!gw && process.env.BENCH_VERBOSE) console.error(`no gateway among ${kids.join(' ')}`);
  return gw ? memory(Number(gw)).rss : 0;
}

async function startBox(home: string, flags: string[]) {
  // `NAME=value` among a variant's flags is set in the daemon's environment (MALLOC_ARENA_MAX=2)
  const env = { ...process.env };
  for (const flag of flags.filter((f) => /^[A-Z_]+=/.test(f))) env[flag.split('=')[0]] = flag.split('=')[1];
  const child = spawn(
    process.execPath,
    [
      ...flags.filter((f) => f.startsWith('-')),
      join(ROOT, 'bin/databox.js'),
      'start',
      '--home',
      home,
      '--port',
      '0',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (c) => {
      output += c;
      const m = /running at (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]);
    });
    child.stderr?.on('data', (c) => {
      output += c;
    });
    child.once('exit', (code) => {
      if (process.env.BENCH_VERBOSE) console.error(output);
      reject(new Error(`box exited ${code}:\n${output}`));
    });
  });
  const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  return { child, url, auth: { authorization: `Bearer ${token}` } };
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function variant(index: number, name: string, flags: string[], bodies: Buffer[], points: number) {
  // short: the gateway's unix socket path inside it must stay under 108 bytes
  const home = join(work, `box-${index}`);
  let box = await startBox(home, flags);
  const pid = () => box.child.pid as number;
  await pause(5000);
  const idle = memory(pid()).rss;
  const headers = { ...box.auth, 'content-type': 'application/json' };
  const spec = { id: 'bench.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' };
  await call(`${box.url}/api/v1/datasources`, 'POST', headers, Buffer.from(JSON.stringify(spec)));
  const start = performance.now();
  for (const body of bodies) {
    const res = await call(`${box.url}/api/v1/datasources/bench.power/readings`, 'POST', headers, body);
    if (res.status !== 200) throw new Error(`ingest: ${res.status} ${res.body.slice(0, 200)}`);
  }
  const rate = points / ((performance.now() - start) / 1000);
  await pause(2000);
  const ingest = memory(pid());
  const gateway = gatewayRss(pid());
  const status = JSON.parse((await call(`${box.url}/api/v1/status`, 'GET', box.auth)).body);
  if (process.env.BENCH_VERBOSE) console.error(`gateway: ${status.parts['export-gateway']}`);
  const to = YEAR_START + DAYS * DAY;
  const path = `/api/v1/datasources/bench.power/readings?from=${YEAR_START}&to=${to}`;
  const bigStart = performance.now();
  const big = await call(`${box.url}${path}&resolution=raw&limit=1000000`, 'GET', box.auth);
  const bigMs = performance.now() - bigStart;
  const bigCount = (big.body.match(/"t":/g) ?? []).length;
  if (big.status !== 200 || bigCount !== Math.min(points, 1_000_000))
    throw new Error(`the million-reading read answered ${big.status} with ${bigCount} readings`);
  const bigPeak = memory(pid()).peak;
  await stop(box.child);
  box = await startBox(home, flags);
  // the first read after the restart is cold (SQLite's page cache empty), the others warm
  const yearMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const at = performance.now();
    await call(`${box.url}${path}&resolution=30min`, 'GET', box.auth);
    yearMs.push(performance.now() - at);
    await call(`${box.url}${path}&resolution=30min&format=columns`, 'GET', box.auth);
  }
  const year = { cold: yearMs[0], warm: yearMs.slice(1).sort((a, b) => a - b)[2] };
  await pause(5000);
  const restart = memory(pid());
  const gatewayRestart = gatewayRss(pid());
  const restartStatus = JSON.parse((await call(`${box.url}/api/v1/status`, 'GET', box.auth)).body);
  await stop(box.child);
  return {
    name,
    idle,
    rate,
    ingest,
    gateway,
    gatewayRestart,
    status,
    restartStatus,
    bigPeak,
    bigMs,
    restart,
    year,
  };
}

async function main() {
  console.log(
    `Daemon memory (issue 13 aim 4), node ${process.version}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  const sim = new HouseholdSimulator({ seed: 7, stepMs: 10_000 });
  const readings: Array<{ t: number; v: number }> = [];
  for (const b of sim.batches(YEAR_START, YEAR_START + DAYS * DAY, { batchSize: 20_000 }))
    if (b.sourceId === 'sim.power') readings.push(...b.readings);
  const bodies: Buffer[] = [];
  for (let i = 0; i < readings.length; i += 5000)
    bodies.push(Buffer.from(JSON.stringify(readings.slice(i, i + 5000))));
  console.log(`${readings.length.toLocaleString('en')} points in ${bodies.length} batches`);
  const shipped = [...Object.entries(DAEMON_ENV).map(([k, v]) => `${k}=${v}`), ...DAEMON_NODE_FLAGS];
  const variants: Array<[string, string[]]> = [
    // BENCH_SKIP_DEFAULTS=1 leaves out node's defaults (while comparing variants of the launch)
    ...(process.env.BENCH_SKIP_DEFAULTS
      ? []
      : [
          ['node defaults, 16 MB SQLite cache (before)', ['DATABOX_SQLITE_CACHE_KIB=16000']] as [
            string,
            string[],
          ],
        ]),
    [`databox start (${[...shipped].join(' ')})`, shipped],
    ...(process.env.BENCH_FLAGS ?? '')
      .split(';')
      .filter((v) => v.trim())
      .map((v): [string, string[]] => [v.trim(), v.trim().split(/\s+/)]),
  ];
  const results = [];
  for (const [index, [name, flags]] of variants.entries()) {
    const r = await variant(index, name, flags, bodies, readings.length);
    console.log(`${name}: ${row(r)}`);
    results.push(r);
  }
  console.log(
    '\n| node flags | idle, empty | ingest, points/s | RSS after ingest (anon.) | V8 heap after ingest (limit) | peak during the 1 M raw read (s) | RSS after restart + queries (anon.; V8 heap) | year at 30 min after restart, cold / warm ms | gateway child after ingest / restart |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) console.log(row(r));
}

const f = (n: number) => n.toFixed(1);
function row(r: Awaited<ReturnType<typeof variant>>): string {
  const m = r.status.memory;
  return `| ${r.name} | ${f(r.idle)} MiB | ${Math.round(r.rate).toLocaleString('en')} | ${f(r.ingest.rss)} MiB (${f(r.ingest.anon)}) | ${f(m.heapTotal / MiB)} MiB (${f(m.heapLimit / MiB)}) | ${f(r.bigPeak)} MiB (${f(r.bigMs / 1000)}) | ${f(r.restart.rss)} MiB (${f(r.restart.anon)}; ${f(r.restartStatus.memory.heapTotal / MiB)}) | ${Math.round(r.year.cold)} / ${Math.round(r.year.warm)} | ${f(r.gateway)} / ${f(r.gatewayRestart)} MiB |`;
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
