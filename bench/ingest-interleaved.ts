/**
 * Issue 13, aims 1 and 2, measured so that load swings cancel: the bare node:http + SQLite +
 * 30-min rollup server (bench/support/bare-server.ts), the box's JSON endpoint and the box's
 * line-protocol `POST /write` all run at once, each on its own empty store and keep-alive
 * connection, and every batch goes to each of them in turn (the order rotates per batch). Only one
 * server works at a time, so a burst of load from elsewhere lands on all of them alike; in
 * bench/store-http.ts the phases run minutes apart and their ratios swung ±30 %.
 * Per server: points/s over the time its own requests took, and its process's CPU time per point
 * (/proc utime + stime, the server alone, not the client).
 * Run: `node --import tsx bench/ingest-interleaved.ts` (`BENCH_DAYS=…`, default 90;
 * `BENCH_BEFORE_DIST=<dist folder>` adds an older build's JSON and line protocol beside;
 * `BENCH_ALT_FLAGS='--max-semi-space-size=4 …'` adds a pair with other node flags,
 * `BENCH_FULL_SYNC=1` a pair with `store.synchronous: FULL`, an fsync per commit). The boxes run
 * with the daemon's node flags and environment (box/cli/node-flags.ts), as `databox start` does.
 * Where `influxd` (InfluxDB 1.x; `apt-get install influxdb`) is on PATH, or `BENCH_INFLUXD` names
 * it, InfluxDB itself takes the line-protocol bodies in the same rotation (test/helpers/influxd.ts):
 * aim 2 is the box's line protocol beside it. Without it, the ratio InfluxDB had to the bare server
 * in the issue (588 k / 516 k = 1.14×) stands in.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAEMON_NODE_FLAGS } from '../box/cli/node-flags.ts';
import { HouseholdSimulator } from '../drivers/simulator/index.ts';
import { findInfluxd, influxdVersion, startInfluxd } from '../test/helpers/influxd.ts';
import { spawnBox } from './support/box-http.ts';
import { type BenchRow, printTable } from './table.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);
const DAYS = Number(process.env.BENCH_DAYS ?? 90);
const BATCH = 5000;
const work = mkdtempSync(join(tmpdir(), 'databox-bench-interleaved-'));

interface Server {
  name: string;
  child: ChildProcess;
  url: string;
  path: string;
  headers: Record<string, string>;
  bodies: Buffer[];
  ok: number;
  agent: Agent;
  ms: number;
  cpu0: number;
}

function post(s: Server, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(s.url + s.path, { method: 'POST', agent: s.agent, headers: s.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function listening(child: ChildProcess): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address in 60 s:\n${output}`)), 60_000);
    const on = (chunk: Buffer) => {
      output += chunk;
      const box = /running at (http:\/\/\S+)/.exec(output);
      const bare = /listening (\d+)\n/.exec(output);
      if (box || bare) {
        clearTimeout(timer);
        resolve(box ? box[1] : `http://127.0.0.1:${bare?.[1]}`);
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
  });
}

/** The process's user + system CPU time in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** `BENCH_ALT_FLAGS='--a=1 --b'`: a third pair of boxes with these node flags instead of the daemon's. */
const ALT_FLAGS = process.env.BENCH_ALT_FLAGS?.split(/\s+/).filter(Boolean);

let boxes = 0;
/** Every server this bench spawned: stopped when it exits, also when a later one failed to start. */
const spawned = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of spawned)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});

async function startBox(
  name: string,
  dist: string,
  mode: 'json' | 'lp',
  json: Buffer[],
  lp: Buffer[],
  flags: readonly string[] = DAEMON_NODE_FLAGS,
  config?: object,
) {
  // numbered, not named after the flags: a unix socket path (the gateway's) allows 107 bytes
  const home = join(work, `box-${++boxes}`);
  if (config) {
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  }
  const child = spawnBox(home, dist, flags);
  spawned.add(child);
  const url = await listening(child);
  const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const base = { name, child, url, agent, ms: 0, cpu0: 0 };
  if (mode === 'lp') {
    const headers = { authorization: `Token ${token}` };
    return { ...base, path: '/write?db=bench&precision=ms', headers, bodies: lp, ok: 204 };
  }
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const server: Server = {
    ...base,
    path: '/api/v1/datasources/bench.power/readings',
    headers,
    bodies: json,
    ok: 200,
  };
  const spec = { id: 'bench.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' };
  const created = await post({ ...server, path: '/api/v1/datasources' }, Buffer.from(JSON.stringify(spec)));
  if (created.status !== 201) throw new Error(`${name}: ${created.status} ${created.text}`);
  return server;
}

/** InfluxDB answered 204 to every body; this checks it also holds every point. */
async function checkInfluxCount(influx: Server, points: number): Promise<void> {
  const q = encodeURIComponent('SELECT count(w) FROM power');
  const answer = await fetch(`${influx.url}/query?db=bench&q=${q}`);
  const body = (await answer.json()) as { results: Array<{ series?: Array<{ values: number[][] }> }> };
  const count = body.results[0]?.series?.[0]?.values[0]?.[1];
  if (count !== points) throw new Error(`InfluxDB holds ${count} points, not ${points}`);
}

