import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppManager } from '../../../box/apps/app-manager.ts';
import { AppRunner } from '../../../box/apps/app-runner.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { NOW, testManifest, testStore, writeAppFolder } from './app-fixtures.ts';
import { FakeRuntime } from './fake-runtime.ts';

const tempDir = useTempDir();

function setup(script: ConstructorParameters<typeof FakeRuntime>[0], destinations = ['summary']) {
  const clock = { now: NOW };
  const store = testStore(clock);
  const root = tempDir();
  const apps = new AppManager(store, { appsDir: join(root, 'apps') });
  apps.install(writeAppFolder(root, testManifest()), {
    requests: { power: { datasource: 'meter.power', resolution: '30min', history: 'PT2H' } },
    destinations,
  });
  const runtime = new FakeRuntime(script);
  const runner = new AppRunner({ store, runtimes: { isolate: runtime } });
  return { clock, store, apps, runtime, runner, root };
}

describe('AppRunner', () => {
  it('runs an app through the runtime and records reads, insights, exports and logs', async () => {
    const { store, apps, runtime, runner, root } = setup(async (call) => {
      const grants = (await call('data.grants', {})) as Array<{ request: string; resolution: string }>;
      if (grants[0].resolution !== '30min') throw new Error('wrong grant');
      const read = (await call('data.read', { request: 'power' })) as { points: Array<{ v: number }> };
      await call('insight.emit', {
        key: 'daily-use',
        title: 'Use',
        value: read.points.length,
        data: { kwh: 1.5 },
      });
      await call('export.request', { destination: 'summary', payload: { kwh: 1.5 } });
      await call('kv.set', { key: 'last', value: read.points.length });
      await call('log', { level: 'info', message: 'done' });
    });
    const run = await runner.run('energy-test');
    expect(run).toMatchObject({
      status: 'ok',
      trigger: 'manual',
      reads: 1,
      insights: 1,
      exports: 1,
      error: null,
    });
    // window [10:10, 12:10) → whole, closed buckets: 10:30, 11:00, 11:30 (12:00 is still filling)
    expect(run.rowsRead).toBe(3);
    expect(run.logs).toEqual(['info: done']);
    expect(runtime.runs[0].entry).toBe(join(root, 'apps', 'energy-test', '1.0.0', 'dist', 'app.js'));
    expect(runtime.runs[0].limits).toEqual({ memoryMb: 64, timeoutMs: 30_000 });
    expect(apps.registry.listRuns('energy-test')[0]).toEqual(run);
    const [insight] = apps.registry.listInsights('energy-test');
    expect(insight).toMatchObject({ key: 'daily-use', value: 3, data: { kwh: 1.5 }, runId: run.runId });
    const [exported] = apps.registry.listExports('energy-test');
    expect(exported).toMatchObject({
      destination: 'summary',
      status: 'pending',
      payload: { kwh: 1.5 },
      url: 'https://example.org/upload',
    });
    expect(store.kv.get('app:energy-test', 'last')).toBe(3);
    const actions = store.audit.query({ actor: 'app:energy-test' }).map((e) => e.action);
    // the kv write is audited by key and size (docs/audit.md)
    expect(actions).toEqual([
      'app.run.start',
      'readings.read',
      'export.request',
      'app.kv.set',
      'app.run.end',
    ]);
  });

  it("audits a failed run's code, the same one every runtime gives (apps-sdk/src/run-failure.ts)", async () => {
    const { store, runtime, runner } = setup(async () => {});
    runtime.run = async () => ({
      status: 'timeout',
      error: 'the app went over its time limit of 100 ms',
      errorCode: 'time_limit',
      durationMs: 100,
      logs: [],
    });
    const run = await runner.run('energy-test');
    expect(run).toMatchObject({ status: 'timeout', error: 'the app went over its time limit of 100 ms' });
    const [end] = store.audit.query({ action: 'app.run.end' });
    expect(end.details).toMatchObject({ status: 'timeout', errorCode: 'time_limit' });
  });

  it('ends the session and its token with the run: a call kept from the run is refused afterwards', async () => {
    const { runtime, runner } = setup(async () => {});
    await runner.run('energy-test');
    const kept = runtime.runs[0].call;
    await expect(kept('data.read', { request: 'power' })).rejects.toMatchObject({
      status: 403,
      code: 'forbidden',
    });
    expect(runner.tokens.size).toBe(0);
  });

  it('records an app fault as an error run and refused calls as errors the app sees', async () => {
    const { runner } = setup(async (call) => {
      await call('data.read', { request: 'power', resolution: '1min' });
    });
    const run = await runner.run('energy-test');
    expect(run.status).toBe('error');
    expect(run.error).toBe('resolution 1min is finer than the granted 30min');
  });

  it('refuses undeclared insights, unapproved destinations, schema violations and over-quota exports', async () => {
    const errors: string[] = [];
    const { runner } = setup(async (call) => {
      const attempt = async (method: string, params: unknown) => {
        try {
          await call(method, params);
          errors.push('ok');
        } catch (error) {
          errors.push(`${(error as { code: string }).code}: ${(error as Error).message}`);
        }
      };
      await attempt('insight.emit', { key: 'secret', title: 'x' });
      await attempt('insight.emit', { key: 'daily-use', title: 'x', data: { kwh: 'lots' } });
      await attempt('export.request', { destination: 'research', payload: {} });
      await attempt('export.request', { destination: 'summary', payload: { kwh: 1, extra: 'raw data' } });
      await attempt('export.request', { destination: 'summary', payload: { kwh: 1 } });
      await attempt('export.request', { destination: 'summary', payload: { kwh: 2 } });
      await attempt('export.request', { destination: 'summary', payload: { kwh: 3 } });
      await attempt('fs.read', {});
      await attempt('kv.set', { key: '' });
    });
    await runner.run('energy-test');
    expect(errors[0]).toMatch(/^bad_request: insight "secret" is not declared/);
    expect(errors[1]).toMatch(/^bad_request: insight "daily-use" data does not match/);
    expect(errors[2]).toBe(
      'destination_declined: the householder has not approved export destination "research"',
    );
    expect(errors[3]).toMatch(/^bad_request: the payload for "summary" does not match/);
    expect(errors.slice(4, 6)).toEqual(['ok', 'ok']);
    expect(errors[6]).toMatch(/^rate_limited: "summary" allows 2 exports a day/);
    expect(errors[7]).toBe('not_found: unknown method "fs.read"');
    expect(errors[8]).toMatch(/^bad_request: invalid params for kv.set/);
  });

  it('refuses calls once the app is revoked mid-run, and runs one run per app at a time', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const results: string[] = [];
    const { apps, runner } = setup(async (call) => {
      await gate;
      try {
        await call('data.read', { request: 'power' });
        results.push('read');
      } catch (error) {
        results.push((error as Error).message);
      }
    });
    const pending = runner.run('energy-test');
    expect(() => runner.run('energy-test')).toThrow(/already running/);
    apps.revoke('energy-test');
    release();
    await pending;
    expect(results[0]).toMatch(/revoked/);
  });

  it('says so when the runtime an app needs is missing', () => {
    const { store } = setup(async () => {});
    const runner = new AppRunner({ store, runtimes: {} });
    expect(() => runner.run('energy-test')).toThrow(/isolate runtime is not available/);
  });
});
