/**
 * App run benchmark (issue 4; issue 9 for the host per app): one isolate run — cold start of a
 * fresh isolate, read 30 days of power at 30 min (1,440 points), emit an insight — against the
 * same app function run in-process through the same AppRunner (same session, arbiter, audit and
 * run records), in the same run. The isolate runs three ways: in the host shared by all apps (the
 * mode before issue 9), in the app's own warm host (the default now), and as the first run of an
 * app (a spare host ready, and fully cold: no host at all).
 * Run: `node --import tsx bench/isolate-run.ts` (`BENCH_RUNS=…` sets the runs per row, default 40;
 * `BENCH_COLD_RUNS=…` the first-run rows, default 8).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppManager } from '../box/apps/app-manager.ts';
import { AppRunner } from '../box/apps/app-runner.ts';
import type { AppRuntime, RunOutcome } from '../box/apps/runtime.ts';
import { ContainerRuntime } from '../box/sandbox/container/container-runtime.ts';
import { IsolateRuntime } from '../box/sandbox/isolate/isolate-runtime.ts';
import { Store } from '../box/store/store.ts';
import { type BenchRow, printTable } from './table.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const DAY = 86_400_000;
const work = mkdtempSync(join(tmpdir(), 'databox-bench-apps-'));
chmodSync(work, 0o755); // the container's unprivileged user must reach the app folder

// The app: a classic script as `databox app build` makes, talking only through __databoxCall.
const APP_SOURCE = `(function () {
  globalThis.__databoxRun = async function () {
    const read = JSON.parse(await __databoxCall('data.read', JSON.stringify({ request: 'power' })));
    let sum = 0;
    for (const p of read.points) sum += p.v;
    await __databoxCall('insight.emit', JSON.stringify({ key: 'mean', title: 'Mean power', value: sum / read.points.length, unit: 'W' }));
  };
})();`;

// The same app as a container app: a node script in the local base image, talking HTTP to the
// box over the per-run unix socket (what the SDK's container transport does).
const CONTAINER_SOURCE = `const http = require('node:http');
function call(method, params) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ method, params });
    const req = http.request({ socketPath: process.env.DATABOX_API_SOCKET, path: '/v1/call', method: 'POST',
      headers: { authorization: 'Bearer ' + process.env.DATABOX_RUN_TOKEN, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text).result) : reject(new Error(text))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
(async () => {
  const read = await call('data.read', { request: 'power' });
  let sum = 0;
  for (const p of read.points) sum += p.v;
  await call('insight.emit', { key: 'mean', title: 'Mean power', value: sum / read.points.length, unit: 'W' });
})().catch((e) => { console.error(e.message); process.exitCode = 1; });
`;
const CONTAINER_RUNS = Number(process.env.BENCH_CONTAINER_RUNS ?? 7);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 8);

/** The same script run in this process: the baseline without isolate, IPC or JSON copying across. */
class InProcessRuntime implements AppRuntime {
  readonly kind = 'isolate' as const;
  async run(opts: Parameters<AppRuntime['run']>[0]): Promise<RunOutcome> {
    const started = performance.now();
    const scope: Record<string, unknown> = {};
    const call = async (method: string, json: string) =>
      JSON.stringify(await opts.handle(method, JSON.parse(json)));
    new Function('globalThis', '__databoxCall', APP_SOURCE)(scope, call);
    await (scope.__databoxRun as () => Promise<void>)();
    return { status: 'ok', durationMs: performance.now() - started, logs: [] };
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function timeRuns(runner: AppRunner, appId = 'bench-app', runs = RUNS): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const run = await runner.run(appId);
    ms.push(performance.now() - start);
    if (run.status !== 'ok' || run.rowsRead !== 1440)
      throw new Error(`bench run failed: ${run.status} ${run.error} rows ${run.rowsRead}`);
  }
  return ms;
}

function installBenchApp(
  apps: AppManager,
  id: string,
  runtime: Record<string, unknown>,
  source: string,
): void {
  const appDir = join(work, id);
  mkdirSync(join(appDir, 'dist'), { recursive: true });
  writeFileSync(join(appDir, 'dist', 'app.js'), source);
  writeFileSync(
    join(appDir, 'databox-app.json'),
    JSON.stringify({
      id,
      name: 'Bench',
      version: '1.0.0',
      description: 'bench',
      author: 'bench',
      runtime,
      requests: [
        {
          name: 'power',
          kind: 'electricity.import.power',
          required: true,
          resolutions: [{ resolution: '30min', purpose: 'bench' }],
          history: 'P30D',
          aggregates: [],
        },
      ],
      insights: [{ key: 'mean', title: 'Mean', description: 'mean power' }],
    }),
  );
  apps.install(appDir, { requests: { power: { datasource: 'meter.power' } } });
}

