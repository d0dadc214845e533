import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildIsolateApp } from '../../../apps-sdk/src/build-app.ts';
import type { DataboxApp } from '../../../apps-sdk/src/define-app.ts';
import { runLocally } from '../../../apps-sdk/src/run-locally.ts';
import { AppManager } from '../../../box/apps/app-manager.ts';
import { AppRunner } from '../../../box/apps/app-runner.ts';
import { IsolateRuntime } from '../../../box/sandbox/isolate/isolate-runtime.ts';
import { Store } from '../../../box/store/store.ts';
import { REPO_ROOT, runCli } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

/**
 * Issue 14, point 8: app settings. The manifest declares them (a JSON Schema with defaults); the
 * householder sets them with `databox app settings` (another process, the real CLI); the app
 * reads them in a real isolate; a value outside the schema is refused and nothing changes; the
 * app cannot write them through its own kv; changes are audited by name, never by value; an
 * uninstall wipes them. runLocally serves them the same way.
 */

const tempDir = useTempDir();
const runtime = new IsolateRuntime();
afterAll(async () => {
  await runtime.stop();
});

const SETTINGS = {
  type: 'object',
  properties: {
    tariff: { type: 'number', minimum: 0, maximum: 5, default: 0.28 },
    mode: { enum: ['flat', 'economy7'], default: 'flat' },
  },
  additionalProperties: false,
};

const manifest = {
  id: 'tariff-app',
  name: 'Tariff app',
  version: '1.0.0',
  description: 'Reads its settings',
  author: 'Test',
  runtime: { type: 'isolate', entry: 'dist/app.js' },
  insights: [{ key: 'report', title: 'Report', description: 'the settings it saw' }],
  settings: SETTINGS,
};

const SOURCE = `import { defineApp } from ${JSON.stringify(join(REPO_ROOT, 'apps-sdk/src/app.ts'))};
export default defineApp(async (ctx) => {
  // an app that tries to set its own tariff through its kv reaches only its own kv
  await ctx.kv.set('tariff', 99);
  await ctx.insight.emit({ key: 'report', title: 'report', data: await ctx.settings.get() });
});
`;

async function appFolder(): Promise<string> {
  const dir = join(tempDir(), 'app');
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'databox-app.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'src/index.ts'), SOURCE);
  await buildIsolateApp(dir);
  return dir;
}

describe('app settings', () => {
  it('defaults, set by the householder, read by the app, checked, audited by name, wiped at uninstall', async () => {
    const home = tempDir();
    const store = Store.open(join(home, 'databox.db'));
    const apps = new AppManager(store, { appsDir: join(home, 'apps') });
    apps.install(await appFolder(), { requests: {} });
    const runner = new AppRunner({ store, runtimes: { isolate: runtime } });
    const seen = async () => {
      const run = await runner.run('tariff-app');
      expect(run.status, `${run.error}\n${run.logs.join('\n')}`).toBe('ok');
      return runner.registry.listInsights('tariff-app').find((i) => i.runId === run.runId)?.data;
    };
    expect(await seen()).toEqual({ tariff: 0.28, mode: 'flat' });
    const settings = (...args: string[]) =>
      runCli(['app', 'settings', 'tariff-app', '--home', home, ...args]);
    const set = settings('--set', 'tariff=0.31', '--set', 'mode=economy7');
    expect(set.status, set.stderr).toBe(0);
    expect(await seen()).toEqual({ tariff: 0.31, mode: 'economy7' });

    const bad = settings('--set', 'tariff=99');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('settings.tariff');
    const unknown = settings('--set', 'rate=1');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('has no setting "rate" (its settings: tariff, mode)');
    expect(await seen()).toEqual({ tariff: 0.31, mode: 'economy7' });

    expect(settings('--reset', 'mode').status).toBe(0);
    expect(JSON.parse(settings('--json').stdout)).toEqual({ tariff: 0.31, mode: 'flat' });

    const audited = store.audit.query({ action: 'app.settings' });
    expect(audited.map((e) => e.details)).toEqual([
      { set: ['mode', 'tariff'], reset: [] },
      { set: [], reset: ['mode'] },
    ]);
    expect(JSON.stringify(audited)).not.toContain('0.31');

    apps.uninstall('tariff-app');
    expect(store.kv.list('settings:tariff-app')).toEqual([]);
    store.close();
  }, 120_000);

  it('runLocally serves the defaults, the given settings, and refuses settings outside the schema', async () => {
    const dir = await appFolder();
    const app = (await import(join(dir, 'src/index.ts'))).default as DataboxApp;
    const plain = await runLocally(app, { manifest, data: {}, grant: {} });
    expect(plain.insights[0].data).toEqual({ tariff: 0.28, mode: 'flat' });
    const set = await runLocally(app, { manifest, data: {}, grant: {}, settings: { mode: 'economy7' } });
    expect(set.insights[0].data).toEqual({ tariff: 0.28, mode: 'economy7' });
    await expect(
      runLocally(app, { manifest, data: {}, grant: {}, settings: { tariff: -1 } }),
    ).rejects.toThrow(/settings do not match the app's schema \(settings\.tariff/);
  });

  it('refuses a manifest whose settings have no default or an unsafe pattern', async () => {
    const { validateManifest } = await import('../../../apps-sdk/src/manifest.ts');
    const result = validateManifest({
      ...manifest,
      settings: {
        type: 'object',
        properties: { tariff: { type: 'number' }, name: { type: 'string', pattern: '(a+)+$', default: 'a' } },
      },
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['settings.properties.name.pattern']),
    );
  });
});
