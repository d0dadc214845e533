import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppRegistry } from '../../../box/apps/app-registry.ts';
import { Store } from '../../../box/store/store.ts';
import { runCli } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { testManifest } from './app-fixtures.ts';

/**
 * Issue 14, point 7: upgrades that keep consent. With the real CLI (a process of its own, as the
 * householder uses it): v1 is installed with two grants and an approved destination; v2 changes
 * one request and adds one; installing v2 shows the permission diff, keeps the unchanged grant
 * and the approval, and asks only about what changed; a later grant change keeps the rest;
 * `app rollback` returns to v1 with the consent that still holds.
 */

const tempDir = useTempDir();

function appDir(root: string, version: string, changes: (m: ReturnType<typeof testManifest>) => void) {
  const manifest = testManifest({ version });
  changes(manifest);
  const dir = join(root, `v${version}`);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'databox-app.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'dist/app.js'), 'globalThis.__databoxRun = async () => {};\n');
  return dir;
}

describe('upgrades that keep consent', () => {
  it('keeps unchanged grants and approvals across an upgrade, a grant change and a rollback', () => {
    const home = tempDir();
    const store = Store.open(join(home, 'databox.db'));
    store.createDatasource(
      { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    store.createDatasource({ id: 'room.temp', kind: 'temperature', unit: '°C', valueType: 'gauge' }, 'user');
    store.createDatasource(
      { id: 'meter.energy', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
      'user',
    );
    store.close();
    const cli = (...args: string[]) => {
      const r = runCli(['app', ...args, '--home', home, '--yes']);
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    const v1 = appDir(tempDir(), '1.0.0', () => {});
    const v2 = appDir(tempDir(), '2.0.0', (m) => {
      m.requests![1].history = 'P14D'; // temp: changed
      m.requests!.push({
        name: 'energy',
        kind: 'electricity.import.energy',
        required: false,
        resolutions: [{ resolution: '1h', purpose: 'hourly use' }],
        history: 'P7D',
      });
    });
    cli(
      'install',
      v1,
      '--grant',
      'power=meter.power@30min/P2D',
      '--grant',
      'temp=room.temp@1h/P7D',
      '--approve-destination',
      'summary',
    );

    const out = cli('install', v2, '--grant', 'energy=meter.energy@1h');
    expect(out).toContain('permissions of 1.0.0 → 2.0.0:');
    expect(out).toContain('request power: unchanged (kept)');
    expect(out).toContain('request temp: changed: history (needs your answer)');
    expect(out).toContain('request energy: new (needs your answer)');
    expect(out).toContain('export summary: unchanged (kept)');

    const state = () => {
      const db = Store.open(join(home, 'databox.db'));
      const registry = new AppRegistry(db.db);
      const grants = registry
        .currentGrants('energy-test')
        .map((g) => `${g.request}=${g.datasource}@${g.resolution}/${g.history}`)
        .sort();
      const result = {
        version: registry.getInstall('energy-test').version,
        grants,
        destinations: registry.currentConsent('energy-test')?.destinations,
      };
      db.close();
      return result;
    };
    // temp changed and was not answered: an optional request, so it is declined, not carried over
    expect(state()).toEqual({
      version: '2.0.0',
      grants: ['energy=meter.energy@1h/P7D', 'power=meter.power@30min/P2D'],
      destinations: ['summary'],
    });

    cli('grant', 'energy-test', '--grant', 'temp=room.temp@1h/P14D');
    expect(state()).toEqual({
      version: '2.0.0',
      grants: ['energy=meter.energy@1h/P7D', 'power=meter.power@30min/P2D', 'temp=room.temp@1h/P14D'],
      destinations: ['summary'],
    });

    const back = cli('rollback', 'energy-test');
    expect(back).toContain('rolled energy-test back to 1.0.0');
    expect(back).toContain('request energy: no longer asked for');
    // temp's history went back from P14D to P7D: a change, so its grant is not carried over
    expect(state()).toEqual({
      version: '1.0.0',
      grants: ['power=meter.power@30min/P2D'],
      destinations: ['summary'],
    });
  }, 120_000);
});
