import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppManager } from '../../../box/apps/app-manager.ts';
import { Store } from '../../../box/store/store.ts';
import { saveTimeSettings } from '../../../box/time/time-settings.ts';
import { consentPreview } from '../../../box/web/pages/consent-preview.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { DAY, NOW, testManifest, testStore, writeAppFolder } from './app-fixtures.ts';

const tempDir = useTempDir();

describe('the householder is told what reads serve', () => {
  it('in the consent receipt, per granted request', () => {
    const store = testStore();
    const root = tempDir();
    const apps = new AppManager(store, { appsDir: join(root, 'apps') });
    apps.install(writeAppFolder(root), {
      requests: { power: { datasource: 'meter.power', resolution: '30min', history: 'P1D' } },
    });
    const [power] = apps.receipt('energy-test').receipt.data as Array<{ served: string }>;
    expect(power.served).toBe(
      'Closed 30min buckets only, on boundaries the box fixes (UTC): the bucket still filling is never served. Buckets with fewer than 3 readings are withheld. Values are given without the number of readings in each.',
    );
  });

  it('in the consent preview, which counts only the buckets the app would be served', () => {
    const store = testStore();
    const request = testManifest().requests?.[0];
    const source = store.listDatasources().find((d) => d.id === 'meter.power');
    if (!request || !source) throw new Error('fixture');
    const preview = (resolution: '1min' | '30min') =>
      String(
        consentPreview(
          store,
          {
            request: { ...request, required: true, aggregates: ['mean', 'max'] },
            source,
            resolution,
            history: 'P1D',
            historyMs: DAY,
          },
          'c',
        ),
      );
    const half = preview('30min');
    // the read rules in the householder's words (box/apps/consent-words/read-rules-words.ts)
    expect(half).toContain('one value every 30 minutes, only for periods that have ended');
    expect(half).toContain('never the one still filling');
    // [NOW − 1 d, NOW) at 30 min: 47 closed buckets; the one filling at 12:00 is not counted
    expect(half).toMatch(/data-testid="preview-points">47</);
    expect(NOW % 1_800_000).not.toBe(0);
    // one reading a minute: every 1 min bucket would be a single reading, so none is served
    expect(preview('1min')).toMatch(/data-testid="preview-points">0</);
  });

  it("in the consent preview, a 1d grant planned on the box zone's local days, as the arbiter serves them", () => {
    // a box in Asia/Kolkata (+05:30, no DST): local midnight is 18:30 UTC; "now" is one
    const now = Date.UTC(2024, 0, 20, 18, 30);
    const store = Store.open(':memory:', { clock: () => now });
    saveTimeSettings(store, { timeZone: 'Asia/Kolkata' });
    store.createDatasource(
      { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    const readings = [];
    for (let t = now - 9 * DAY; t < now; t += 10 * 60_000)
      readings.push({ t, v: 100 + ((t / 600_000) % 50) });
    store.writeReadings('meter.power', readings, 'user');
    const request = testManifest().requests?.[0];
    const source = store.listDatasources()[0];
    if (!request || !source) throw new Error('fixture');
    const page = String(
      consentPreview(
        store,
        {
          request: { ...request, required: true, aggregates: ['mean'] },
          source,
          resolution: '1d',
          history: 'P7D',
          historyMs: 7 * DAY,
        },
        'c',
      ),
    );
    // the naive model: the seven whole local days of [now − 7 d, now), each from 18:30 UTC
    const KOLKATA = 330 * 60_000;
    const days = Array.from({ length: 7 }, (_, i) => now - (7 - i) * DAY);
    for (const d of days) expect((d + KOLKATA) % DAY).toBe(0);
    // on UTC days the window would hold only six
    expect(page).toMatch(/data-testid="preview-points">7</);
    const chart = JSON.parse(
      /<script type="application\/json" id="c">(.*?)<\/script>/s.exec(page)?.[1] ?? '{}',
    ) as {
      x: number[];
      ys: Array<Array<number | null>>;
    };
    // the app's values in the chart (the last two days) sit on local midnights, each the day's mean
    const served = chart.x.map((x, i) => ({ t: x * 1000, v: chart.ys[1][i] })).filter((p) => p.v !== null);
    expect(served.map((p) => p.t)).toEqual(days.slice(-2));
    for (const p of served) {
      const inDay = readings.filter((r) => r.t >= p.t && r.t < p.t + DAY);
      expect(p.v).toBeCloseTo(inDay.reduce((s, r) => s + r.v, 0) / inDay.length, 6);
    }
    store.close();
  });
});
