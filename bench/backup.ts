/**
 * Issue 15: backups and checks of a large store. Builds a year of a 20-source household (one
 * reading a minute per source: power, energy counters, temperatures, humidity; `BENCH_DAYS=…` for
 * less), starts the box on it, and measures in the same run: HTTP ingest (4 clients, batches of
 * 500) without a backup and during `databox backup` (VACUUM INTO + age encryption, in its own
 * process); the backup's MB/s of store; `databox check` time; the quick_check at start.
 * Run: `node --import tsx bench/backup.ts`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOUR_WINDOW_MS } from '../box/audit/ingest-window.ts';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../box/cli/node-flags.ts';
import { Store } from '../box/store/store.ts';
import { type BenchRow, printTable } from './table.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin/databox.js');
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const START = Date.UTC(2025, 0, 1);
const MINUTE = 60_000;
const work = mkdtempSync(join(tmpdir(), 'databox-bench-backup-'));
const home = join(work, 'home');

function buildStore(): { readings: number; ms: number } {
  const started = Date.now();
  const store = Store.open(join(home, 'databox.db'), { ingestWindowMs: HOUR_WINDOW_MS });
  const sources = Array.from({ length: 20 }, (_, i) => {
    const kind = ['electricity.import.power', 'electricity.import.energy', 'temperature', 'humidity'][i % 4];
    const valueType = kind.endsWith('energy') ? 'counter' : 'gauge';
    const unit = {
      'electricity.import.power': 'W',
      'electricity.import.energy': 'kWh',
      temperature: '°C',
      humidity: '%',
    }[kind] as string;
    store.createDatasource({ id: `house.s${i}`, kind, unit, valueType }, 'user');
    return { id: `house.s${i}`, counter: valueType === 'counter', phase: i };
  });
  const minutes = DAYS * 1440;
  const CHUNK = 1440 * 7; // a week per source per transaction
  let readings = 0;
  for (let from = 0; from < minutes; from += CHUNK) {
    const batches = sources.map((s) => ({
      id: s.id,
      readings: Array.from({ length: Math.min(CHUNK, minutes - from) }, (_, k) => {
        const m = from + k;
        const v = s.counter
          ? Math.round(m * 0.35) / 100
          : Math.round((20 + 5 * Math.sin((m + s.phase * 37) / 229) + (m % 7) / 10) * 10) / 10;
        return { t: START + m * MINUTE, v };
      }),
    }));
    store.writeMany(batches, 'driver:bench');
    readings += batches.reduce((n, b) => n + b.readings.length, 0);
  }
  store.ingest.sealAll('flush');
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  return { readings, ms: Date.now() - started };
}

function run(args: string[]): Promise<{ code: number | null; out: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.once('exit', (code) => resolve({ code, out, ms: Date.now() - started }));
  });
}

async function startBox(): Promise<{ child: ChildProcess; url: string }> {
  // the daemon's node flags and malloc setting, as bin/databox.js's #! line gives `databox start`
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, BIN, 'start', '--home', home, '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, ...DAEMON_ENV },
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (c) => {
      out += c;
      const m = /running at (http:\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(out)));
  });
  return { child, url };
}

/** 4 clients post batches of 500 until `until()` resolves; readings per second. */
async function ingest(url: string, token: string, until: Promise<unknown>, offset: number): Promise<number> {
  let done = false;
  void until.then(() => (done = true));
  let readings = 0;
  let n = 0;
  const started = Date.now();
  const client = async () => {
    while (!done) {
      const k = n++;
      const body = JSON.stringify(
        Array.from({ length: 500 }, (_, i) => ({ t: offset + (k * 500 + i) * 1000, v: i })),
      );
      const res = await fetch(`${url}/api/v1/datasources/bench.ingest/readings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
      if (res.status !== 200) throw new Error(`ingest: ${res.status} ${await res.text()}`);
      readings += 500;
    }
  };
  await Promise.all([client(), client(), client(), client()]);
  return readings / ((Date.now() - started) / 1000);
}

/** The largest size the store's WAL reached while `until` ran, sampled every 250 ms. */
async function walPeak(until: Promise<unknown>): Promise<number> {
  const wal = join(home, 'databox.db-wal');
  let peak = 0;
  const sample = () => {
    try {
      peak = Math.max(peak, statSync(wal).size);
    } catch {
      // no WAL at this instant (checkpointed and truncated)
    }
  };
  const timer = setInterval(sample, 250);
  try {
    await until;
  } finally {
    clearInterval(timer);
  }
  sample();
  return peak;
}

try {
  const built = buildStore();
  const storeBytes = statSync(join(home, 'databox.db')).size;
  console.log(
    `built ${built.readings.toLocaleString('en')} readings (${DAYS} days × 20 sources, 1/min) in ${(built.ms / 1000).toFixed(0)} s: ${(storeBytes / 1e6).toFixed(0)} MB`,
  );
  const box = await startBox();
  const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  const status = (await (
    await fetch(`${box.url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as {
    startChecks: { quickCheckMs: number };
  };
  await fetch(`${box.url}/api/v1/datasources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'bench.ingest', kind: 'temperature', unit: '°C', valueType: 'gauge' }),
  });
  const keyFile = join(work, 'key.txt');
  const recipient = (await run(['backup', '--new-key', keyFile])).out.split('\n')[0].trim();
  const backupRun = run(['backup', '--home', home, '--to', join(work, 'out'), '--recipient', recipient]);
  // the same measurement twice in one run: during the backup, then for as long again without
  const walDuring = walPeak(backupRun);
  const during = await ingest(box.url, token, backupRun, Date.UTC(2026, 0, 1));
  const backup = await backupRun;
  if (backup.code !== 0) throw new Error(backup.out);
  const withoutFor = new Promise((r) => setTimeout(r, Math.min(backup.ms, 60_000)));
  const walWithout = walPeak(withoutFor);
  const without = await ingest(box.url, token, withoutFor, Date.UTC(2027, 0, 1));
  const backupFile = /backup written: (\S+)/.exec(backup.out)?.[1] as string;
  const check = await run(['check', '--home', home]);
  box.child.kill('SIGTERM');
  await new Promise((r) => box.child.once('exit', r));
  const rows: BenchRow[] = [
    {
      name: `backup of a ${(storeBytes / 1e6).toFixed(0)} MB store (${built.readings.toLocaleString('en')} readings)`,
      value: storeBytes / 1e6 / (backup.ms / 1000),
      unit: 'MB/s',
      higherIsBetter: true,
    },
    { name: 'backup time', value: backup.ms / 1000, unit: 's', higherIsBetter: false },
    { name: 'backup file', value: statSync(backupFile).size / 1e6, unit: 'MB', higherIsBetter: false },
    {
      name: 'HTTP ingest during the backup',
      value: during,
      unit: 'readings/s',
      baseline: { name: 'without a backup', value: without },
      target: '≥ 0.7×',
      higherIsBetter: true,
    },
    {
      // a backup's VACUUM INTO holds one read transaction, so the WAL cannot be checkpointed past it
      name: 'largest WAL file during the backup',
      value: (await walDuring) / 1e6,
      unit: 'MB',
      baseline: { name: 'as long again after it', value: (await walWithout) / 1e6 },
      higherIsBetter: false,
    },
    {
      name: `databox check (${check.code === 0 ? 'ok' : 'FAILED'})`,
      value: check.ms / 1000,
      unit: 's',
      higherIsBetter: false,
    },
    {
      name: 'quick_check at start',
      value: status.startChecks.quickCheckMs,
      unit: 'ms',
      higherIsBetter: false,
    },
  ];
  printTable('Backup and check of a year of a 20-source household', rows);
  for (const r of rows)
    console.log(
      `${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.baseline ? ` (baseline ${r.baseline.value.toFixed(0)})` : ''}`,
    );
} finally {
  rmSync(work, { recursive: true, force: true });
}
