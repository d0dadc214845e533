/**
 * App run benchmark (issue 4): one isolate run — cold start of a fresh isolate, read 30 days of
 * power at 30 min (1,440 points), emit an insight — against the same app function run in-process
 * through the same AppRunner (same session, arbiter, audit and run records), in the same run.
 * Run: `node --import tsx bench/isolate-run.ts` (`BENCH_RUNS=…` sets the runs per row, default 40).
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

  const isolate = new IsolateRuntime();

  const inIsolate = new AppRunner({ store, runtimes: { isolate } });
  const inProcess = new AppRunner({ store, runtimes: { isolate: new InProcessRuntime() } });
  await inIsolate.start(new AbortController().signal);
  await timeRuns(inIsolate); // warm the host process and JIT, not measured
  await timeRuns(inProcess);
  const isolateMs = await timeRuns(inIsolate);
  const directMs = await timeRuns(inProcess);
  await inIsolate.stop();
  const rows: BenchRow[] = [50, 95].map((p) => ({
    name: `isolate run p${p} (fresh isolate, read 30 d at 30 min, emit insight)`,
    value: percentile(isolateMs, p),
    unit: 'ms',
    baseline: { name: `in-process p${p}`, value: percentile(directMs, p) },
    higherIsBetter: false,
  }));

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
