import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { readCalendar } from '../../../box/store/local-calendar.ts';
import { checkStoredDays } from '../../../box/store/local-day-check.ts';
import { Store } from '../../../box/store/store.ts';
import type { Aggregate } from '../../../box/store/types.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const STEP = 10_000;
const HOUR = 3_600_000;

type R = { t: number; v: number };

/** The naive model: every reading's local date from Intl, increments over the reading before. */
function model(readings: R[], zone: string, counter: boolean) {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const days = new Map<
    string,
    { n: number; sum: number; min: number; max: number; first: number; last: number; delta: number }
  >();
  let previous: number | undefined;
  for (const r of [...readings].sort((a, b) => a.t - b.t)) {
    const inc = previous === undefined ? 0 : r.v >= previous ? r.v - previous : r.v;
    previous = r.v;
    const k = f.format(r.t);
    const d = days.get(k);
    if (!d)
      days.set(k, { n: 1, sum: r.v, min: r.v, max: r.v, first: r.v, last: r.v, delta: counter ? inc : 0 });
    else {
      d.n++;
      d.sum += r.v;
      d.min = Math.min(d.min, r.v);
      d.max = Math.max(d.max, r.v);
      d.last = r.v;
      d.delta += inc;
    }
  }
  return { days, key: (t: number) => f.format(t) };
}

function series(from: number, to: number, skip: (t: number) => boolean = () => false): R[] {
  const out: R[] = [];
  let s = 11;
  let total = 500;
  for (let t = from; t < to; t += STEP) {
    s = (s * 1664525 + 1013904223) >>> 0;
    total += (s % 1000) / 1e6;
    if (!skip(t)) out.push({ t, v: total });
  }
  return out;
}

/** Every aggregate of every local day in `[from, to)` equals the model's, key by key. */
function expectModel(store: Store, id: string, readings: R[], zone: string, from: number, to: number) {
  const counter = store.getDatasource(id).valueType === 'counter';
  const { days, key } = model(readings, zone, counter);
  for (const aggregate of ['mean', 'sum', 'count', 'min', 'max', 'first', 'last', 'delta'] as Aggregate[]) {
    const got = readCalendar(store, id, { from, to, resolution: '1d', aggregate, timeZone: zone });
    expect(
      got.map((p) => key(p.t)),
      aggregate,
    ).toEqual([...days.keys()]);
    for (const p of got) {
      const d = days.get(key(p.t)) as NonNullable<ReturnType<typeof days.get>>;
      const want =
        aggregate === 'mean'
          ? d.sum / d.n
          : aggregate === 'count'
            ? d.n
            : aggregate === 'delta' && !counter
              ? d.last - d.first
              : d[aggregate];
      expect(p.n, `${aggregate} ${key(p.t)}`).toBe(d.n);
      // sums of the same numbers in another order: equal up to rounding (relative 1e-12)
      expect(Math.abs(p.v - want), `${aggregate} ${key(p.t)}: ${p.v} vs ${want}`).toBeLessThanOrEqual(
        1e-12 * Math.max(1, Math.abs(want)),
      );
    }
  }
}

const storedDays = (store: Store) =>
  (store.db.prepare('SELECT count(*) FROM local_days').pluck().get() as number) ?? 0;

const CASES = [
  // 2026-10-25 has 25 hours in Amsterdam, 2026-03-29 has 23
  { zone: 'Europe/Amsterdam', from: Date.UTC(2026, 9, 23), days: 4, late: Date.UTC(2026, 9, 25, 1, 30) },
  { zone: 'Europe/Amsterdam', from: Date.UTC(2026, 2, 27), days: 4, late: Date.UTC(2026, 2, 29, 0, 30) },
  { zone: 'Asia/Kolkata', from: Date.UTC(2026, 4, 1), days: 4, late: Date.UTC(2026, 4, 2, 18, 20) },
  { zone: 'Asia/Kathmandu', from: Date.UTC(2026, 4, 1), days: 4, late: Date.UTC(2026, 4, 2, 18, 10) },
] as const;

