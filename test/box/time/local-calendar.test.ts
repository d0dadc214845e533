import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCalendar } from '../../../box/store/local-calendar.ts';
import { Store } from '../../../box/store/store.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const STEP = 10_000;

/** The naive model: each reading's local date, straight from Intl (no offsets, no rollups). */
function localDate(zone: string) {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  return (t: number) => f.format(t); // YYYY-MM-DD
}

function isoWeekKey(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const day = Date.UTC(y, m - 1, d) / 86_400_000;
  const monday = day - ((((day + 3) % 7) + 7) % 7);
  return new Date(monday * 86_400_000).toISOString().slice(0, 10);
}

interface Bucket {
  n: number;
  sum: number;
  min: number;
  max: number;
  first: number;
  last: number;
  delta: number;
}

/** Groups readings by `key`, in time order, as the box should. */
function naive(readings: Array<{ t: number; v: number }>, key: (t: number) => string, counter: boolean) {
  const out = new Map<string, Bucket>();
  let previous: number | undefined;
  for (const r of readings) {
    const k = key(r.t);
    const inc = previous === undefined ? 0 : r.v >= previous ? r.v - previous : r.v;
    previous = r.v;
    const b = out.get(k);
    if (!b)
      out.set(k, { n: 1, sum: r.v, min: r.v, max: r.v, first: r.v, last: r.v, delta: counter ? inc : 0 });
    else {
      b.n++;
      b.sum += r.v;
      b.min = Math.min(b.min, r.v);
      b.max = Math.max(b.max, r.v);
      b.last = r.v;
      b.delta += inc;
    }
  }
  return out;
}

/** 10 s readings of a house's power over [from, to): a daily shape plus noise, seeded. */
function power(from: number, to: number) {
  let s = 7;
  const readings: Array<{ t: number; v: number }> = [];
  for (let t = from; t < to; t += STEP) {
    s = (s * 1664525 + 1013904223) >>> 0;
    readings.push({ t, v: Math.round(300 + 200 * Math.sin(t / 3_600_000) + (s % 100)) });
  }
  return readings;
}

const CASES = [
  // the clocks go back on 2026-10-25: a 25-hour day; forward on 2026-03-29: 23 hours
  {
    zone: 'Europe/Amsterdam',
    from: Date.UTC(2026, 9, 22),
    to: Date.UTC(2026, 9, 28),
    hours: { '2026-10-25': 25 },
  },
  {
    zone: 'Europe/Amsterdam',
    from: Date.UTC(2026, 2, 27),
    to: Date.UTC(2026, 2, 31),
    hours: { '2026-03-29': 23 },
  },
  { zone: 'Asia/Kolkata', from: Date.UTC(2026, 4, 1), to: Date.UTC(2026, 4, 5), hours: {} },
  { zone: 'Asia/Kathmandu', from: Date.UTC(2026, 4, 1), to: Date.UTC(2026, 4, 5), hours: {} },
] as const;

