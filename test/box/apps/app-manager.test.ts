import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppManager } from '../../../box/apps/app-manager.ts';
import { DataboxError } from '../../../box/errors.ts';
import { saveTimeSettings } from '../../../box/time/time-settings.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { DAY, NOW, testManifest, testStore, writeAppFolder } from './app-fixtures.ts';

const tempDir = useTempDir();

function setup(manifest: unknown = testManifest()) {
  const root = tempDir();
  const store = testStore();
  const apps = new AppManager(store, { appsDir: join(root, 'apps') });
  return { root, store, apps, source: writeAppFolder(root, manifest) };
}

function errorOf(fn: () => unknown): DataboxError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DataboxError) return error;
    throw error;
  }
  throw new Error('expected a DataboxError');
}

describe('AppManager.install', () => {
  it('copies the app into <appsDir>/<id>/<version> and records one grant per granted request', () => {
    const { root, apps, source } = setup();
    const result = apps.install(source, {
      requests: { power: { datasource: 'meter.power', resolution: '30min', history: 'P1D' } },
      expires: 'P30D',
      destinations: ['summary'],
    });
    const dir = join(root, 'apps', 'energy-test', '1.0.0');
    expect(result.app.dir).toBe(dir);
    expect(JSON.parse(readFileSync(join(dir, 'databox-app.json'), 'utf8')).id).toBe('energy-test');
    expect(existsSync(join(dir, 'dist', 'app.js'))).toBe(true);
    expect(result.grants).toHaveLength(1);
    expect(result.grants[0]).toMatchObject({
      request: 'power',
      datasource: 'meter.power',
      resolution: '30min',
      history: 'P1D',
      historyMs: DAY,
      expiresAt: NOW + 30 * DAY,
      aggregates: ['mean', 'max'],
    });
    expect(result.consent.destinations).toEqual(['summary']);
  });

  it('defaults to the finest listed resolution and the asked history', () => {
    const { apps, source } = setup();
    const { grants, consent } = apps.install(source, { requests: { power: { datasource: 'meter.power' } } });
    expect(grants[0].resolution).toBe('1min');
    expect(grants[0].history).toBe('P2D');
    expect(consent.expiresAt).toBe(NOW + 365 * DAY);
  });

  it('refuses a resolution finer than the app asked for, and accepts a coarser one', () => {
    const { apps, source } = setup();
    const error = errorOf(() =>
      apps.install(source, { requests: { power: { datasource: 'meter.power', resolution: 'raw' } } }),
    );
    expect(error.details).toEqual([
      { path: 'grants.power.resolution', message: 'resolution raw is finer than the 1min the app asked for' },
    ]);
    expect(apps.list()).toEqual([]);
    const ok = apps.install(source, { requests: { power: { datasource: 'meter.power', resolution: '1d' } } });
    expect(ok.grants[0].resolution).toBe('1d');
  });

  it('cannot decline a required request; may decline an optional one', () => {
    const { apps, source } = setup();
    const error = errorOf(() => apps.install(source, { requests: { power: { decline: true } } }));
    expect(error.details.map((d) => d.path)).toEqual(['grants.power']);
    expect(error.details[0].message).toContain('required');
    const missing = errorOf(() => apps.install(source, { requests: {} }));
    expect(missing.details.map((d) => d.path)).toEqual(['grants.power']);
    const ok = apps.install(source, {
      requests: { power: { datasource: 'meter.power' }, temp: { decline: true } },
    });
    expect(ok.grants.map((g) => g.request)).toEqual(['power']);
    expect(ok.consent.receipt.declined).toEqual(['temp']);
  });

  it('lists every problem of the choices at once', () => {
    const { apps, source } = setup();
    const error = errorOf(() =>
      apps.install(source, {
        requests: {
          power: { datasource: 'room.temp' },
          temp: { datasource: 'room.temp', history: 'P30D' },
          gas: { datasource: 'meter.gas' },
        },
        destinations: ['elsewhere'],
        expires: 'soon',
      }),
    );
    expect(error.code).toBe('invalid_grant');
    expect(error.details.map((d) => d.path).sort()).toEqual(
      ['destinations.elsewhere', 'expires', 'grants.gas', 'grants.power', 'grants.temp.history'].sort(),
    );
    expect(error.details.find((d) => d.path === 'grants.power')?.message).toContain('is temperature');
    expect(error.details.find((d) => d.path === 'grants.temp.history')?.message).toContain(
      'longer than the P7D',
    );
  });

  it('lists every manifest error and installs nothing', () => {
    const { apps, source } = setup({ ...testManifest(), id: 'Bad Id', version: 'one' });
    const error = errorOf(() => apps.install(source, { requests: {} }));
    expect(error.code).toBe('invalid_manifest');
    expect(error.details.map((d) => d.path).sort()).toEqual(['id', 'version']);
  });

  it('writes a consent receipt with parties, data, purposes, inference, destinations and expiry', () => {
    const { apps, source } = setup();
    const { consent } = apps.install(source, {
      requests: {
        power: { datasource: 'meter.power', resolution: '30min', history: 'P1D' },
        temp: { decline: true },
      },
      expires: 'P30D',
      destinations: ['summary'],
    });
    // biome-ignore lint/suspicious/noExplicitAny: the receipt is plain JSON, checked field by field
    const r = consent.receipt as Record<string, any>;
    expect(r.version).toBe('KI-CR-v1.1.0');
    expect(r.consentReceiptID).toBe(consent.receiptId);
    expect(r.jurisdiction).toBe('home');
    expect(r.consentTimestamp).toBe(Math.floor(NOW / 1000));
    expect(r.piiControllers[0].piiController).toBe('the householder');
    expect(r.processor).toMatchObject({
      app: 'energy-test',
      author: 'Test Author',
      homepage: 'https://example.org/energy-test',
    });
    expect(r.data).toHaveLength(1);
    expect(r.data[0]).toMatchObject({
      datasource: 'meter.power',
      kind: 'electricity.import.power',
      resolution: '30min',
      history: 'P1D',
    });
    // at 30min the app can only serve its 30min purpose, not the 1min one
    expect(r.data[0].purpose).toBe('compare tariffs');
    expect(r.data[0].purposes).toEqual([{ resolution: '30min', purpose: 'compare tariffs' }]);
    // the reference's 30 min practical reading and its sources (Beckel 2014, Razavi 2019)
    expect(r.data[0].inference.summary).toContain(
      'appliances used for less than about an hour are not separable',
    );
    expect(r.data[0].inference.findings.map((f: { source: string }) => f.source).join(' ')).toMatch(
      /Beckel.*Razavi/s,
    );
    expect(r.destinations).toEqual([
      {
        id: 'summary',
        url: 'https://example.org/upload',
        reason: 'monthly summary for the energy coach',
        maxBytes: 200,
        maxPerDay: 2,
        homeNetwork: false,
      },
    ]);
    expect(r.expires).toBe(new Date(NOW + 30 * DAY).toISOString());
    // a meter of unknown origin on a box outside Great Britain: no GB licence note (regulatory-note.ts)
    expect(r.notes).toEqual([]);
    expect(apps.receipt('energy-test').receiptId).toBe(consent.receiptId);
  });

  it('notes the GB licence condition in the receipt only where the consent screen showed it', () => {
    const { apps, source, store } = setup();
    saveTimeSettings(store, { timeZone: 'Europe/London' });
    const grant = (resolution: string) =>
      apps.install(source, { requests: { power: { datasource: 'meter.power', resolution, history: 'P1D' } } })
        .consent.receipt as { notes: string[] };
    expect(grant('30min').notes).toEqual([expect.stringContaining('supply licence condition 47')]);
    expect(grant('1d').notes).toEqual([]);
  });

  it('a change of grant is a new consent that supersedes the old grants', () => {
    const { apps, source } = setup();
    const first = apps.install(source, { requests: { power: { datasource: 'meter.power' } } });
    const second = apps.grant('energy-test', {
      requests: { power: { datasource: 'meter.power', resolution: '1h' } },
    });
    expect(second.consent.receiptId).not.toBe(first.consent.receiptId);
    expect(second.consent.receipt.supersedes).toBe(first.consent.receiptId);
    expect(apps.grants('energy-test').map((g) => g.resolution)).toEqual(['1h']);
    expect(apps.registry.getConsent(first.consent.receiptId).supersededAt).toBe(NOW);
    expect(apps.registry.listConsents('energy-test')).toHaveLength(2);
  });

  it('uninstall wipes the kv namespace app:<id>, ends the grants and removes the files; all audited', () => {
    const { root, store, apps, source } = setup();
    apps.install(source, { requests: { power: { datasource: 'meter.power' } } });
    store.kv.set('app:energy-test', 'state', { n: 1 }, NOW);
    store.kv.set('app:other-app', 'state', { n: 2 }, NOW);
    apps.revoke('energy-test', 'power');
    expect(apps.grants('energy-test')[0].revokedAt).toBe(NOW);
    expect(apps.uninstall('energy-test')).toEqual({ kvKeys: 1 });
    expect(store.kv.get('app:energy-test', 'state')).toBeUndefined();
    expect(store.kv.get('app:other-app', 'state')).toEqual({ n: 2 });
    expect(existsSync(join(root, 'apps', 'energy-test'))).toBe(false);
    expect(apps.list()).toEqual([]);
    expect(apps.registry.currentGrants('energy-test')).toEqual([]);
    const actions = store.audit.query({ subject: 'energy-test' }).map((e) => e.action);
    expect(actions).toEqual(['app.install', 'app.grant', 'app.revoke', 'app.uninstall']);
    expect(store.audit.verify().ok).toBe(true);
  });
});

