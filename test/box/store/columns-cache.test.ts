import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHUNK_BUCKETS } from '../../../box/store/rollup-columns.ts';
import { Store } from '../../../box/store/store.ts';
import type { Aggregate } from '../../../box/store/types.ts';
import { referenceBuckets } from '../../helpers/reference-rollups.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const SPAN = CHUNK_BUCKETS * MIN; // one cached chunk at 1 min (17 h 4 min)
const TO = T0 + 6 * DAY;

type Reading = { t: number; v: number };
/** Six days every 20 s (integer values: sums are exact in any order), with a few gaps. */
function series(): Reading[] {
  const out: Reading[] = [];
  for (let t = T0; t < TO; t += 20_000) {
    // gaps: an hour inside a chunk and the minutes either side of a chunk boundary
    const inGap =
      (t >= T0 + DAY + 3_600_000 && t < T0 + DAY + 7_200_000) ||
      Math.abs(t - Math.ceil((T0 + 3 * DAY) / SPAN) * SPAN) < 3 * MIN;
    if (!inGap) out.push({ t, v: ((t / 20_000) * 37) % 4001 });
  }
  return out;
}

/** What the naive model says a read at 1 min must answer, as `[t, v, n]`. */
function model(readings: Reading[], aggregate: Aggregate, counter: boolean): Array<[number, number, number]> {
  return referenceBuckets(readings, MIN, counter)
    .filter((b) => b.t < TO)
    .map((b) => {
      const v = {
        mean: b.sum / b.n,
        sum: b.sum,
        count: b.n,
        min: b.min,
        max: b.max,
        first: b.first,
        last: b.last,
        delta: counter ? b.delta : b.last - b.first,
      }[aggregate];
      return [b.t, v, b.n];
    });
}

/** The store's columns answer decoded to `[t, v, n]`. */
function columns(store: Store, id: string, aggregate: Aggregate): Array<[number, number, number]> {
  const c = store.readColumns(id, { from: T0, to: TO, resolution: '1min', aggregate });
  const v = JSON.parse(`[${c.v}]`) as number[];
  const n = JSON.parse(`[${c.n}]`) as number[];
  const t = c.t ? (JSON.parse(`[${c.t}]`) as number[]) : v.map((_, i) => (c.first as number) + i * MIN);
  expect(c.count).toBe(v.length);
  return v.map((value, i) => [t[i], value, n[i]]);
}

let file: string;
let store: Store;
let data: Reading[];
beforeEach(() => {
  file = join(tempDir(), 'databox.db');
  store = Store.open(file, { clock: () => TO + DAY });
  store.createDatasource({ id: 'g', kind: 'power', unit: 'W', valueType: 'gauge' }, 'user');
  data = series();
  for (let i = 0; i < data.length; i += 5000) store.writeReadings('g', data.slice(i, i + 5000), 'user');
});
afterEach(() => store.close());

