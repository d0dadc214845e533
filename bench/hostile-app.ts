/**
 * Daemon status latency while a hostile app runs (issue 9): `GET /api/v1/status` p50/p99 of a real
 * box process (`databox start`, open-file limit 1024) with no app running, while an isolate app
 * floods its quotas (kv, insights, 20,000 refused exports), and while a container run's API socket
 * takes 3,000 half-open connections and eight 16 MiB bodies (skipped without Docker).
 * Run: `node --import tsx bench/hostile-app.ts` (`BENCH_PROBES=…`, default 200).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../box/cli/node-flags.ts';
import { createDockerClient, pingDocker } from '../box/containers/docker-client.ts';
import { ensureNodeBaseImage } from '../box/containers/node-image.ts';
import { type BenchRow, printTable } from './table.ts';

const PROBES = Number(process.env.BENCH_PROBES ?? 200);
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/databox.js');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const home = mkdtempSync(join(tmpdir(), 'databox-bench-hostile-'));
chmodSync(home, 0o755);

const base = {
  version: '1.0.0',
  description: 'hostile bench app',
  author: 'Bench',
  homepage: 'https://example.org/hostile',
  requests: [],
  insights: [{ key: 'blob', title: 'Blob', description: 'anything' }],
  exports: [],
  schedule: { type: 'manual' },
};
function writeAppDir(id: string, runtime: object, files: Record<string, string>, timeoutMs: number): string {
  const dir = join(home, `${id}-src`);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'dist'), 0o755);
  const manifest = { ...base, id, name: id, runtime, limits: { memoryMb: 128, timeoutMs } };
  writeFileSync(join(dir, 'databox-app.json'), JSON.stringify(manifest));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o644 });
  const out = spawnSync(process.execPath, [BIN, 'app', 'install', dir, '--home', home, '--yes'], {
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`install ${id}: ${out.stderr}`);
  return dir;
}

// isolate app: fills every quota as fast as it can, then asks 20,000 times for a refused export
writeAppDir(
  'quota-flood',
  { type: 'isolate', entry: 'dist/app.js' },
  {
    'dist/app.js': `globalThis.__databoxRun = async () => {
    const call = async (m, p) => { try { await __databoxCall(m, JSON.stringify(p)); } catch {} };
    for (let i = 0; i < 100; i++) await call('insight.emit', { key: 'blob', title: 't' + i, data: 'z'.repeat(60000) });
    for (let i = 0; i < 1100; i++) await call('kv.set', { key: 'k' + i, value: 'v'.repeat(900) });
    for (let i = 0; i < 20000; i++) await call('export.request', { destination: 'nowhere', payload: {} });
  };`,
  },
  300_000,
);

let docker = false;
try {
  await pingDocker(createDockerClient({ timeout: 3000 }));
  await ensureNodeBaseImage(createDockerClient());
  writeAppDir(
    'socket-flood',
    { type: 'container', image: 'databox/node-base', command: ['/app/dist/app.js'] },
    {
      'dist/app.js': 'setTimeout(() => {}, 60000);\n',
    },
    120_000,
  );
  docker = true;
} catch (error) {
  console.log(`(no Docker engine: the socket flood row is skipped: ${(error as Error).message})`);
}

const box: ChildProcess = spawn(
  'prlimit',
  // the daemon's node flags and malloc setting, as bin/databox.js's #! line gives `databox start`
  ['--nofile=1024:1024', process.execPath, ...DAEMON_NODE_FLAGS, BIN, 'start', '--home', home, '--port', '0'],
  { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...DAEMON_ENV } },
);
let output = '';
box.stdout?.on('data', (c) => (output += c));
box.stderr?.on('data', (c) => (output += c));
for (let i = 0; i < 300 && !/running at (http:\/\/\S+)/.test(output); i++) await sleep(100);
const url = /running at (http:\/\/\S+)/.exec(output)?.[1];
if (!url) throw new Error(`box did not start:\n${output}`);
const headers = { authorization: `Bearer ${readFileSync(join(home, 'admin-token'), 'utf8').trim()}` };

/** Sequential status probes until `until` resolves (or `PROBES` when none): latencies in ms, failures. */
async function probe(until?: Promise<unknown>): Promise<{ ms: number[]; failed: number }> {
  let done = until === undefined;
  void until?.finally(() => (done = true));
  const ms: number[] = [];
  let failed = 0;
  while (until ? !done || ms.length + failed < 20 : ms.length + failed < PROBES) {
    const started = performance.now();
    try {
      const res = await fetch(`${url}/api/v1/status`, { headers, signal: AbortSignal.timeout(5000) });
      await res.text();
      if (res.status === 200) ms.push(performance.now() - started);
      else failed++;
    } catch {
      failed++;
    }
    await sleep(10);
  }
  return { ms, failed };
}

