/**
 * The activity feed's first view of a past day after a restart (issue 12, point 8): the day
 * grouped from the audit trail (`read`) against its summary kept in the store (`stored`), each
 * on a freshly opened database so no process memory helps. Run: `node --import tsx
 * bench/activity-stored-days.ts` (`BENCH_DAY_ENTRIES=…`, default 100,000 entries in the day).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activityGroups } from '../box/activity/activity-groups.ts';
import { Store } from '../box/store/store.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 9, 25);
const ENTRIES = Number(process.env.BENCH_DAY_ENTRIES ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'databox-bench-activity-days-'));
const path = join(dir, 'databox.db');
let now = T0;
const open = () => Store.open(path, { clock: () => now });
let store = open();
store.db.transaction(() => {
  for (let i = 0; i < ENTRIES; i++) {
    now = T0 + Math.floor((i * DAY) / ENTRIES);
    store.audit.append({
      actor: `driver:d${i % 20}`,
      action: 'readings.write',
      subject: `s${i % 20}`,
      details: { written: 10 },
    });
  }
})();
now = T0 + DAY + 1; // the day is over
store.close();

const time = (f: () => void) => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
store = open();
activityGroups(store.db, T0, T0 + DAY, undefined, now); // the first view: kept in the store
store.close();
const rows: string[] = [];
for (let round = 0; round < 3; round++) {
  store = open();
  // without `now` nothing is stored or used: the cost before stored summaries
  const read = time(() => activityGroups(store.db, T0, T0 + DAY));
  store.close();
  store = open();
  let source = '';
  const stored = time(() => {
    source = activityGroups(store.db, T0, T0 + DAY, undefined, now).source;
  });
  store.close();
  rows.push(
    `| ${round} | ${ENTRIES.toLocaleString('en-GB')} | ${read.toFixed(1)} | ${stored.toFixed(1)} (${source}) | ${(read / stored).toFixed(1)}× |`,
  );
}
console.log('| round | entries in the day | read (ms) | stored (ms) | read / stored |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(row);
rmSync(dir, { recursive: true, force: true });