async function main() {
  console.log(
    `HTTP ingest, interleaved (issue 13) on ${process.platform} ${process.arch}, node ${process.version}`,
  );
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  if (!existsSync(join(ROOT, 'dist/box/cli/main.js'))) throw new Error('dist/ did not build');
  const sim = new HouseholdSimulator({ seed: 7, stepMs: 10_000 });
  const readings: Array<{ t: number; v: number }> = [];
  for (const b of sim.batches(START, START + DAYS * DAY, { batchSize: 20_000 }))
    if (b.sourceId === 'sim.power') for (const r of b.readings) readings.push(r);
  const batches: Array<typeof readings> = [];
  for (let i = 0; i < readings.length; i += BATCH) batches.push(readings.slice(i, i + BATCH));
  const json = batches.map((b) => Buffer.from(JSON.stringify(b)));
  const lp = batches.map((b) => Buffer.from(b.map((r) => `power,meter=bench w=${r.v} ${r.t}`).join('\n')));
  const points = readings.length;
  console.log(`${points.toLocaleString('en')} points in ${batches.length} batches to each server`);

  const bareChild = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/support/bare-server.ts'), join(work, 'bare.db')],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  spawned.add(bareChild);
  const bare: Server = {
    name: 'bare',
    child: bareChild,
    url: await listening(bareChild),
    path: '/write',
    headers: { 'content-type': 'application/json' },
    bodies: json,
    ok: 204,
    agent: new Agent({ keepAlive: true, maxSockets: 1 }),
    ms: 0,
    cpu0: 0,
  };
  const influxd = process.env.BENCH_INFLUX === '0' ? undefined : findInfluxd();
  let influx: Server | undefined;
  if (influxd) {
    const started = await startInfluxd(influxd, join(work, 'influxdb'), 'bench');
    spawned.add(started.child);
    influx = {
      name: influxdVersion(influxd).replace(/ \(.*\)$/, ''),
      child: started.child,
      url: started.url,
      path: '/write?db=bench&precision=ms',
      headers: {},
      bodies: lp,
      ok: 204,
      agent: new Agent({ keepAlive: true, maxSockets: 1 }),
      ms: 0,
      cpu0: 0,
    };
  } else
    console.log("no influxd (apt-get install influxdb): aim 2 uses the issue's ratio, 1.14× the bare server");
  const servers = [
    bare,
    ...(influx ? [influx] : []),
    await startBox('JSON', join(ROOT, 'dist'), 'json', json, lp),
    await startBox('line protocol', join(ROOT, 'dist'), 'lp', json, lp),
  ];
  if (ALT_FLAGS) {
    const label = ALT_FLAGS.join(' ');
    servers.push(await startBox(`JSON, ${label}`, join(ROOT, 'dist'), 'json', json, lp, ALT_FLAGS));
    servers.push(await startBox(`line protocol, ${label}`, join(ROOT, 'dist'), 'lp', json, lp, ALT_FLAGS));
  }
  if (process.env.BENCH_FULL_SYNC) {
    // an fsync per commit, as InfluxDB's WAL does by default (store.synchronous, docs/store.md)
    const full = { store: { synchronous: 'FULL' } };
    const dist = join(ROOT, 'dist');
    servers.push(await startBox('JSON, synchronous FULL', dist, 'json', json, lp, DAEMON_NODE_FLAGS, full));
    servers.push(
      await startBox('line protocol, synchronous FULL', dist, 'lp', json, lp, DAEMON_NODE_FLAGS, full),
    );
  }
  const before = process.env.BENCH_BEFORE_DIST;
  if (before) {
    servers.push(await startBox('JSON, older build', before, 'json', json, lp));
    servers.push(await startBox('line protocol, older build', before, 'lp', json, lp));
  }
  const load = [readFileSync('/proc/loadavg', 'utf8').split(' ')[0]];
  for (const s of servers) s.cpu0 = cpuMs(s.child.pid as number);
  for (let i = 0; i < batches.length; i++) {
    for (let k = 0; k < servers.length; k++) {
      const s = servers[(i + k) % servers.length];
      const t0 = performance.now();
      const res = await post(s, s.bodies[i]);
      s.ms += performance.now() - t0;
      if (res.status !== s.ok) throw new Error(`${s.name}: ${res.status} ${res.text.slice(0, 300)}`);
    }
  }
  load.push(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  const rate = (s: Server) => points / (s.ms / 1000);
  const cpu = (s: Server) => ((cpuMs(s.child.pid as number) - s.cpu0) * 1000) / points;
  const bareRate = rate(bare);
  const bareCpu = cpu(bare);
  const rows: BenchRow[] = [];
  if (influx) await checkInfluxCount(influx, points);
  for (const s of servers.slice(1)) {
    const lineAim = influx ? '' : '≥ 1.14× (InfluxDB in the issue)';
    const aim = s.name.startsWith('JSON') ? '≥ 0.9×' : s === influx ? '' : lineAim;
    rows.push({
      name: `HTTP ingest, ${s.name}`,
      value: rate(s),
      unit: 'points/s',
      baseline: { name: 'bare server, same batches interleaved', value: bareRate },
      target: s.name.includes(',') ? '' : aim,
    });
    if (influx && s !== influx && !s.name.startsWith('JSON'))
      rows.push({
        name: `HTTP ingest, ${s.name}, against InfluxDB`,
        value: rate(s),
        unit: 'points/s',
        baseline: { name: `${influx.name}, same bodies interleaved`, value: rate(influx) },
        target: s.name.includes(',') ? '' : '≥ 1× (aim 2)',
      });
    rows.push({
      name: `CPU per point, ${s.name} (${s === influx ? 'influxd, all threads' : 'daemon process'})`,
      value: cpu(s),
      unit: 'µs',
      baseline: { name: 'bare server process', value: bareCpu },
      higherIsBetter: false,
    });
  }
  printTable(
    `HTTP ingest, interleaved, ${points.toLocaleString('en')} points (load ${load.join(' → ')})`,
    rows,
  );
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.agent.destroy();
          if (s.child.exitCode !== null) return resolve();
          s.child.once('exit', () => resolve());
          s.child.kill('SIGTERM');
        }),
    ),
  );
  rmSync(work, { recursive: true, force: true });
}

await main();