const rows: BenchRow[] = [];
const notes: string[] = [];
let idle: { p50: number; p99: number } | undefined;
function row(name: string, r: { ms: number[]; failed: number }, note = ''): void {
  const sorted = [...r.ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const p50 = at(0.5);
  const p99 = at(0.99);
  for (const [q, value] of [
    ['p50', p50],
    ['p99', p99],
  ] as const)
    rows.push({
      name: `status ${q}: ${name}`,
      value,
      unit: 'ms',
      higherIsBetter: false,
      ratioAs: 'multiple',
      ...(idle ? { baseline: { name: `no app running`, value: idle[q] } } : {}),
      target: q === 'p99' ? 'every probe answers' : '',
    });
  notes.push(`${name}: ${r.failed} of ${r.ms.length + r.failed} probes failed${note}`);
  idle ??= { p50, p99 };
}

const runApp = (id: string) =>
  fetch(`${url}/api/v1/apps/${id}/runs`, { method: 'POST', headers }).then((r) => r.json());

try {
  await probe(sleep(500)); // warm-up (JIT, first connections)
  row('no app running', await probe());
  const started = performance.now();
  const flood = runApp('quota-flood');
  row(
    'isolate app flooding its quotas',
    await probe(flood),
    `; run took ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  if (docker) {
    const run = runApp('socket-flood');
    let runId: string | undefined;
    while (!runId) {
      const { runs } = (await (await fetch(`${url}/api/v1/apps/socket-flood/runs`, { headers })).json()) as {
        runs: Array<{ runId: string; status: string }>;
      };
      runId = runs.find((r) => r.status === 'running')?.runId;
      await sleep(100);
    }
    const client = createDockerClient();
    let info: Awaited<ReturnType<typeof client.listContainers>>[number] | undefined;
    while (!info?.Mounts.some((m) => m.Destination === '/run/databox')) {
      [info] = await client.listContainers({ filters: { label: [`org.databox.run-id=${runId}`] } });
      await sleep(100);
    }
    const socketPath = join(
      info.Mounts.find((m) => m.Destination === '/run/databox')?.Source ?? '',
      'api.sock',
    );
    const env = (await client.getContainer(info.Id).inspect()).Config.Env;
    const token = env.find((e) => e.startsWith('DATABOX_RUN_TOKEN='))?.split('=')[1] ?? '';
    const sockets: Socket[] = [];
    const attack = (async () => {
      for (let i = 0; i < 3000; i++) {
        const s = connect(socketPath);
        s.on('error', () => {});
        s.write('POST /v1/call HTTP/1.1\r\nHost: x\r\n');
        sockets.push(s);
        if (i % 100 === 99) await sleep(5);
      }
      await Promise.all(
        Array.from(
          { length: 8 },
          () =>
            new Promise<void>((resolve) => {
              const req = request({
                socketPath,
                path: '/v1/call',
                method: 'POST',
                headers: { authorization: `Bearer ${token}`, 'content-length': 16 * 1024 * 1024 },
              });
              req.on('error', () => resolve());
              req.on('close', () => resolve());
              const chunk = Buffer.alloc(64 * 1024, 'a');
              let sent = 0;
              const pump = () => {
                while (sent < 16 * 1024 * 1024 && !req.destroyed) {
                  sent += chunk.length;
                  if (!req.write(chunk)) return void req.once('drain', pump);
                }
                req.end();
              };
              pump();
            }),
        ),
      );
      await sleep(2000);
    })();
    row('container run: 3,000 half-open connections + 8 × 16 MiB bodies', await probe(attack));
    for (const s of sockets) s.destroy();
    await run;
  }
  printTable('Daemon status latency while a hostile app runs', rows);
  for (const note of notes) console.log(`- ${note}`);
} finally {
  box.kill('SIGTERM');
  await new Promise((resolve) => box.once('exit', resolve));
  rmSync(home, { recursive: true, force: true });
}
