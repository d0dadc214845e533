import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../box/errors.ts';
import { checkRollups } from '../../../box/store/consistency.ts';
import { Store } from '../../../box/store/store.ts';
import { referenceBuckets } from '../../helpers/reference-rollups.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function counterSeries(days: number, stepMs: number) {
  return Array.from({ length: (days * DAY) / stepMs }, (_, i) => ({
    t: T0 + i * stepMs,
    v: Math.round(i * 0.5) / 1000,
  }));
}

describe('erasure', () => {
  it('removes a range and leaves rollups that match the remaining raw data', () => {
    const store = Store.open(join(tempDir(), 'db.sqlite'));
    store.createDatasource(
      { id: 'energy', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
      'user',
    );
    const series = counterSeries(2, 60_000);
    store.writeReadings('energy', series, 'user');
    // erase 10:07–13:23 on the first day: cuts through 5 min…1 d buckets at both ends
    const from = T0 + 10 * 3_600_000 + 7 * 60_000;
    const to = T0 + 13 * 3_600_000 + 23 * 60_000;
    const report = store.erase('energy', from, to, 'user');
    const remaining = series.filter((r) => r.t < from || r.t >= to);
    expect(report.readings).toBe(series.length - remaining.length);
    expect(
      store.read('energy', {
        from: 0,
        to: T0 + 3 * DAY,
        resolution: 'raw',
        aggregate: 'mean',
        limit: 10_000,
      }),
    ).toEqual(remaining);
    expect(checkRollups(store.db, store.catalogue.get('energy'))).toEqual([]);
    const ref = referenceBuckets(remaining, 3_600_000, true);
    const hours = store.read('energy', { from: 0, to: T0 + 3 * DAY, resolution: '1h', aggregate: 'delta' });
    expect(hours.map((p) => p.t)).toEqual(ref.map((b) => b.t));
    hours.forEach((p, i) => {
      expect(p.v).toBeCloseTo(ref[i].delta, 9);
    });
    const [entry] = store.audit.query({ action: 'readings.erase' });
    expect(entry).toMatchObject({
      actor: 'user',
      subject: 'energy',
      details: { from, to, readings: report.readings },
    });
  });
});

describe('retention', () => {
  it('expires raw rows but keeps rollups, and refuses writes behind the horizon', () => {
    let now = T0 + 10 * DAY;
    const store = Store.open(join(tempDir(), 'db.sqlite'), { clock: () => now });
    store.createDatasource(
      {
        id: 'power',
        kind: 'electricity.import.power',
        unit: 'W',
        valueType: 'gauge',
        retention: { raw: 'P3D' },
      },
      'user',
    );
    const series = Array.from({ length: 10 * 24 * 60 }, (_, i) => ({ t: T0 + i * 60_000, v: i % 100 }));
    store.writeReadings('power', series, 'user');
    const dailyBefore = store.read('power', { from: 0, to: now, resolution: '1d', aggregate: 'mean' });

    const [result] = store.applyRetention();
    expect(result).toMatchObject({ id: 'power', horizon: now - 3 * DAY });
    const raw = store.read('power', {
      from: 0,
      to: now,
      resolution: 'raw',
      aggregate: 'mean',
      limit: 100_000,
    });
    expect(raw[0].t).toBe(now - 3 * DAY);
    expect(raw).toHaveLength(3 * 24 * 60);
    // only the anchor reading before the horizon is left beside the kept ones
    expect(store.db.prepare('SELECT count(*) AS n FROM readings').get()).toEqual({ n: 3 * 24 * 60 + 1 });
    expect(store.read('power', { from: 0, to: now, resolution: '1d', aggregate: 'mean' })).toEqual(
      dailyBefore,
    );
    expect(checkRollups(store.db, store.catalogue.get('power'))).toEqual([]);

    expect(() => store.writeReadings('power', [{ t: T0 + DAY, v: 1 }], 'user')).toThrow(BadRequestError);
    expect(
      store.writeReadings(
        'power',
        [
          { t: T0 + DAY, v: 1 },
          { t: now + 1, v: 2 },
        ],
        'user',
        { beforeHorizon: 'skip' },
      ),
    ).toEqual({
      written: 1,
      duplicates: 0,
      skipped: 1,
    });
    expect(store.audit.query({ action: 'retention.apply' })).toHaveLength(1);
    // a second run with no time passed changes nothing
    expect(store.applyRetention()).toEqual([]);
    now += DAY;
    expect(store.applyRetention()[0].readings).toBe(24 * 60);
    expect(store.audit.verify().ok).toBe(true);
  });

  it('keeps counter increments right across the horizon', () => {
    let now = T0 + 5 * DAY;
    const store = Store.open(join(tempDir(), 'db.sqlite'), { clock: () => now });
    store.createDatasource(
      {
        id: 'e',
        kind: 'electricity.import.energy',
        unit: 'kWh',
        valueType: 'counter',
        retention: { raw: 'P1D' },
      },
      'user',
    );
    const series = counterSeries(5, 300_000);
    store.writeReadings('e', series, 'user');
    store.applyRetention();
    now += DAY;
    const next = { t: T0 + 5 * DAY, v: series[series.length - 1].v + 0.25 };
    store.writeReadings('e', [next], 'user');
    const [day] = store.read('e', {
      from: T0 + 5 * DAY,
      to: T0 + 6 * DAY,
      resolution: '1d',
      aggregate: 'delta',
    });
    expect(day.v).toBeCloseTo(0.25, 9);
    expect(checkRollups(store.db, store.catalogue.get('e'))).toEqual([]);
  });
});