describe('the columns cache (closed rollup chunks of a format=columns read)', () => {
  it('answers the naive model, from the cache on the second read, for every aggregate, gaps included', () => {
    for (const aggregate of ['mean', 'min', 'max', 'count', 'first', 'last', 'delta'] as const) {
      const want = model(data, aggregate, false);
      expect(columns(store, 'g', aggregate), aggregate).toEqual(want);
      expect(store.columnsCache.size).toBeGreaterThan(0);
      expect(columns(store, 'g', aggregate), `${aggregate} cached`).toEqual(want);
    }
    // the gaps make it irregular: the t column is rebuilt across cached and uncached parts
    expect(
      store.readColumns('g', { from: T0, to: TO, resolution: '1min', aggregate: 'mean' }).t,
    ).toBeDefined();
  });

  it('caches only chunks that ended before now, and still answers exactly when now is inside the read', () => {
    const mid = Store.open(file, { clock: () => T0 + 2 * DAY });
    try {
      expect(columns(mid, 'g', 'mean')).toEqual(model(data, 'mean', false));
      expect(mid.columnsCache.size).toBeGreaterThan(0);
      // a chunk of the morning after "now" is read from SQLite: a write there is seen
      const late = { t: T0 + 2 * DAY + 5 * 3_600_000 + 7_000, v: 99_999 };
      mid.writeReadings('g', [late], 'user');
      expect(columns(mid, 'g', 'max')).toEqual(model([...data, late], 'max', false));
    } finally {
      mid.close();
    }
  });

  it('sees a late reading written into a cached chunk (dropped in the write)', () => {
    columns(store, 'g', 'mean');
    const late = { t: T0 + DAY + 5_000, v: 123_456 };
    store.writeReadings('g', [late], 'user');
    expect(columns(store, 'g', 'mean')).toEqual(model([...data, late], 'mean', false));
  });

  it("sees a counter's changed increment in the next chunk after a late reading at a chunk's end", () => {
    store.createDatasource({ id: 'c', kind: 'energy', unit: 'kWh', valueType: 'counter' }, 'user');
    const boundary = Math.ceil((T0 + 2 * DAY) / SPAN) * SPAN;
    // a reading every 10 min with a hole of 40 min straddling a chunk boundary
    const meter = [] as Reading[];
    for (let t = T0, v = 0; t < TO; t += 10 * MIN, v += 3)
      if (t < boundary - 20 * MIN || t >= boundary + 20 * MIN) meter.push({ t, v });
    store.writeReadings('c', meter, 'user');
    expect(columns(store, 'c', 'delta')).toEqual(model(meter, 'delta', true));
    // a late reading just before the boundary takes most of the next reading's increment
    const late = { t: boundary - MIN, v: meter.find((r) => r.t > boundary)?.v as number };
    store.writeReadings('c', [late], 'user');
    expect(columns(store, 'c', 'delta')).toEqual(model([...meter, late], 'delta', true));
  });

  it('sees an erasure inside cached chunks', () => {
    columns(store, 'g', 'sum');
    store.erase('g', T0 + 2 * DAY, T0 + 2 * DAY + 3_600_000, 'user');
    const kept = data.filter((r) => r.t < T0 + 2 * DAY || r.t >= T0 + 2 * DAY + 3_600_000);
    expect(columns(store, 'g', 'sum')).toEqual(model(kept, 'sum', false));
  });

  it('sees a write committed by another connection to the same file (the CLI beside the daemon)', () => {
    columns(store, 'g', 'mean');
    const other = Store.open(file, { clock: () => TO + DAY });
    const late = { t: T0 + 3 * DAY + 30_001, v: 7 };
    try {
      other.writeReadings('g', [late], 'user');
    } finally {
      other.close();
    }
    expect(columns(store, 'g', 'mean')).toEqual(model([...data, late], 'mean', false));
  });

  it('keeps nothing of a write that rolled back, even when it was read inside its transaction', () => {
    columns(store, 'g', 'mean');
    const late = { t: T0 + DAY + 5_000, v: 123_456 };
    expect(() =>
      store.transaction(() => {
        store.writeReadings('g', [late], 'user');
        expect(columns(store, 'g', 'mean')).toEqual(model([...data, late], 'mean', false));
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(columns(store, 'g', 'mean')).toEqual(model(data, 'mean', false));
  });

  it('forgets a deleted datasource, whose number a new one may reuse', () => {
    store.createDatasource({ id: 'x', kind: 'power', unit: 'W', valueType: 'gauge' }, 'user');
    store.writeReadings('x', data, 'user');
    columns(store, 'x', 'mean');
    store.deleteDatasource('x', 'user');
    store.createDatasource({ id: 'x', kind: 'power', unit: 'W', valueType: 'gauge' }, 'user');
    // the new one's readings start later: its writes alone would not drop the old chunks
    const other = data.filter((r) => r.t >= T0 + 5 * DAY).map((r) => ({ t: r.t, v: r.v + 1 }));
    store.writeReadings('x', other, 'user');
    expect(columns(store, 'x', 'mean')).toEqual(model(other, 'mean', false));
  });
});
