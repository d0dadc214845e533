import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOUR_WINDOW_MS } from '../../../box/audit/ingest-window.ts';
import { Store } from '../../../box/store/store.ts';

const T0 = Date.UTC(2026, 2, 1);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function openStore(clock: { now: number }, dir = mkdtempSync(join(tmpdir(), 'databox-ingest-'))): Store {
  dirs.push(dir);
  return Store.open(join(dir, 'box.db'), { clock: () => clock.now, ingestWindowMs: HOUR_WINDOW_MS });
}

/** Recomputes a window digest from the stored rows, written from the docs (not the box's code). */
function digestOf(id: string, rows: Array<{ t: number; v: number }>): string {
  let d = '0'.repeat(64);
  for (const { t, v } of rows)
    d = createHash('sha256').update(`${d}["${id}",${t},${v}]`, 'utf8').digest('hex');
  return d;
}

describe('ingest windows', () => {
  it('audits a simulated day of a 20-source household in at most 20 × 24 entries, each with an exact digest', () => {
    const clock = { now: T0 };
    const store = openStore(clock);
    const ids = Array.from({ length: 20 }, (_, i) => `house.s${i}`);
    for (const id of ids)
      store.createDatasource({ id, kind: 'temperature', unit: 'C', valueType: 'gauge' }, 'user');
    const created = store.audit.head().seq;
    const STEP = 60_000;
    let batches = 0;
    for (let t = T0; t < T0 + 86_400_000; t += STEP) {
      clock.now = t + 50;
      // one driver flush per step: every source in one transaction, as drivers do
      store.writeMany(
        ids.map((id, i) => ({ id, readings: [{ t, v: Math.round(((t / STEP) % 97) * 10 + i) / 10 }] })),
        'driver:sim',
      );
      batches += ids.length;
      store.ingest.sealDue(clock.now);
    }
    clock.now = T0 + 86_400_000 + 1000;
    store.ingest.sealDue(clock.now);
    const writes = store.audit.query({ action: 'readings.write' });
    expect(batches).toBe(20 * 1440);
    expect(writes.length).toBeLessThanOrEqual(20 * 24);
    expect(writes.length).toBe(20 * 24);
    expect(store.ingest.pending()).toEqual([]);
    expect(store.audit.head().seq - created).toBe(writes.length);
    expect(writes.reduce((s, e) => s + Number(e.details.written), 0)).toBe(20 * 1440);
    // every window's digest matches the rows stored in its time range
    for (const e of writes.filter((w) => w.subject === 'house.s7')) {
      const rows = store.read('house.s7', {
        from: Number(e.details.from),
        to: Number(e.details.to) + 1,
        resolution: 'raw',
        aggregate: 'mean',
      }) as Array<{ t: number; v: number }>;
      expect(rows).toHaveLength(60);
      expect(e.details.digest).toBe(digestOf('house.s7', rows));
      expect(e.details).toMatchObject({ batches: 60, written: 60, duplicates: 0, sealed: 'closed' });
    }
    expect(store.audit.verify().ok).toBe(true);
    store.close();
  });

  it('keeps an open window across a restart and seals it when its hour is over; duplicates are not digested', () => {
    const clock = { now: T0 + 1000 };
    const dir = mkdtempSync(join(tmpdir(), 'databox-ingest-'));
    let store = openStore(clock, dir);
    store.createDatasource(
      { id: 'm.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    store.writeReadings(
      'm.power',
      [
        { t: T0, v: 1.5 },
        { t: T0 + 1, v: 2 },
      ],
      'driver:p1',
    );
    store.close(); // as after a crash: nothing sealed, the row is in the file
    store = openStore(clock, dir);
    expect(store.audit.query({ action: 'readings.write' })).toEqual([]);
    expect(store.ingest.pending()).toMatchObject([{ id: 'm.power', written: 2, batches: 1 }]);
    clock.now = T0 + 2000;
    store.writeReadings(
      'm.power',
      [
        { t: T0 + 1, v: 9 },
        { t: T0 + 2, v: 3 },
      ],
      'driver:p1',
    );
    clock.now = T0 + HOUR_WINDOW_MS;
    store.writeReadings('m.power', [{ t: T0 + HOUR_WINDOW_MS, v: 4 }], 'driver:p1');
    const [sealed] = store.audit.query({ action: 'readings.write' });
    expect(sealed.details).toMatchObject({ batches: 2, written: 3, duplicates: 1, from: T0, to: T0 + 2 });
    expect(sealed.details.digest).toBe(
      digestOf('m.power', [
        { t: T0, v: 1.5 },
        { t: T0 + 1, v: 2 },
        { t: T0 + 2, v: 3 },
      ]),
    );
    // erasing seals the window first, so the chain shows the write before its erasure
    store.erase('m.power', T0, T0 + 2 * HOUR_WINDOW_MS, 'user');
    expect(
      store.audit.query({ action: 'readings.*' }).map((e) => [e.action, e.details.sealed ?? null]),
    ).toEqual([
      ['readings.write', 'closed'],
      ['readings.write', 'erase'],
      ['readings.erase', null],
    ]);
    store.close();
  });

  it('tells the scheduler which sources were written since its cursor, whether or not a window sealed', () => {
    const clock = { now: T0 };
    const store = openStore(clock);
    store.createDatasource({ id: 'a', kind: 'temperature', unit: 'C', valueType: 'gauge' }, 'user');
    store.createDatasource({ id: 'b', kind: 'temperature', unit: 'C', valueType: 'gauge' }, 'user');
    const start = store.ingest.changedSince(0);
    store.writeReadings('a', [{ t: T0, v: 1 }], 'user');
    const first = store.ingest.changedSince(start.cursor);
    expect(first.ids).toEqual(['a']);
    expect(store.ingest.changedSince(first.cursor).ids).toEqual([]);
    store.writeReadings('b', [{ t: T0, v: 1 }], 'user');
    store.writeReadings('a', [{ t: T0 + 1, v: 1 }], 'user');
    expect(store.ingest.changedSince(first.cursor).ids.sort()).toEqual(['a', 'b']);
    store.close();
  });
});
