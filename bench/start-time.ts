/**
 * Box start on a large store (issue 13): time to ready of the compiled box after a clean stop
 * (the quick_check deferred to a worker thread after the start, see docs/operations.md "Start
 * checks") against after an unclean stop (SIGKILL: the quick_check before the store opens, which
 * is what every start did before), alternately, on the same store in the same run; and how long
 * the background check then takes. The store is `BENCH_HOME` (e.g. a home kept by
 * `BENCH_KEEP=1 node --import tsx bench/scale.ts`), else a synthetic one of `BENCH_POINTS`
 * readings (default 20,000,000, ~0.8 GB) written directly through the store.
 * Run: `node --import tsx bench/start-time.ts` (`BENCH_RUNS=3`, `BENCH_DIST=<folder>` a dist/
 * built beforehand).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOUR_WINDOW_MS } from '../box/audit/ingest-window.ts';
import { Store } from '../box/store/store.ts';
import { Client, startBox, stopBox } from './support/scale-box.ts';
import { type BenchRow, median, printTable } from './table.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const POINTS = Number(process.env.BENCH_POINTS ?? 20_000_000);
const work = mkdtempSync(join(tmpdir(), 'databox-start-time-'));

/** A store of `points` 10 s readings over 20 sources (one transaction a day of each). */
function syntheticHome(): string {
  const home = join(work, 'home');
  mkdirSync(home, { mode: 0o700 });
  const store = Store.open(join(home, 'databox.db'), { ingestWindowMs: HOUR_WINDOW_MS });
  const ids = Array.from({ length: 20 }, (_, i) => `s${i}.power`);
  for (const id of ids)
    store.createDatasource({ id, kind: 'electricity.power', unit: 'W', valueType: 'gauge' }, 'user');
  const perSource = Math.ceil(POINTS / ids.length);
  const t0 = Date.UTC(2024, 0, 1);
  for (let k = 0; k < perSource; k += 8640) {
    const n = Math.min(8640, perSource - k);
    store.writeMany(
      ids.map((id, s) => ({
        id,
        readings: Array.from({ length: n }, (_, i) => ({
          t: t0 + (k + i) * 10_000,
          v: ((k + i) * 7 + s * 131) % 3000,
        })),
      })),
      'driver:bench',
    );
  }
  store.ingest.sealAll('flush');
  store.close();
  return home;
}

async function main() {
  let dist = process.env.BENCH_DIST;
  if (!dist) {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
    dist = join(ROOT, 'dist');
  }
  const home = process.env.BENCH_HOME ?? syntheticHome();
  const bytes = statSync(join(home, 'databox.db')).size;
  console.log(`store ${home}: ${(bytes / 1e9).toFixed(2)} GB`);
  const client = new Client(1);
  const clean: number[] = [];
  const unclean: number[] = [];
  const background: number[] = [];
  const beforeStart: number[] = [];
  // a first start and clean stop, so the first measured clean start has a marker
  await stopBox(await startBox(home, dist));
  for (let i = 0; i < RUNS; i++) {
    // after a clean stop: ready without the check, which then runs in a worker
    let box = await startBox(home, dist);
    clean.push(box.readyMs);
    for (;;) {
      const res = await client.call(`${box.url}/api/v1/status`, 'GET', undefined, box.auth);
      const checks = (
        JSON.parse(res.body) as { startChecks: { quickCheck: boolean | null; quickCheckMs: number } }
      ).startChecks;
      if (checks.quickCheck === false) throw new Error('the background check reports damage');
      if (checks.quickCheck === true) {
        background.push(checks.quickCheckMs);
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    box.child.kill('SIGKILL');
    await stopBox(box);
    // after a crash: the check runs before the store opens
    box = await startBox(home, dist);
    unclean.push(box.readyMs);
    const res = await client.call(`${box.url}/api/v1/status`, 'GET', undefined, box.auth);
    beforeStart.push(
      (JSON.parse(res.body) as { startChecks: { quickCheckMs: number } }).startChecks.quickCheckMs,
    );
    await stopBox(box);
  }
  client.close();
  // the floor: a start with nothing to check (a new box's first start)
  const empty: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const fresh = join(work, `empty-${i}`);
    const box = await startBox(fresh, dist);
    empty.push(box.readyMs);
    await stopBox(box);
  }
  const rows: BenchRow[] = [
    {
      name: 'start to ready after a clean stop, vs an empty box',
      value: median(clean),
      unit: 'ms',
      baseline: { name: 'first start of an empty box', value: median(empty) },
      higherIsBetter: false,
    },
    {
      name: `start to ready after a clean stop (${(bytes / 1e9).toFixed(2)} GB store)`,
      value: median(clean),
      unit: 'ms',
      baseline: {
        name: 'after a SIGKILL (quick_check first, as every start before)',
        value: median(unclean),
      },
      target: '≈ 1 s',
      higherIsBetter: false,
    },
    {
      name: 'quick_check in the background (worker), after ready',
      value: median(background),
      unit: 'ms',
      baseline: { name: 'quick_check before the start', value: median(beforeStart) },
      higherIsBetter: false,
    },
  ];
  printTable(`Box start on a large store, median of ${RUNS}`, rows);
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