describe('AppManager.install: files', () => {
  const grants = { requests: { power: { datasource: 'meter.power' } } };

  it('records the sha256 of each file copied, reported by get() and in the install audit entry', () => {
    const { store, apps, source } = setup();
    apps.install(source, grants);
    const info = apps.get('energy-test');
    const bundle = readFileSync(join(source, 'dist', 'app.js'));
    expect(info.files).toEqual([
      expect.objectContaining({ path: 'databox-app.json' }),
      {
        path: 'dist/app.js',
        bytes: bundle.length,
        sha256: createHash('sha256').update(bundle).digest('hex'),
      },
    ]);
    const [entry] = store.audit.query({ action: 'app.install' });
    expect(entry.details).toMatchObject({ files: 2, filesDigest: info.filesDigest });
  });

  it('refuses an app over the file-count or byte cap, and a refused upgrade leaves the installed app intact', () => {
    const root = tempDir();
    const store = testStore();
    const apps = new AppManager(store, {
      appsDir: join(root, 'apps'),
      installLimits: { maxFiles: 4, maxBytes: 4096 },
    });
    const source = writeAppFolder(root);
    apps.install(source, grants);
    const installed = readFileSync(join(root, 'apps', 'energy-test', '1.0.0', 'dist', 'app.js'), 'utf8');
    for (let i = 0; i < 4; i++) writeFileSync(join(source, `extra-${i}.txt`), 'x');
    const many = errorOf(() => apps.install(source, grants));
    expect(many.code).toBe('unsafe_app_files');
    expect(many.message).toContain('more than 4 files and folders');
    for (let i = 0; i < 4; i++) rmSync(join(source, `extra-${i}.txt`));
    writeFileSync(join(source, 'dist', 'app.js'), 'x'.repeat(5000));
    expect(errorOf(() => apps.install(source, grants)).message).toContain('more than 4096 bytes');
    expect(readFileSync(join(root, 'apps', 'energy-test', '1.0.0', 'dist', 'app.js'), 'utf8')).toBe(
      installed,
    );
    expect(apps.get('energy-test').files).toHaveLength(2);
  });
});
