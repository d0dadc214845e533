import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppManager } from '../../../box/apps/app-manager.ts';
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
});
