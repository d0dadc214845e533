import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { inferenceForKind } from '../../../box/apps/inference-reference.ts';
import { Store } from '../../../box/store/store.ts';
import { consentPreview } from '../../../box/web/pages/consent-preview.ts';
import { importAppleHealth } from '../../../drivers/imports/apple-health-import.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/apple-health/apple_health_export_built.xml');
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

it('health kinds get the wearable research, meter kinds keep theirs, other kinds none', () => {
  const hourly = inferenceForKind('health.heart_rate', '1h');
  expect(hourly?.summary).toMatch(/^Health data about one person: .*illness \(even before symptoms\)/);
  expect(hourly?.findings.map((f) => f.source.split(',')[0])).toEqual([
    'Na et al.',
    'Alavi et al.',
    'Mishra et al.',
  ]);
  expect(inferenceForKind('health.sleep.asleep_deep', '1d')?.summary).toMatch(
    /^Daily health totals still show illness/,
  );
  expect(inferenceForKind('electricity.import.power', '30min')?.findings[1].source).toMatch(/Beckel/);
  expect(inferenceForKind('temperature', '1h')).toBeNull();
});

it("the install page's consent preview of an imported heart rate shows the health text, not the smart-meter rule", async () => {
  const store = Store.open(':memory:', { clock: () => Date.parse('2024-01-09T00:00:00Z') });
  stores.push(store);
  await importAppleHealth(store, FIXTURE);
  const source = store.listDatasources().find((d) => d.kind === 'health.heart_rate');
  if (!source) throw new Error('no heart-rate datasource imported');
  const page = String(
    consentPreview(
      store,
      {
        request: {
          name: 'hr',
          kind: 'health.heart_rate',
          required: true,
          resolutions: [{ resolution: '1h', purpose: 'resting heart rate trend' }],
          history: 'P30D',
          aggregates: [],
        },
        source,
        resolution: '1h',
        historyMs: 30 * 86_400_000,
        history: 'P30D',
      },
      'c1',
    ),
  );
  expect(page).toContain('Health data about one person');
  expect(page).toContain('Alavi et al., Nature Medicine 2021, doi:10.1038/s41591-021-01593-2');
  expect(page).not.toContain('Smart Energy Code');
  expect(page).not.toContain('Beckel');
});
