import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppRegistry } from '../../../box/apps/app-registry.ts';
import { checkConsentBindings } from '../../../box/audit/consent-binding.ts';
import { Store } from '../../../box/store/store.ts';
import { runCli } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { testManifest } from './app-fixtures.ts';

/**
 * Issue 12: sharing the household's time zone is a consent choice like a destination. With the
 * real CLI (its own process): asked for by a new version, it needs an answer (default no); an
 * unchanged request keeps the answer across an upgrade and a grant change; a reworded one is
 * asked again. Each answer is in the receipt and the `app.grant` entry, bound by its digest, so
 * flipping it in the database is detected.
 */

const tempDir = useTempDir();

function appDir(version: string, reason?: string) {
  const manifest = testManifest({ version, ...(reason ? { timeZone: { reason } } : {}) });
  const dir = join(tempDir(), `v${version}`);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'databox-app.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'dist/app.js'), 'globalThis.__databoxRun = async () => {};\n');
  return dir;
}

describe('the time zone choice across installs, upgrades and grant changes', () => {
  it('is asked when new or reworded, kept when unchanged, recorded and bound to the chain', () => {
    const home = tempDir();
    const store = Store.open(join(home, 'databox.db'));
    store.createDatasource(
      { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    store.close();
    const cli = (...args: string[]) => {
      const r = runCli(['app', ...args, '--home', home, '--yes']);
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    const shared = () => {
      const db = Store.open(join(home, 'databox.db'));
      const consent = new AppRegistry(db.db).currentConsent('energy-test');
      const entries = db.audit.query({ action: 'app.grant', subject: 'energy-test' });
      db.close();
      return {
        timeZone: consent?.timeZone,
        receipt: consent?.receipt.timeZone,
        audited: entries.at(-1)?.details.timeZone,
      };
    };
    const power = ['--grant', 'power=meter.power@30min/P2D'];

    cli('install', appDir('1.0.0'), ...power);
    // not asked for: the receipt and the audit entry say nothing of it
    expect(shared()).toEqual({ timeZone: false, receipt: null, audited: undefined });

    const out = cli('install', appDir('2.0.0', 'to say evening'));
    expect(out).toContain('time zone: new (needs your answer)');
    // newly asked and not answered: not shared
    expect(shared()).toEqual({
      timeZone: false,
      receipt: { granted: false, reason: 'to say evening' },
      audited: false,
    });

    expect(cli('grant', 'energy-test', '--share-time-zone')).toContain(
      "time zone: shared (the app is told the box's zone at each run)",
    );
    expect(cli('grants', 'energy-test')).toContain('time zone: shared');
    expect(shared()).toMatchObject({ timeZone: true, receipt: { granted: true }, audited: true });

    // unchanged in the next version, and through a change of another grant: kept
    expect(cli('install', appDir('3.0.0', 'to say evening'))).toContain('time zone: unchanged (kept)');
    expect(shared()).toMatchObject({ timeZone: true, audited: true });
    cli('grant', 'energy-test', '--grant', 'power=meter.power@1h/P2D');
    expect(shared()).toMatchObject({ timeZone: true, audited: true });

    // reworded: asked again, so no longer shared until the householder says yes
    expect(cli('install', appDir('4.0.0', 'to find your region'))).toContain(
      'time zone: changed: reason (needs your answer)',
    );
    expect(shared()).toEqual({
      timeZone: false,
      receipt: { granted: false, reason: 'to find your region' },
      audited: false,
    });
    cli('grant', 'energy-test', '--no-share-time-zone');
    expect(shared()).toMatchObject({ timeZone: false });

    // the answer is bound to the chain: flipping it in the database is found
    const db = Store.open(join(home, 'databox.db'));
    expect(checkConsentBindings(db.db, db.audit).problems).toEqual([]);
    db.db
      .prepare(
        "UPDATE app_consents SET receipt = json_set(receipt, '$.timeZone.granted', json('true')) WHERE superseded_at IS NULL AND app_id = ?",
      )
      .run('energy-test');
    expect(new AppRegistry(db.db).currentConsent('energy-test')?.timeZone).toBe(true);
    const { problems } = checkConsentBindings(db.db, db.audit);
    expect(problems).toHaveLength(1);
    db.close();
  }, 120_000);

  it('refuses both flags at once, and sharing with an app that does not ask', () => {
    const home = tempDir();
    const both = runCli([
      'app',
      'install',
      appDir('1.0.0', 'to say evening'),
      '--home',
      home,
      '--yes',
      '--share-time-zone',
      '--no-share-time-zone',
    ]);
    expect(both.status).toBe(1);
    expect(both.stderr).toContain('give --share-time-zone or --no-share-time-zone, not both');
    const store = Store.open(join(home, 'databox.db'));
    store.createDatasource(
      { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    store.close();
    const notAsked = runCli([
      'app',
      'install',
      appDir('1.0.1'),
      '--home',
      home,
      '--yes',
      '--grant',
      'power=meter.power',
      '--share-time-zone',
    ]);
    expect(notAsked.status).toBe(1);
    expect(notAsked.stderr).toContain(
      'timeZone: the app does not ask for the time zone, so it cannot be shared',
    );
  }, 60_000);
});
