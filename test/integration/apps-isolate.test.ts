import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIsolateApp } from '../../apps-sdk/src/build-app.ts';
import { AppManager } from '../../box/apps/app-manager.ts';
import { AppRunner } from '../../box/apps/app-runner.ts';
import { createHttpApp } from '../../box/http/app.ts';
import { IsolateRuntime } from '../../box/sandbox/isolate/isolate-runtime.ts';
import { Store } from '../../box/store/store.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();
const NOW = Date.UTC(2024, 2, 3, 12, 0);
const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'energy-insights');
const TOKEN = 'integration-admin-token';

// One real isolate host for the file: a fresh isolate per run inside it.
const runtime = new IsolateRuntime();
beforeAll(async () => {
  // dist/ is build output (not in git): build the bundle as `databox app build` would
  await buildIsolateApp(EXAMPLE);
  await runtime.start();
});
afterAll(() => runtime.stop());

function boxParts() {
  const home = tempDir();
  const store = Store.open(join(home, 'databox.db'), { clock: () => NOW });
  store.createDatasource(
    { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  // a steady 1000 W from 2024-01-25 00:00 UTC: every whole day is 24 kWh, February 29 × 24 = 696 kWh
  const readings = [];
  for (let t = Date.UTC(2024, 0, 25); t < NOW; t += 300_000) readings.push({ t, v: 1000 });
  store.writeReadings('meter.power', readings, 'user');
  const runner = new AppRunner({ store, runtimes: { isolate: runtime } });
  const apps = new AppManager(store, { appsDir: join(home, 'apps'), tokens: runner.tokens });
  const http = createHttpApp({
    store,
    adminToken: TOKEN,
    bodyLimitBytes: 1 << 20,
    status: () => ({}),
    apps,
    appRunner: runner,
  });
  const call = (method: string, path: string, body?: unknown) =>
    http.request(path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { store, apps, runner, call };
}

describe('examples/energy-insights in the real isolate runtime', () => {
  it('installs over HTTP, runs, reads only the granted 30min data and exports the approved summary', async () => {
    const { store, apps, call } = boxParts();
    const installed = await call('POST', '/api/v1/apps', {
      source: EXAMPLE,
      grants: { power: { datasource: 'meter.power', resolution: '30min', history: 'P62D' } },
      destinations: ['monthly-summary'],
    });
    expect(installed.status).toBe(201);

    const res = await call('POST', '/api/v1/apps/energy-insights/runs');
    const { run } = (await res.json()) as { run: Record<string, unknown> };
    expect(run).toMatchObject({ status: 'ok', reads: 1, insights: 3, exports: 1, error: null });

    const insights = apps.registry.listInsights('energy-insights');
    const daily = insights.find((i) => i.key === 'daily-use');
    expect(daily?.value).toBe(24);
    const [exported] = apps.registry.listExports('energy-insights');
    expect(exported).toMatchObject({
      destination: 'monthly-summary',
      status: 'pending',
      payload: { month: '2024-02', kWh: 696 },
    });

    // the one read was audited at the granted resolution inside the 62-day window
    const [read] = store.audit.query({ action: 'readings.read', actor: 'app:energy-insights' });
    expect(read.details).toMatchObject({ resolution: '30min', from: NOW - 62 * 86_400_000, to: NOW });
    expect(store.kv.get('app:energy-insights', 'lastExportedMonth')).toBe('2024-02');

    const receipt = await call('GET', '/api/v1/apps/energy-insights/receipt');
    expect(receipt.headers.get('content-disposition')).toContain('attachment');
    expect(((await receipt.json()) as { destinations: Array<{ id: string }> }).destinations[0].id).toBe(
      'monthly-summary',
    );

    const removed = await call('DELETE', '/api/v1/apps/energy-insights');
    expect(await removed.json()).toEqual({ kvKeys: 1 });
    expect(store.kv.get('app:energy-insights', 'lastExportedMonth')).toBeUndefined();
    store.close();
  });

  it('at a 1d grant the app reports what it cannot do, and a declined export still ends the run ok', async () => {
    const { store, runner, apps } = boxParts();
    apps.install(EXAMPLE, {
      requests: { power: { datasource: 'meter.power', resolution: '1d', history: 'P62D' } },
    });
    const run = await runner.run('energy-insights');
    // daily use works at 1d; February is whole, but the householder approved no destination: the
    // app gets the typed refusal destination_declined, skips the export and finishes ok
    expect(run.status).toBe('ok');
    expect(run.error).toBeNull();
    expect(run.logs.join('\n')).toContain('peak hours and the tariff comparison need 1h or finer');
    expect(run.logs.join('\n')).toContain('monthly-summary is not approved: 2024-02 was not sent');
    expect(store.audit.query({ action: 'export.refuse', actor: 'app:energy-insights' })).toHaveLength(1);
    expect(apps.registry.listExports('energy-insights')).toEqual([]);
    store.close();
  });

  it('refuses an install asking finer than the app lists, over HTTP with the reason', async () => {
    const { call, store } = boxParts();
    const res = await call('POST', '/api/v1/apps', {
      source: EXAMPLE,
      grants: { power: { datasource: 'meter.power', resolution: '1min' } },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: Array<{ path: string; message: string }> } };
    expect(body.error.details).toEqual([
      {
        path: 'grants.power.resolution',
        message: 'resolution 1min is finer than the 30min the app asked for',
      },
    ]);
    store.close();
  });
});
