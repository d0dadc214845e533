import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRollups } from '../../../box/store/consistency.ts';
import { Store } from '../../../box/store/store.ts';
import { RESOLUTION_MS, RESOLUTIONS } from '../../../box/store/types.ts';
import { dedupeFirstWins, referenceBuckets } from '../../helpers/reference-rollups.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const T0 = Date.UTC(2026, 0, 1);

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function openStore() {
  return Store.open(join(tempDir(), 'databox.db'));
}

function expectMatchesReference(
  store: Store,
  id: string,
  all: Array<{ t: number; v: number }>,
  counter: boolean,
) {
  for (const resolution of RESOLUTIONS) {
    const ref = referenceBuckets(all, RESOLUTION_MS[resolution], counter);
    const q = { from: 0, to: T0 + 10 * 86_400_000, resolution };
    const pick = (agg: 'count' | 'sum' | 'min' | 'max' | 'first' | 'last' | 'delta' | 'mean') =>
      store.read(id, { ...q, aggregate: agg }).map((p) => [p.t, p.v]);
    expect(pick('count'), `${resolution} count`).toEqual(ref.map((b) => [b.t, b.n]));
    expect(pick('min')).toEqual(ref.map((b) => [b.t, b.min]));
    expect(pick('max')).toEqual(ref.map((b) => [b.t, b.max]));
    expect(pick('first')).toEqual(ref.map((b) => [b.t, b.first]));
    expect(pick('last')).toEqual(ref.map((b) => [b.t, b.last]));
    const sums = pick('sum');
    ref.forEach((b, i) => {
      expect(sums[i][1]).toBeCloseTo(b.sum, 6);
    });
    const means = pick('mean');
    ref.forEach((b, i) => {
      expect(means[i][1]).toBeCloseTo(b.sum / b.n, 6);
    });
    if (counter) {
      const deltas = pick('delta');
      ref.forEach((b, i) => {
        expect(deltas[i][1], `${resolution} delta @${b.t}`).toBeCloseTo(b.delta, 6);
      });
    }
  }
}

describe('rollups', () => {
  it('match a naive recomputation for in-order gauge batches', () => {
    const store = openStore();
    store.createDatasource(
      { id: 'power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    const rand = seeded(1);
    const all: Array<{ t: number; v: number }> = [];
    for (let batch = 0; batch < 5; batch++) {
      const readings = Array.from({ length: 2000 }, (_, i) => ({
        t: T0 + (batch * 2000 + i) * 7_000,
        v: Math.round(rand() * 3000 * 100) / 100,
      }));
      expect(store.writeReadings('power', readings, 'user')).toEqual({ written: 2000, duplicates: 0 });
      all.push(...readings);
    }
    expectMatchesReference(store, 'power', all, false);
    expect(checkRollups(store.db, store.catalogue.get('power'))).toEqual([]);
    store.close();
  });

  it('stay exact with out-of-order batches and duplicate timestamps (first write wins)', () => {
    const store = openStore();
    store.createDatasource({ id: 'temp', kind: 'temperature', unit: '°C', valueType: 'gauge' }, 'user');
    const rand = seeded(2);
    const batches: Array<Array<{ t: number; v: number }>> = [];
    for (let b = 0; b < 8; b++) {
      batches.push(
        Array.from({ length: 500 }, () => ({
          t: T0 + Math.floor(rand() * 3 * 86_400) * 1000,
          v: Math.round((15 + rand() * 10) * 10) / 10,
        })),
      );
    }
    // resend an earlier batch with other values: all duplicates, nothing may change
    batches.push(batches[2].map((r) => ({ t: r.t, v: r.v + 100 })));
    let written = 0;
    let duplicates = 0;
    for (const batch of batches) {
      const result = store.writeReadings('temp', batch, 'user');
      written += result.written;
      duplicates += result.duplicates;
    }
    const expected = dedupeFirstWins(batches);
    expect(written).toBe(expected.length);
    expect(duplicates).toBe(batches.flat().length - expected.length);
    expect(
      store.read('temp', {
        from: 0,
        to: T0 + 4 * 86_400_000,
        resolution: 'raw',
        aggregate: 'mean',
        limit: 100_000,
      }),
    ).toEqual(expected);
    expectMatchesReference(store, 'temp', expected, false);
    expect(checkRollups(store.db, store.catalogue.get('temp'))).toEqual([]);
    store.close();
  });

  it('aggregate counters as deltas, treating a fall as a meter reset, in any arrival order', () => {
    const store = openStore();
    store.createDatasource(
      { id: 'energy', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
      'user',
    );
    // a meter counting up 0.01 kWh per 10 s, reset to 0 at reading 3000 (like Tasmota's EnergyTotal 0)
    const series = Array.from({ length: 6000 }, (_, i) => ({
      t: T0 + i * 10_000,
      v: Math.round((i < 3000 ? 1066 + i * 0.01 : (i - 3000) * 0.01) * 1000) / 1000,
    }));
    const rand = seeded(3);
    const shuffled = [...series].sort(() => rand() - 0.5);
    for (let i = 0; i < shuffled.length; i += 700)
      store.writeReadings('energy', shuffled.slice(i, i + 700), 'user');
    expectMatchesReference(store, 'energy', series, true);
    const [day] = store.read('energy', {
      from: T0,
      to: T0 + 86_400_000,
      resolution: '1d',
      aggregate: 'delta',
    });
    // 2999 steps of 0.01 before the reset, the reset reading itself (0), 2999 steps after
    expect(day.v).toBeCloseTo(59.98, 6);
    expect(checkRollups(store.db, store.catalogue.get('energy'))).toEqual([]);
    store.close();
  });

  it('reads at a resolution only the buckets that start in the range', () => {
    const store = openStore();
    store.createDatasource(
      { id: 'p', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    const readings = Array.from({ length: 48 * 6 }, (_, i) => ({ t: T0 + i * 600_000, v: i }));
    store.writeReadings('p', readings, 'user');
    const points = store.read('p', {
      from: T0 + 3_600_000,
      to: T0 + 7_200_000,
      resolution: '30min',
      aggregate: 'count',
    });
    expect(points).toEqual([
      { t: T0 + 3_600_000, v: 3, n: 3 },
      { t: T0 + 5_400_000, v: 3, n: 3 },
    ]);
    store.close();
  });
});