describe('local-calendar reads from the stored rollups', () => {
  for (const c of CASES) {
    it(`${c.zone}: local days from 10 s data equal a naive per-reading model (${new Date(c.from).toISOString().slice(0, 10)})`, () => {
      const store = Store.open(join(tempDir(), 'databox.db'));
      store.createDatasource(
        { id: 'p', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
        'user',
      );
      store.createDatasource(
        { id: 'e', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
        'user',
      );
      const readings = power(c.from, c.to);
      let total = 1000;
      const energy = readings.map((r, i) => {
        total += (r.v * STEP) / 3_600_000_000;
        // a meter reset in the middle: the box counts the new value, never a negative
        if (i === Math.floor(readings.length / 2)) total = 0.5;
        return { t: r.t, v: total };
      });
      for (let i = 0; i < readings.length; i += 5000) {
        store.writeReadings('p', readings.slice(i, i + 5000), 'user');
        store.writeReadings('e', energy.slice(i, i + 5000), 'user');
      }
      const key = localDate(c.zone);
      const model = naive(readings, key, false);
      const energyModel = naive(energy, key, true);
      const q = { from: c.from, to: c.to, resolution: '1d', timeZone: c.zone } as const;
      const days = readCalendar(store, 'p', { ...q, aggregate: 'mean' });
      // the first and last local days are partial (the data starts and ends at UTC midnight)
      expect(days.map((d) => key(d.t))).toEqual([...model.keys()]);
      for (const d of days) {
        const m = model.get(key(d.t)) as Bucket;
        expect(d.n).toBe(m.n);
        expect(d.v).toBeCloseTo(m.sum / m.n, 9);
        // each bucket starts at a local midnight
        expect(new Intl.DateTimeFormat('en-GB', { timeZone: c.zone, timeStyle: 'short' }).format(d.t)).toBe(
          '00:00',
        );
      }
      for (const [day, hours] of Object.entries(c.hours)) {
        const d = days.find((p) => key(p.t) === day);
        expect(d?.n, `${day} has ${hours} hours of 10 s readings`).toBe((hours * 3600) / 10);
      }
      for (const agg of ['sum', 'min', 'max', 'first', 'last', 'count'] as const) {
        const got = readCalendar(store, 'p', { ...q, aggregate: agg }).map((p) => [key(p.t), p.v]);
        const want = [...model].map(([k, b]) => [k, agg === 'count' ? b.n : b[agg]]);
        expect(got, agg).toEqual(want);
      }
      const kwh = readCalendar(store, 'e', { ...q, aggregate: 'delta' });
      const want = [...energyModel].map(([k, b]) => [k, b.delta]);
      expect(kwh.length).toBe(want.length);
      kwh.forEach((p, i) => {
        expect(key(p.t)).toBe(want[i][0]);
        expect(p.v).toBeCloseTo(want[i][1] as number, 9);
      });
      // weeks (ISO, from Monday) and months merge the same days
      const weeks = naive(readings, (t) => isoWeekKey(key(t)), false);
      const gotWeeks = readCalendar(store, 'p', { ...q, resolution: '1w', aggregate: 'sum' });
      expect(gotWeeks.map((p) => [key(p.t), p.v])).toEqual([...weeks].map(([k, b]) => [k, b.sum]));
      const months = naive(readings, (t) => key(t).slice(0, 7), false);
      const gotMonths = readCalendar(store, 'p', { ...q, resolution: '1mo', aggregate: 'max' });
      expect(gotMonths.map((p) => [key(p.t).slice(0, 7), p.v])).toEqual(
        [...months].map(([k, b]) => [k, b.max]),
      );
      store.close();
    });
  }

  it('refuses an unknown zone and a non-numeric datasource, naming what was wrong', () => {
    const store = Store.open(join(tempDir(), 'databox.db'));
    store.createDatasource({ id: 'p', kind: 'power', unit: 'W', valueType: 'gauge' }, 'user');
    store.createDatasource({ id: 'ev', kind: 'door', unit: '', valueType: 'event' }, 'user');
    const q = { from: 0, to: 86_400_000, resolution: '1d', aggregate: 'mean' } as const;
    expect(() => readCalendar(store, 'p', { ...q, timeZone: 'Mars/Olympus' })).toThrow(/Mars\/Olympus.*IANA/);
    expect(() => readCalendar(store, 'ev', { ...q, timeZone: 'UTC' })).toThrow(/event values/);
    store.close();
  });

  it('UTC local days are the stored 1d buckets', () => {
    const store = Store.open(join(tempDir(), 'databox.db'));
    store.createDatasource({ id: 'p', kind: 'power', unit: 'W', valueType: 'gauge' }, 'user');
    const from = Date.UTC(2026, 0, 1);
    store.writeReadings('p', power(from, from + 3 * 86_400_000), 'user');
    const q = { from, to: from + 3 * 86_400_000, aggregate: 'mean' } as const;
    expect(readCalendar(store, 'p', { ...q, resolution: '1d', timeZone: 'UTC' })).toEqual(
      store.read('p', { ...q, resolution: '1d' }),
    );
    store.close();
  });
});
