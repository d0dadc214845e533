import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

/**
 * Recomputes a window digest (format 2) from the stored rows, written from docs/audit.md, not the
 * box's code: 16-byte records (t, v as float64 LE), chained per chunk of 256, the rest last.
 */
function digestOf(id: string, rows: Array<{ t: number; v: number }>): string {
  let d = '0'.repeat(64);
  for (let i = 0; i < rows.length; i += 256) {
    const chunk = rows.slice(i, i + 256);
    const records = Buffer.alloc(chunk.length * 16);
    chunk.forEach(({ t, v }, k) => {
      records.writeDoubleLE(t, k * 16);
      records.writeDoubleLE(v, k * 16 + 8);
    });
    d = createHash('sha256')
      .update(d, 'ascii')
      .update(id, 'utf8')
      .update(Buffer.of(0))
      .update(records)
      .digest('hex');
  }
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

  it('chains whole chunks of 256 and keeps the records between chunks across a restart', () => {
    const clock = { now: T0 + 1000 };
    const dir = mkdtempSync(join(tmpdir(), 'databox-ingest-'));
    let store = openStore(clock, dir);
    store.createDatasource({ id: 'g.temp', kind: 'temperature', unit: '°C', valueType: 'gauge' }, 'user');
    const rows = Array.from({ length: 700 }, (_, i) => ({
      t: T0 + i * 1000,
      v: i % 3 === 0 ? -0 : 20 + i / 7,
    }));
    store.writeReadings('g.temp', rows.slice(0, 200), 'driver:z');
    store.close(); // 200 records pending in the row, no chunk chained yet
    store = openStore(clock, dir);
    store.writeReadings('g.temp', rows.slice(200, 530), 'driver:z'); // crosses 256 and 512
    store.close();
    store = openStore(clock, dir);
    store.writeReadings('g.temp', rows.slice(530), 'driver:z');
    store.ingest.sealAll('flush');
    const [sealed] = store.audit.query({ action: 'readings.write', subject: 'g.temp' });
    expect(sealed.details).toMatchObject({ batches: 3, written: 700, digestFormat: 2 });
    const stored = rows.map(({ t, v }) => ({ t, v: v === 0 ? 0 : v }));
    expect(sealed.details.digest).toBe(digestOf('g.temp', stored));
    // one reading more or less, or another order, is another digest
    expect(sealed.details.digest).not.toBe(digestOf('g.temp', stored.slice(1)));
    expect(sealed.details.digest).not.toBe(digestOf('g.temp', [stored[1], stored[0], ...stored.slice(2)]));
    store.close();
  });

  it('seals a window opened by a box from before digest format 2 with its old digest, never extending it', () => {
    const clock = { now: T0 + 1000 };
    const dir = mkdtempSync(join(tmpdir(), 'databox-ingest-'));
    let store = openStore(clock, dir);
    store.createDatasource(
      { id: 'm.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    store.close();
    // the table as the box before format 2 left it, with an open window in it
    const old = 'a'.repeat(64);
    const db = new Database(join(dir, 'box.db'));
    db.exec('DROP TABLE ingest_window');
    db.exec(`CREATE TABLE ingest_window (
        id TEXT NOT NULL, actor TEXT NOT NULL, opened_at INTEGER NOT NULL, last_at INTEGER NOT NULL,
        batches INTEGER NOT NULL, written INTEGER NOT NULL, duplicates INTEGER NOT NULL,
        skipped INTEGER NOT NULL, first_t INTEGER NOT NULL, last_t INTEGER NOT NULL,
        digest TEXT NOT NULL, PRIMARY KEY (id, actor)) WITHOUT ROWID`);
    db.prepare('INSERT INTO ingest_window VALUES (?,?,?,?,?,?,?,?,?,?,?)').run(
      'm.power',
      'driver:p1',
      T0 + 500,
      T0 + 500,
      1,
      4,
      0,
      0,
      T0 - 4000,
      T0 - 1000,
      old,
    );
    db.close();
    store = openStore(clock, dir);
    store.writeReadings('m.power', [{ t: T0, v: 5 }], 'driver:p1');
    store.ingest.sealAll('flush');
    const entries = store.audit.query({ action: 'readings.write', subject: 'm.power' });
    expect(entries.map((e) => e.details)).toEqual([
      expect.objectContaining({ written: 4, digest: old, to: T0 - 1000 }),
      expect.objectContaining({
        written: 1,
        digest: digestOf('m.power', [{ t: T0, v: 5 }]),
        digestFormat: 2,
      }),
    ]);
    expect(entries[0].details).not.toHaveProperty('digestFormat');
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