describe('stored local days stay exact (real SQLite file, 10 s readings, a naive model)', () => {
  for (const c of CASES) {
    it(`${c.zone} from ${new Date(c.from).toISOString().slice(0, 10)}: stored, then a late reading, a backfill across midnight, an erasure, retention`, () => {
      const to = c.from + c.days * 86_400_000;
      let now = to + 3 * 86_400_000; // every day closed
      const store = Store.open(join(tempDir(), 'databox.db'), { clock: () => now });
      store.createDatasource(
        { id: 'e', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
        'user',
      );
      store.createDatasource(
        { id: 'p', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
        'user',
      );
      // a gap of two hours around the local midnight after `late`, and one missing reading at `late`
      const { key } = model([], c.zone, false);
      const midnight = (() => {
        let t = c.late;
        while (key(t) === key(c.late)) t += 60_000;
        return t;
      })();
      const gap = (t: number) => t === c.late || (t >= midnight - HOUR && t < midnight + HOUR);
      let energy = series(c.from, to, gap);
      let power = energy.map((r) => ({ t: r.t, v: Math.round(r.v * 7) % 900 }));
      store.writeReadings('e', energy, 'user');
      store.writeReadings('p', power, 'user');
      expectModel(store, 'e', energy, c.zone, c.from, to);
      expectModel(store, 'p', power, c.zone, c.from, to);
      // every local day touching the window is stored once read (two sources)
      expect(storedDays(store)).toBe(2 * (c.days + 1));
      // read again: served from the stored days, still the model
      expectModel(store, 'e', energy, c.zone, c.from, to);

      // a late reading into a closed day (a driver's backlog)
      const late = { t: c.late, v: energy.find((r) => r.t > c.late)?.v as number };
      store.writeReadings('e', [{ t: late.t, v: late.v - 0.0001 }], 'driver:p1');
      energy = [...energy, { t: late.t, v: late.v - 0.0001 }];
      expectModel(store, 'e', energy, c.zone, c.from, to);

      // a backfill into the gap: the first reading after midnight gets a new increment, so the
      // stored day after the one written to must go too
      const fill = series(c.from, to).filter((r) => r.t >= midnight - HOUR && r.t < midnight - HOUR / 2);
      store.writeReadings('e', fill, 'driver:octopus');
      energy = [...energy, ...fill];
      expectModel(store, 'e', energy, c.zone, c.from, to);

      // an erasure inside a closed day (and of the power gauge's whole first local day)
      const eraseFrom = c.late - 6 * HOUR;
      store.erase('e', eraseFrom, eraseFrom + 2 * HOUR, 'user');
      energy = energy.filter((r) => r.t < eraseFrom || r.t >= eraseFrom + 2 * HOUR);
      expectModel(store, 'e', energy, c.zone, c.from, to);
      store.erase('p', c.from, c.from + 30 * HOUR, 'user');
      power = power.filter((r) => r.t >= c.from + 30 * HOUR);
      expectModel(store, 'p', power, c.zone, c.from, to);

      // retention drops raw rows only: the stored days still say what the rollups say
      store.updateDatasource('p', { retention: { raw: 'P1D' } }, 'user');
      expect(store.applyRetention().length).toBe(1);
      expectModel(store, 'p', power, c.zone, c.from, to);
      now = to; // nothing changes when time moves back either: stored days are by content
      expectModel(store, 'e', energy, c.zone, c.from, to);
      // and what databox check re-merges agrees with every stored day
      for (const id of ['e', 'p']) expect(checkStoredDays(store.db, store.catalogue.get(id).sid)).toEqual([]);
      store.close();
    });
  }

  it('the day still filling is never stored, and shows each new reading', () => {
    const from = Date.UTC(2026, 9, 24, 22); // 00:00 CEST
    let now = from + 30 * HOUR;
    const store = Store.open(join(tempDir(), 'databox.db'), { clock: () => now });
    store.createDatasource(
      { id: 'p', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    const readings = series(from, now);
    store.writeReadings('p', readings, 'user');
    const q = { from, to: now, resolution: '1d', aggregate: 'count', timeZone: 'Europe/Amsterdam' } as const;
    expect(readCalendar(store, 'p', q).map((p) => p.v)).toEqual([25 * 360, 5 * 360]);
    const stored = store.db.prepare('SELECT start, end FROM local_days').raw().all();
    // only the closed (25-hour) day
    expect(stored).toEqual([[from, from + 25 * HOUR]]);
    store.writeReadings('p', [{ t: now, v: 1 }], 'user');
    now += STEP;
    expect(readCalendar(store, 'p', q).map((p) => p.v)).toEqual([25 * 360, 5 * 360 + 1]);
    store.close();
  });

  it("a stored day whose bounds are no longer the zone's (a tzdata change) is not used", () => {
    const from = Date.UTC(2026, 4, 1, 18, 15); // 00:00 in Kathmandu
    const store = Store.open(join(tempDir(), 'databox.db'));
    store.createDatasource(
      { id: 'p', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    const readings = series(from, from + 2 * 86_400_000);
    store.writeReadings('p', readings, 'user');
    expectModel(store, 'p', readings, 'Asia/Kathmandu', from, from + 2 * 86_400_000);
    // as if an older tzdata had stored the day with other bounds and other contents
    store.db.prepare('UPDATE local_days SET end = end - 900000, n = 1, sum = 1e9').run();
    expectModel(store, 'p', readings, 'Asia/Kathmandu', from, from + 2 * 86_400_000);
    store.close();
  });

  it('a deleted datasource leaves no stored days for the next one to inherit', () => {
    const from = Date.UTC(2026, 4, 1);
    const store = Store.open(join(tempDir(), 'databox.db'));
    store.createDatasource(
      { id: 'p', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    store.writeReadings('p', series(from, from + 2 * 86_400_000), 'user');
    readCalendar(store, 'p', {
      from,
      to: from + 2 * 86_400_000,
      resolution: '1d',
      aggregate: 'sum',
      timeZone: 'Asia/Kolkata',
    });
    expect(storedDays(store)).toBeGreaterThan(0);
    store.deleteDatasource('p', 'user');
    expect(storedDays(store)).toBe(0);
    store.createDatasource(
      { id: 'q', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    const readings = series(from + 86_400_000, from + 2 * 86_400_000);
    store.writeReadings('q', readings, 'user');
    expectModel(store, 'q', readings, 'Asia/Kolkata', from, from + 2 * 86_400_000);
    store.close();
  });

  it('databox check names a stored day that no longer matches its rollups', () => {
    const from = Date.UTC(2026, 4, 1);
    const store = Store.open(join(tempDir(), 'databox.db'));
    store.createDatasource(
      { id: 'p', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    store.writeReadings('p', series(from, from + 3 * 86_400_000), 'user');
    readCalendar(store, 'p', {
      from,
      to: from + 3 * 86_400_000,
      resolution: '1d',
      aggregate: 'max',
      timeZone: 'Asia/Kathmandu',
    });
    const sid = store.catalogue.get('p').sid;
    expect(checkStoredDays(store.db, sid)).toEqual([]);
    // a write that went around the store (no invalidation): the check must see it
    store.db.prepare('UPDATE local_days SET max = max + 1 WHERE start = ?').run(Date.UTC(2026, 4, 1, 18, 15));
    expect(checkStoredDays(store.db, sid)).toMatchObject([
      {
        zone: 'Asia/Kathmandu',
        start: Date.UTC(2026, 4, 1, 18, 15),
        end: Date.UTC(2026, 4, 2, 18, 15),
        field: 'max',
      },
    ]);
    store.close();
  });

  it('a read while another process holds the write lock neither waits nor stores, and is still right', () => {
    const from = Date.UTC(2026, 9, 23);
    const to = from + 4 * 86_400_000;
    const file = join(tempDir(), 'databox.db');
    const store = Store.open(file);
    store.createDatasource(
      { id: 'p', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    const readings = series(from, to);
    store.writeReadings('p', readings, 'user');
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE'); // a CLI import in the middle of its transaction
    const started = performance.now();
    expectModel(store, 'p', readings, 'Europe/Amsterdam', from, to);
    expect(performance.now() - started).toBeLessThan(5_000); // the busy timeout is 10 s
    expect(storedDays(store)).toBe(0);
    other.exec('COMMIT');
    other.close();
    expectModel(store, 'p', readings, 'Europe/Amsterdam', from, to);
    expect(storedDays(store)).toBe(5);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(10_000);
    store.close();
  });
});
