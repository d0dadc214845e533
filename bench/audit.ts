/**
 * Audit trail benchmark (issue 11). Run: `node --import tsx bench/audit.ts`
 * (`BENCH_AUDIT_ENTRIES=…` sets the large log, default 1,000,000).
 *
 * 1. Entries a year for a 20-source household: the real store, a simulated day of 10-second
 *    flushes of all 20 sources (hour ingest windows, sealed every minute as the audit job does),
 *    times 365; baseline: one entry per batch (window 0), simulated for one hour, times 8,760.
 * 2. Append cost per entry (`AuditLog.append`, own transaction each) against a plain INSERT of
 *    the same row into a table of the same shape, own transaction each.
 * 3. A large log built with direct batched inserts of valid chained entries spread over a year;
 *    on it: the start check's tree rebuild, an incremental verify of the last day against a full
 *    verify, one inclusion proof made and checked, and the Overview page of a real box process
 *    against its Data page (median of 7 signed-in GETs each).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AuditLog } from '../box/audit/audit-log.ts';
import { loadOrCreateBoxKey } from '../box/audit/box-key.ts';
import { canonicalEntryText, GENESIS_HASH, hashEntryText } from '../box/audit/canonical.ts';
import { ChainStatus } from '../box/audit/chain-status.ts';
import { Checkpoints } from '../box/audit/checkpoints.ts';
import { HOUR_WINDOW_MS } from '../box/audit/ingest-window.ts';
import { leafHash, verifyInclusion } from '../box/audit/merkle.ts';
import { Store } from '../box/store/store.ts';
import { runCli, startBoxProcess, stopBoxProcess } from '../test/helpers/box-process.ts';
import { type BenchRow, median, printTable } from './table.ts';

const LARGE = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000);
const SOURCES = 20;
const DAY = 86_400_000;
const YEAR_START = Date.UTC(2026, 0, 5);
const dirs: string[] = [];
const temp = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `databox-bench-audit-${name}-`));
  dirs.push(dir);
  return dir;
};
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Simulates `span` ms of 10-second flushes of every source; returns the readings.write entries. */
function ingestEntries(windowMs: number, span: number): { entries: number; seconds: number } {
  let now = YEAR_START;
  const store = Store.open(join(temp('ingest'), 'databox.db'), {
    clock: () => now,
    ingestWindowMs: windowMs,
  });
  const ids = Array.from({ length: SOURCES }, (_, i) => `src.${i}`);
  for (const id of ids)
    store.createDatasource({ id, kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' }, 'user');
  const t0 = process.hrtime.bigint();
  for (let t = YEAR_START; t < YEAR_START + span; t += 10_000) {
    now = t;
    store.writeMany(
      ids.map((id, i) => ({ id, readings: [{ t, v: 100 + ((t / 10_000 + i) % 97) }] })),
      'driver:sim',
    );
    if (t % 60_000 === 0) store.ingest.sealDue(now);
  }
  now = YEAR_START + span;
  store.ingest.sealAll('stop');
  const entries = store.audit.query({ action: 'readings.write' }).length;
  store.close();
  return { entries, seconds: ms(t0) / 1000 };
}

function appendCost(n: number): { audit: number; plain: number } {
  const dir = temp('append');
  const db = new Database(join(dir, 'databox.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const log = new AuditLog(db);
  db.exec(`CREATE TABLE plain (seq INTEGER PRIMARY KEY, ts INTEGER, actor TEXT, action TEXT, subject TEXT,
    details TEXT, prev_hash TEXT, hash TEXT)`);
  const details = {
    resolution: '30min',
    from: YEAR_START,
    to: YEAR_START + DAY,
    rows: 48,
    run: 'r',
    request: 'power',
  };
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++)
    log.append({ actor: 'app:bench', action: 'readings.read', subject: 'src.1', details });
  const audit = (ms(t0) * 1000) / n;
  const insert = db.prepare('INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const one = db.transaction((i: number) =>
    insert.run(
      i,
      Date.now(),
      'app:bench',
      'readings.read',
      'src.1',
      JSON.stringify(details),
      GENESIS_HASH,
      GENESIS_HASH,
    ),
  );
  t0 = process.hrtime.bigint();
  for (let i = 1; i <= n; i++) one.immediate(i);
  const plain = (ms(t0) * 1000) / n;
  db.close();
  return { audit, plain };
}

/** Writes `n` valid chained entries spread over a year, 10,000 a transaction. */
function buildLog(home: string, n: number): { seconds: number; perDay: number } {
  const store = Store.open(join(home, 'databox.db'));
  store.close();
  const db = new Database(join(home, 'databox.db'));
  const insert = db.prepare(
    'INSERT INTO audit (seq, ts, actor, action, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const step = Math.floor((365 * DAY) / n);
  let prev = GENESIS_HASH;
  const t0 = process.hrtime.bigint();
  const batch = db.transaction((from: number, to: number) => {
    for (let seq = from; seq <= to; seq++) {
      const ts = YEAR_START + seq * step;
      const read = seq % 3 !== 0;
      const action = read ? 'readings.read' : 'readings.write';
      const actor = read ? `app:app${seq % 4}` : 'driver:sim';
      const subject = `src.${seq % SOURCES}`;
      const details = read
        ? `{"aggregate":"mean","from":${ts - DAY},"resolution":"30min","rows":48,"to":${ts}}`
        : `{"batches":360,"digest":"${prev}","duplicates":0,"from":${ts - HOUR_WINDOW_MS},"to":${ts},"written":360}`;
      const hash = hashEntryText(prev, canonicalEntryText(seq, ts, actor, action, subject, details));
      insert.run(seq, ts, actor, action, subject, details, prev, hash);
      prev = hash;
    }
  });
  for (let from = 1; from <= n; from += 10_000) batch(from, Math.min(n, from + 9_999));
  db.close();
  return { seconds: ms(t0) / 1000, perDay: Math.round(DAY / step) };
}

async function signedInGet(url: string, password: string): Promise<(path: string) => Promise<number>> {
  const form = await fetch(`${url}/signin`);
  const pre = /databox_pre=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1] ?? '';
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const signin = await fetch(`${url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: `databox_pre=${pre}`,
      origin: url,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ _csrf: csrf, password }).toString(),
  });
  const session = /databox_session=([^;]+)/.exec(signin.headers.get('set-cookie') ?? '')?.[1];
  if (!session) throw new Error(`sign-in failed: ${signin.status}`);
  return async (path) => {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${url}${path}`, { headers: { cookie: `databox_session=${session}` } });
    await res.text();
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    return ms(t0);
  };
}

const rows: BenchRow[] = [];
let reported = 0;
/** Prints the rows measured since the last call (a slow later step must not lose them). */
function report(): void {
  for (const row of rows.slice(reported))
    console.log(
      `measured: ${row.name}: ${row.value.toFixed(2)} ${row.unit}${row.baseline ? ` (${row.baseline.name}: ${row.baseline.value.toFixed(2)})` : ''}`,
    );
  reported = rows.length;
}
const day = ingestEntries(HOUR_WINDOW_MS, DAY);
const hour = ingestEntries(0, HOUR_WINDOW_MS);
rows.push({
  name: `readings.write entries a year, ${SOURCES} sources, 10 s flushes (a simulated day × 365, ${day.seconds.toFixed(0)} s to simulate; 1/${Math.round((hour.entries * 24) / day.entries)} of the baseline)`,
  value: day.entries * 365,
  unit: 'entries',
  baseline: { name: 'one entry per batch (an hour × 8,760)', value: hour.entries * 24 * 365 },
  higherIsBetter: false,
  ratioAs: 'multiple',
  target: 'well under 1 M',
});
const append = appendCost(20_000);
rows.push({
  name: 'append one entry (own transaction)',
  value: append.audit,
  unit: 'µs',
  baseline: { name: 'plain INSERT, own transaction', value: append.plain },
  higherIsBetter: false,
});

report();
const home = temp('large');
const built = buildLog(home, LARGE);
console.log(
  `built a log of ${LARGE.toLocaleString('en')} entries in ${built.seconds.toFixed(1)} s (~${built.perDay} a day)`,
);
{
  const db = new Database(join(home, 'databox.db'));
  const log = new AuditLog(db);
  const checkpoints = new Checkpoints(db, log, loadOrCreateBoxKey(home), home);
  let t0 = process.hrtime.bigint();
  checkpoints.make();
  const firstBuild = ms(t0);
  t0 = process.hrtime.bigint();
  checkpoints.checkAtStart();
  const startCheck = ms(t0);
  t0 = process.hrtime.bigint();
  checkpoints.tree.rebuild();
  const rebuild = ms(t0);
  rows.push({
    name: `start check against the last checkpoint, ${LARGE.toLocaleString('en')} entries (stored tree + one inclusion proof)`,
    value: startCheck,
    unit: 'ms',
    baseline: { name: 'rebuilding the tree from every entry (the check before)', value: rebuild },
    higherIsBetter: false,
  });
  rows.push({ name: 'Merkle tree built the first time (first checkpoint)', value: firstBuild, unit: 'ms' });
  report();

  const status = new ChainStatus(db, log);
  const from = LARGE - built.perDay;
  db.prepare('INSERT OR REPLACE INTO audit_verified (id, seq, hash, at) VALUES (1, ?, ?, 0)').run(
    from,
    log.hashAt(from),
  );
  t0 = process.hrtime.bigint();
  const state = status.advance();
  const incremental = ms(t0);
  if (state.broken || state.verified.seq !== LARGE)
    throw new Error(`incremental verify: ${JSON.stringify(state)}`);
  t0 = process.hrtime.bigint();
  const full = log.verify();
  const fullMs = ms(t0);
  if (!full.ok) throw new Error(`full verify: ${JSON.stringify(full)}`);
  rows.push({
    name: `verify one day (${built.perDay.toLocaleString('en')} new entries, incremental)`,
    value: incremental,
    unit: 'ms',
    baseline: { name: 'full verify', value: fullMs },
    higherIsBetter: false,
  });

  const seq = Math.floor(LARGE / 3) + 7;
  const timesMake: number[] = [];
  const timesCheck: number[] = [];
  const root = checkpoints.tree.root(LARGE);
  for (let i = 0; i < 9; i++) {
    t0 = process.hrtime.bigint();
    const path = checkpoints.tree.inclusionProof(seq, LARGE);
    timesMake.push(ms(t0));
    t0 = process.hrtime.bigint();
    const ok = verifyInclusion(seq - 1, LARGE, leafHash(log.hashAt(seq) as string), path, root);
    timesCheck.push(ms(t0));
    if (!ok) throw new Error('inclusion proof does not verify');
  }
  rows.push({
    name: `inclusion proof of one entry out of ${LARGE.toLocaleString('en')}: make`,
    value: median(timesMake),
    unit: 'ms',
  });
  rows.push({ name: 'inclusion proof: check', value: median(timesCheck), unit: 'ms' });
  report();
  db.close();
}

const password = 'bench-password-audit';
const set = runCli(['user', 'set-password', '--home', home], `${password}\n`);
if (set.status !== 0) throw new Error(`set-password: ${set.stderr}`);
const t0 = process.hrtime.bigint();
const box = await startBoxProcess(home, [], 600_000);
const startMs = ms(t0);
try {
  const get = await signedInGet(box.url, password);
  await get('/');
  await get('/data');
  const overview: number[] = [];
  const data: number[] = [];
  for (let i = 0; i < 7; i++) {
    overview.push(await get('/'));
    data.push(await get('/data'));
  }
  rows.push({
    name: `Overview page at ${LARGE.toLocaleString('en')} entries (median of 7)`,
    value: median(overview),
    unit: 'ms',
    baseline: { name: 'Data page', value: median(data) },
    higherIsBetter: false,
    target: '< 50 ms',
  });
  rows.push({ name: 'box start (process up, start check included)', value: startMs, unit: 'ms' });
} finally {
  await stopBoxProcess(box);
}
printTable('Audit trail', rows);
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
