import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGGREGATES } from '../../apps-sdk/src/aggregates.ts';
import { LocalSeries } from '../../apps-sdk/src/local-series.ts';
import { planRead, servePoints } from '../../apps-sdk/src/read-rules.ts';
import { bucketStart, GRANT_RESOLUTIONS } from '../../apps-sdk/src/resolution.ts';
import { Store } from '../../box/store/store.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();

/** Irregular readings over two days, with gaps; the counter resets once. */
function readings(counter: boolean): Array<{ t: number; v: number }> {
  const t0 = Date.UTC(2024, 2, 30, 22, 7, 13);
  const out = [];
  let value = 1000;
  for (let i = 0; i < 4000; i++) {
    const t = t0 + i * 43_000 + (i % 7) * 1_000;
    if (i % 500 > 480) continue; // gaps
    if (counter) {
      value = i === 2500 ? 0.5 : value + ((i * 37) % 11) / 100;
      out.push({ t, v: value });
    } else out.push({ t, v: 200 + ((i * 7919) % 2800) });
  }
  return out;
}

describe('runLocally rollups equal the store’s', () => {
  for (const valueType of ['gauge', 'counter'] as const) {
    it(`${valueType}: every resolution and aggregate, through planRead`, () => {
      const store = Store.open(join(tempDir(), 'box.db'));
      try {
        store.createDatasource(
          { id: 'src', kind: 'x', unit: 'u', valueType, retention: { raw: null } },
          'user',
        );
        const data = readings(valueType === 'counter');
        store.writeReadings('src', data, 'user');
        const local = new LocalSeries(data, valueType);
        const now = data.at(-1)!.t + 1;
        for (const resolution of GRANT_RESOLUTIONS) {
          const grant = {
            request: 'r',
            resolution,
            historyMs: 86_400_000 * 2.5,
            aggregates: [...AGGREGATES],
            valueType,
          };
          for (const aggregate of resolution === 'raw' ? [undefined] : AGGREGATES) {
            const plan = planRead(grant, { aggregate }, now);
            const expected = store.read('src', {
              from: plan.from,
              to: plan.to,
              resolution: plan.resolution,
              aggregate: plan.aggregate ?? 'mean',
              limit: 1_000_000,
            });
            const got = local.read(plan);
            expect(got.length, `${resolution} ${aggregate}`).toBe(expected.length);
            expect(got.length).toBeGreaterThan(0);
            got.forEach((p, i) => {
              expect(p.t).toBe(expected[i].t);
              expect(p.v).toBeCloseTo(expected[i].v, 9);
            });
            // what an app is served (sparse buckets withheld, n only with count) agrees too
            const served = servePoints(grant, got);
            expect(served.map((p) => [p.t, p.n])).toEqual(
              servePoints(grant, expected).map((p) => [p.t, p.n]),
            );
            if (resolution !== 'raw') expect(plan.to).toBeLessThanOrEqual(bucketStart(now, resolution));
          }
        }
      } finally {
        store.close();
      }
    });
  }
});
