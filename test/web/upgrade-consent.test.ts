import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppManager } from '../../box/apps/app-manager.ts';
import { testManifest, writeAppFolder } from '../box/apps/app-fixtures.ts';
import { useTempDir } from '../helpers/temp-dir.ts';
import { dashboard, ORIGIN } from './dashboard-client.ts';

/**
 * Issue 14 point 7 on the dashboard's consent screen: a bundle of an installed app shows the
 * permission diff and starts from the consent that holds (the kept grant as granted, a declined
 * optional request still declined, an approved destination still approved), so approving the
 * upgrade without touching anything changes none of it. Before, every request started from the
 * app's own asks: approving widened the grant and re-offered what had been declined.
 */

const tempDir = useTempDir();

/** The value a rendered `<select id=…>` holds (its selected option, else its first). */
function selected(page: string, id: string): string {
  const select = new RegExp(`<select id="${id}"[^>]*>([\\s\\S]*?)</select>`).exec(page)?.[1] ?? '';
  const chosen = /<option value="([^"]*)" selected>/.exec(select) ?? /<option value="([^"]*)"/.exec(select);
  return chosen?.[1] ?? '(no select)';
}

describe('the consent screen of an upgrade', () => {
  it('shows the diff and keeps the grant, the decline and the approval as they were', async () => {
    let apps: AppManager | undefined;
    const root = tempDir();
    const web = await dashboard((store) => {
      apps = new AppManager(store, { appsDir: join(root, 'apps') });
      return { apps };
    });
    if (!apps) throw new Error('no app manager');
    web.store.createDatasource(
      { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    web.store.createDatasource(
      { id: 'room.temp', kind: 'temperature', unit: '°C', valueType: 'gauge' },
      'user',
    );
    const v1 = writeAppFolder(join(root, 'v1'), testManifest());
    apps.install(v1, {
      requests: {
        power: { datasource: 'meter.power', resolution: '30min', history: 'P1D' },
        temp: { decline: true },
      },
      destinations: ['summary'],
    });
    const next = testManifest({ version: '1.1.0', description: 'Now with a daily note' });
    const v2 = writeAppFolder(join(root, 'v2'), next);
    await web.signIn();

    const page = await (await web.request(`/apps/install?source=${encodeURIComponent(v2)}`)).text();
    const diff =
      /<section class="card" data-testid="permission-diff"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
    expect(diff).toContain('Upgrade 1.0.0 → 1.1.0');
    expect(diff.match(/data-change="(\w+)">\w+ <strong>(\w+)/g)).toEqual([
      'data-change="unchanged">Request <strong>power',
      'data-change="unchanged">Request <strong>temp',
      'data-change="unchanged">Export <strong>summary',
      'data-change="unchanged">Export <strong>research',
    ]);
    expect(selected(page, 'power-resolution')).toBe('30min');
    expect(selected(page, 'power-history')).toBe('P1D');
    expect(selected(page, 'temp-datasource')).toBe('');
    // the approved destination stays approved, the one left off stays off
    expect(page).toMatch(/<input type="checkbox" name="dest" value="summary" checked>/);
    expect(page).toMatch(/<input type="checkbox" name="dest" value="research">/);

    // approving the page as it stands: the householder's consent, unchanged
    const form: Record<string, string> = {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '',
      source: v2,
      'power.datasource': selected(page, 'power-datasource'),
      'power.resolution': selected(page, 'power-resolution'),
      'power.history': selected(page, 'power-history'),
      'temp.datasource': selected(page, 'temp-datasource'),
      dest: 'summary',
      expires: selected(page, 'expires'),
      exportMode: selected(page, 'exportMode'),
      intent: 'approve',
    };
    const res = await web.request('/apps/install', { form, headers: { origin: ORIGIN } });
    expect(res.status, await res.clone().text()).toBe(303);
    expect(apps.get('energy-test').version).toBe('1.1.0');
    const live = apps.grants('energy-test').filter((g) => g.revokedAt === null && g.supersededAt === null);
    expect(live.map((g) => `${g.request}=${g.datasource}@${g.resolution}/${g.history}`)).toEqual([
      'power=meter.power@30min/P1D',
    ]);
    expect(apps.receipt('energy-test').destinations).toEqual(['summary']);
  });
});
