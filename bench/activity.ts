/**
 * Activity feed and notifications benchmark (issue 12 points 8 and 9). Run:
 * `node --import tsx bench/activity.ts` (`BENCH_ACTIVITY_ENTRIES=…` sets the large log, default
 * 1,000,000; a small log of a tenth is built beside it to show the cost follows the day, not the
 * log).
 *
 * The log is a household's: per day 480 ingest windows (20 sources × 24 hours), three apps
 * running every 30 minutes with 60 reads a run, a few exports and sign-ins (about 9,300 entries
 * a day), built with batched inserts of valid chained entries. On it: one day's feed (the last
 * and a middle one) against (a) the day read through `AuditLog.query` and grouped in JS, and
 * (b) the same GROUP BY forced to scan the whole table; then the notifications list and the
 * header badge's cached count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activityFeed } from '../box/activity/activity-feed.ts';
import { canonicalEntryText, canonicalJson, GENESIS_HASH, hashEntryText } from '../box/audit/canonical.ts';
import { Notifications } from '../box/notifications/notifications.ts';
import { Store } from '../box/store/store.ts';
import { type BenchRow, median, printTable } from './table.ts';

const LARGE = Number(process.env.BENCH_ACTIVITY_ENTRIES ?? 1_000_000);
const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const work = mkdtempSync(join(tmpdir(), 'databox-bench-activity-'));

type Entry = [number, string, string, string, Record<string, unknown>];
/** The stores' clock: the log's start while building, later the last day's evening. */
let clock = START;

/** One day of a household's audit entries (ts, actor, action, subject, details). */
function* day(d: number): Generator<Entry> {
  const t0 = START + d * DAY;
  for (let h = 0; h < 24; h++)
    for (let s = 0; s < 20; s++) {
      const from = t0 + h * 3_600_000;
      yield [
        from + 3_599_000,
        'driver:home',
        'readings.write',
        `home.s${s}.power`,
        { batches: 360, written: 360, duplicates: 0, from, to: from + 3_590_000 },
      ];
    }
  for (let run = 0; run < 48; run++)
    for (const app of ['energy-insights', 'comfort', 'solar']) {
      const t = t0 + run * 1_800_000 + 60_000;
      yield [
        t,
        `app:${app}`,
        'app.run.start',
        app,
        { run: `${d}-${run}`, trigger: 'interval', runtime: 'isolate', version: '1.0.0' },
      ];
      for (let r = 0; r < 60; r++)
        yield [
          t + r,
          `app:${app}`,
          'readings.read',
          `home.s${r % 20}.power`,
          { resolution: '30min', from: t - 90 * DAY, to: t, rows: 4320 },
        ];
      yield [t + 100, `app:${app}`, 'app.run.end', app, { run: `${d}-${run}`, status: 'ok', durationMs: 40 }];
    }
  for (let e = 0; e < 3; e++)
    yield [
      t0 + 20 * 3_600_000 + e,
      'gateway',
      'export.delivered',
      'energy-insights',
      { export: `e${d}-${e}`, destination: 'summary', url: 'https://energy-coop.example/api' },
    ];
  yield [t0 + 8 * 3_600_000, 'user', 'user.signin', '', { ok: true, client: 'abc' }];
}