async function main(): Promise<void> {
  const now = Date.UTC(2025, 5, 1);
  const store = Store.open(join(work, 'databox.db'), { clock: () => now });
  store.createDatasource(
    { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  const readings = [];
  for (let t = now - 31 * DAY; t < now; t += 60_000) readings.push({ t, v: 200 + (t % 7919) / 10 });
  store.writeReadings('meter.power', readings, 'user');
  const apps = new AppManager(store, { appsDir: join(work, 'apps') });
  installBenchApp(apps, 'bench-app', { type: 'isolate', entry: 'dist/app.js' }, APP_SOURCE);
  installBenchApp(
    apps,
    'bench-container-app',
    { type: 'container', image: 'databox/node-base', command: ['/app/dist/app.js'] },
    CONTAINER_SOURCE,
  );

  const firstRunApps = Array.from({ length: COLD_RUNS * 2 }, (_, i) => `bench-first-${i}`);
  for (const id of firstRunApps)
    installBenchApp(apps, id, { type: 'isolate', entry: 'dist/app.js' }, APP_SOURCE);

  const shared = new AppRunner({ store, runtimes: { isolate: new IsolateRuntime({ hostPerApp: false }) } });
  const perApp = new AppRunner({ store, runtimes: { isolate: new IsolateRuntime() } });
  const inProcess = new AppRunner({ store, runtimes: { isolate: new InProcessRuntime() } });
  await shared.start(new AbortController().signal);
  await perApp.start(new AbortController().signal);
  await timeRuns(shared); // warm the host processes and JIT, not measured
  await timeRuns(perApp);
  await timeRuns(inProcess);
  // One run of each in turn, so a change in the machine's load hits all three alike.
  const sharedMs: number[] = [];
  const perAppMs: number[] = [];
  const directMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    sharedMs.push(...(await timeRuns(shared, 'bench-app', 1)));
    perAppMs.push(...(await timeRuns(perApp, 'bench-app', 1)));
    directMs.push(...(await timeRuns(inProcess, 'bench-app', 1)));
  }
  await shared.stop();

  // First run of an app: a new app each time, its host the spare (started beforehand and ready)…
  const isolate = new IsolateRuntime();
  const spareRunner = new AppRunner({ store, runtimes: { isolate } });
  const spareMs: number[] = [];
  for (const id of firstRunApps.slice(0, COLD_RUNS)) {
    await isolate.start(); // resolves when the spare is ready
    spareMs.push(...(await timeRuns(spareRunner, id, 1)));
  }
  await spareRunner.stop();
  // …and fully cold: no spare, so the run waits for a new host process (idle box, first run).
  const cold = new IsolateRuntime({ spareHost: false });
  const coldRunner = new AppRunner({ store, runtimes: { isolate: cold } });
  const coldMs: number[] = [];
  for (const id of firstRunApps.slice(COLD_RUNS)) coldMs.push(...(await timeRuns(coldRunner, id, 1)));
  await coldRunner.stop();
  await perApp.stop();

  const rows: BenchRow[] = [];
  for (const p of [50, 95]) {
    rows.push({
      name: `isolate run p${p}, host shared by all apps (before issue 9)`,
      value: percentile(sharedMs, p),
      unit: 'ms',
      baseline: { name: `in-process p${p}`, value: percentile(directMs, p) },
      higherIsBetter: false,
    });
    rows.push({
      name: `isolate run p${p}, the app's own warm host (now)`,
      value: percentile(perAppMs, p),
      unit: 'ms',
      baseline: { name: `shared host p${p}`, value: percentile(sharedMs, p) },
      target: p === 50 ? '≤ 2× the shared host' : '',
      higherIsBetter: false,
    });
  }
  rows.push({
    name: `first run of an app p50, spare host ready (${COLD_RUNS} apps)`,
    value: percentile(spareMs, 50),
    unit: 'ms',
    baseline: { name: 'shared host p50', value: percentile(sharedMs, 50) },
    higherIsBetter: false,
  });
  rows.push({
    name: `first run of an app p50, no host yet (cold, ${COLD_RUNS} apps)`,
    value: percentile(coldMs, 50),
    unit: 'ms',
    baseline: { name: 'shared host p50', value: percentile(sharedMs, 50) },
    higherIsBetter: false,
  });

  // container runs: a fresh hardened container per run (needs the Docker engine)
  const inContainer = new AppRunner({ store, runtimes: { container: new ContainerRuntime() } });
  try {
    await timeRuns(inContainer, 'bench-container-app', 1); // builds the base image if missing
    const containerMs = await timeRuns(inContainer, 'bench-container-app', CONTAINER_RUNS);
    rows.push({
      name: `container run p50 (fresh container, same app, ${CONTAINER_RUNS} runs)`,
      value: percentile(containerMs, 50),
      unit: 'ms',
      baseline: { name: 'in-process p50', value: percentile(directMs, 50) },
      higherIsBetter: false,
    });
  } catch (error) {
    console.log(
      `container runs skipped: ${(error as Error).message} (start Docker: scripts/setup-services.sh)`,
    );
  } finally {
    await inContainer.stop();
  }
  store.close();
  printTable(`App runs (${RUNS} isolate and in-process runs each)`, rows);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
