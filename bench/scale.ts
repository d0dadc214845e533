/**
 * Issue 13 aim 7, the scale run: a 20-source household (bench/support/scale-data.ts) of 10 s
 * readings ingested into a real, compiled box through its HTTP API by concurrent clients, then
 * timed: the dashboard's year views (Energy page, Data page), the API's year at 1d and 30 min, an
 * installed app's 90-day read through the arbiter, the retention job with its compaction into
 * blocks, `databox check`, and a restart (time to ready); and the store on disk, per table, before
 * and after compaction, with the rollups per level. Each size is a fresh box, so the costs stand
 * side by side (a year of 20 sources = 63,072,000 points).
 * Run: `node --import tsx bench/scale.ts` (`BENCH_SCALE_DAYS=30,365` the sizes, default both;
 * `BENCH_SCALE_CLIENTS=4` concurrent clients; `BENCH_DIST=<folder>` a dist/ built beforehand
 * instead of building one; `BENCH_KEEP=1` keeps the boxes' homes).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { ROLLUP_TABLES, rollupTableOf } from '../box/store/rollup-tables.ts';
import { RESOLUTIONS } from '../box/store/types.ts';
import { Client, fileBytes, runCli, signIn, startBox, stopBox, tableBytes } from './support/scale-box.ts';
import { ScaleHousehold } from './support/scale-data.ts';
import { appReads, ingest, installApp, yearReads } from './support/scale-steps.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DAY = 86_400_000;
const SIZES = (process.env.BENCH_SCALE_DAYS ?? '30,365').split(',').map(Number);
const CLIENTS = Number(process.env.BENCH_SCALE_CLIENTS ?? 4);
const PASSWORD = 'bench-password-scale';
const work = process.env.BENCH_WORK ?? mkdtempSync(join(tmpdir(), 'databox-scale-'));

type Results = Map<string, { value: number; unit: string }>;

async function runSize(dist: string, days: number): Promise<Results> {
  const out: Results = new Map();
  const put = (name: string, value: number, unit: string) => {
    out.set(name, { value, unit });
    console.log(`  ${name}: ${value.toFixed(value >= 100 ? 0 : 2)} ${unit}`);
  };
  const home = join(work, `days-${days}`);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // compaction off while ingesting, so "before compaction" is the rows; switched on for the retention step
  const config = (enabled: boolean) =>
    writeFileSync(join(home, 'config.json'), JSON.stringify({ store: { compaction: { enabled } } }));
  config(false);
  const set = runCli(dist, ['user', 'set-password', '--home', home], `${PASSWORD}\n`);
  if (set.status !== 0) throw new Error(`set-password: ${set.stderr}`);
  const to = Math.floor(Date.now() / DAY) * DAY; // the last whole UTC day is yesterday
  const range = { from: to - days * DAY, to, days };
  const household = new ScaleHousehold();
  const client = new Client(CLIENTS);

  console.log(`\n# ${days} days × ${household.sources.length} sources, ${CLIENTS} clients`);
  let box = await startBox(home, dist);
  put('start, empty store (to ready)', box.readyMs, 'ms');
  const ingested = await ingest(box, client, household, range, CLIENTS);
  const points = ingested.points;
  put('points', points, '');
  put('ingest over HTTP', points / (ingested.ms / 1000), 'points/s');
  put('  of which the client generating data', ingested.generateMs / 1000, 's');
  let session = await signIn(client, box.url, PASSWORD);
  for (const [name, ms] of Object.entries(await yearReads(box, client, session, range)))
    put(`${name}, rows`, ms, 'ms');
  await installApp(box, client, join(home, 'bench-app'));
  const app = await appReads(box, client);
  put('app 90-day read at 30 min, rows', app.ms, 'ms');
  put('  rows the app read', app.rows, '');
  await stopBox(box);
  const bytes = (phase: string) => {
    const files = fileBytes(home);
    const { tables, free } = tableBytes(home);
    tables.rollups = ROLLUP_TABLES.reduce((sum, table) => sum + (tables[table] ?? 0), 0);
    put(`disk ${phase}: databox.db + WAL`, (files.db + files.wal) / 1e6, 'MB');
    put(`disk ${phase}: bytes per point`, (files.db + files.wal) / points, 'B');
    put(`disk ${phase}: in use (file − free pages) per point`, (files.db + files.wal - free) / points, 'B');
    const main = ['readings', 'blocks', 'rollups', 'local_days', 'audit'];
    for (const name of main) put(`  ${phase}: ${name}`, (tables[name] ?? 0) / points, 'B/point');
    const other = Object.entries(tables).filter(
      ([name]) => !main.includes(name) && !ROLLUP_TABLES.includes(name),
    );
    put(
      `  ${phase}: every other table and index`,
      other.reduce((sum, [, b]) => sum + b, 0) / points,
      'B/point',
    );
  };
  bytes('before compaction');

  // the retention job with compaction: it runs at start and works in the background
  config(true);
  box = await startBox(home, dist);
  put('restart on the rows (to ready)', box.readyMs, 'ms');
  const health = JSON.parse(
    (await client.call(`${box.url}/api/v1/status`, 'GET', undefined, box.auth)).body,
  ) as {
    startChecks?: { quickCheckMs?: number | null; quickCheckWhen?: string };
  };
  // on a large store the quick_check runs after the box is ready (docs/operations.md)
  if (health.startChecks?.quickCheckWhen === 'background')
    console.log('  the start quick_check: in the background, after ready');
  else put('  of which the start quick_check', health.startChecks?.quickCheckMs ?? Number.NaN, 'ms');
  // the job starts with the box (before it is ready), so it is timed from the spawn
  const done = await box.waitFor(/compaction: (\d+) raw readings of (\d+) day/, 6 * 3600_000);
  put(
    'retention job + compaction (from the spawn of the box)',
    (performance.now() - box.spawnedAt) / 1000,
    's',
  );
  put('  source-days packed', Number(done[2]), '');
  session = await signIn(client, box.url, PASSWORD);
  for (const [name, ms] of Object.entries(await yearReads(box, client, session, range)))
    put(`${name}, blocks`, ms, 'ms');
  put('app 90-day read at 30 min, blocks', (await appReads(box, client)).ms, 'ms');
  await stopBox(box);
  bytes('after compaction');

  const check = runCli(dist, ['check', '--home', home, '--json']);
  if (check.status !== 0)
    throw new Error(`databox check failed: ${check.stdout.slice(0, 2000)} ${check.stderr}`);
  put('databox check', check.ms / 1000, 's');
  for (const item of (JSON.parse(check.stdout) as { items: Array<{ name: string; ms: number }> }).items)
    put(`  of which ${item.name}`, item.ms / 1000, 's');
  box = await startBox(home, dist);
  put('restart after compaction (to ready)', box.readyMs, 'ms');
  await stopBox(box);
  const vacuumStart = performance.now();
  const db = new Database(join(home, 'databox.db'));
  db.exec('VACUUM');
  db.close();
  put('VACUUM (offline; the box never vacuums)', (performance.now() - vacuumStart) / 1000, 's');
  put('disk after compaction + VACUUM: bytes per point', fileBytes(home).db / points, 'B');
  const levels = tableBytes(home).tables;
  for (const resolution of RESOLUTIONS)
    put(`  rollups ${resolution}`, (levels[rollupTableOf(resolution)] ?? 0) / points, 'B/point');
  client.close();
  return out;
}

function printSideBySide(sizes: number[], results: Results[]) {
  console.log(
    `\n## Scale run (issue 13 aim 7), ${CLIENTS} clients, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  const head = sizes.map((d) => `${d} days`);
  const growth = sizes.length > 1 ? [`growth (${(sizes.at(-1) as number) / sizes[0]}× the data)`] : [];
  console.log(`| measurement | ${[...head, ...growth].join(' | ')} |`);
  console.log(`|---|${[...head, ...growth].map(() => '---|').join('')}`);
  const fmt = (n: number) =>
    Number.isNaN(n) ? '—' : n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(2);
  for (const name of results[0].keys()) {
    const cells = results.map((r) => r.get(name));
    const unit = cells[0]?.unit ?? '';
    const row = cells.map((c) => (c ? `${fmt(c.value)} ${unit}`.trim() : '—'));
    if (growth.length) {
      const a = cells[0]?.value ?? Number.NaN;
      const b = cells.at(-1)?.value ?? Number.NaN;
      row.push(`${(b / a).toFixed(2)}×`);
    }
    console.log(`| ${name.trim()} | ${row.join(' | ')} |`);
  }
}

async function main() {
  console.log(
    `Scale run on ${process.platform} ${process.arch}, node ${process.version}, sizes ${SIZES.join(', ')} days`,
  );
  let dist = process.env.BENCH_DIST;
  if (!dist) {
    console.log('building dist/ …');
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
    dist = join(ROOT, 'dist');
  }
  if (!existsSync(join(dist, 'box/cli/main.js'))) throw new Error(`${dist} has no box/cli/main.js`);
  const results: Results[] = [];
  for (const days of SIZES) results.push(await runSize(dist, days));
  printSideBySide(SIZES, results);
  if (process.env.BENCH_JSON)
    writeFileSync(process.env.BENCH_JSON, JSON.stringify(results.map((r) => Object.fromEntries(r))));
}

try {
  await main();
} finally {
  if (process.env.BENCH_KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