/** A log of about `n` entries, valid hash chain, over as many days as it takes. */
function build(name: string, n: number): { store: Store; days: number } {
  // the datasource is created at the log's start, as the log's first entry would be
  const store = Store.open(join(work, `${name}.db`), { clock: () => clock });
  store.createDatasource(
    { id: 'home.s0.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  const insert = store.db.prepare(
    'INSERT INTO audit (seq, ts, actor, action, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  let { seq, hash } = store.audit.head();
  if (seq === 0) hash = GENESIS_HASH;
  let days = 0;
  const batch = store.db.transaction((entries: Entry[]) => {
    for (const [ts, actor, action, subject, details] of entries) {
      const json = canonicalJson(details);
      seq++;
      const next = hashEntryText(hash, canonicalEntryText(seq, ts, actor, action, subject, json));
      insert.run(seq, ts, actor, action, subject, json, hash, next);
      hash = next;
    }
  });
  // appended in time order, as a box's clock appends them
  while (seq < n) batch([...day(days++)].sort((a, b) => a[0] - b[0]));
  // a settled box: the bulk load's WAL folded into the database
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  return { store, days };
}

function timed(fn: () => unknown, runs: number): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** The naive feed: the day's entries through the audit API, grouped in JS. */
function naive(store: Store, from: number, to: number): number {
  const groups = new Map<string, number>();
  for (const e of store.audit.iterate({ since: from, until: to })) {
    const key = `${e.actor}|${e.action}|${e.subject}|${e.details.resolution ?? ''}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return groups.size;
}

const rows: BenchRow[] = [];
const small = build('small', Math.round(LARGE / 10));
const large = build('large', LARGE);
for (const [label, { store, days }] of [
  ['1/10 log', small],
  ['large log', large],
] as const) {
  const entries = store.audit.head().seq;
  const last = START + (days - 1) * DAY;
  const middle = START + Math.floor(days / 2) * DAY;
  // first views (no summary kept: a new window each time, as a first visit of the day is)
  let shift = 0;
  const first = (at: number) => () => activityFeed(store, at + ++shift, at + DAY);
  const feed = activityFeed(store, last, last + DAY);
  const ours = timed(first(last), 11);
  const mid = timed(first(middle), 11);
  // a reload of today's feed after a few more entries: only the new ones are grouped
  clock = last + 23 * 3_600_000; // appended now: in the last day's window
  activityFeed(store, last, Number.MAX_SAFE_INTEGER);
  const reloads: number[] = [];
  for (let i = 0; i < 51; i++) {
    store.audit.append({
      actor: 'driver:home',
      action: 'readings.write',
      subject: 'home.s0.power',
      details: { written: 1 },
    });
    const t = performance.now();
    activityFeed(store, last, Number.MAX_SAFE_INTEGER);
    reloads.push(performance.now() - t);
  }
  const reload = median(reloads);
  const js = timed(() => naive(store, last, last + DAY), 5);
  rows.push(
    {
      name: `${label} (${entries.toLocaleString('en')} entries): last day's feed, ${feed.entries.toLocaleString('en')} entries → ${feed.lines.length} lines`,
      value: ours,
      unit: 'ms',
      baseline: { name: 'query() + JS grouping', value: js },
      higherIsBetter: false,
      target: '< 100 ms',
    },
    { name: `${label}: a middle day's feed`, value: mid, unit: 'ms', higherIsBetter: false },
    {
      name: `${label}: reload of a kept window after one new entry`,
      value: reload,
      unit: 'ms',
      higherIsBetter: false,
      target: '< 10 ms',
    },
  );
  if (store === large.store) {
    const scan = store.db.prepare(
      "SELECT actor, action, subject, count(*) FROM audit NOT INDEXED WHERE ts >= ? AND ts < ? AND json_extract(details, '$.x') IS NULL GROUP BY actor, action, subject",
    );
    const full = timed(() => scan.all(last, last + DAY), 3);
    rows.push({
      name: `${label}: last day's feed`,
      value: ours,
      unit: 'ms',
      baseline: { name: 'GROUP BY over a full scan', value: full },
      higherIsBetter: false,
    });
  }
}
const notes = new Notifications({ store: large.store });
rows.push(
  {
    name: 'notifications list (computed)',
    value: timed(() => notes.list(), 101),
    unit: 'ms',
    higherIsBetter: false,
    target: '< 5 ms',
  },
  {
    name: 'header badge count (cached 5 s)',
    value: timed(() => notes.count(), 1001),
    unit: 'ms',
    higherIsBetter: false,
  },
);
printTable('Activity feed and notifications', rows);
small.store.close();
large.store.close();
rmSync(work, { recursive: true, force: true });
