import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppManager } from '../../../box/apps/app-manager.ts';
import { AppRunner } from '../../../box/apps/app-runner.ts';
import { AppScheduler } from '../../../box/apps/app-scheduler.ts';
import { Store } from '../../../box/store/store.ts';
import { runCli } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { MINUTE, NOW, testManifest, testStore, writeAppFolder } from './app-fixtures.ts';
import { FakeRuntime } from './fake-runtime.ts';

const tempDir = useTempDir();

function setup(schedule: unknown) {
  const clock = { now: NOW };
  const store = testStore(clock);
  const root = tempDir();
  const apps = new AppManager(store, { appsDir: join(root, 'apps') });
  apps.install(writeAppFolder(root, { ...testManifest(), schedule }), {
    requests: { power: { datasource: 'meter.power', resolution: '30min' } },
  });
  const runner = new AppRunner({ store, runtimes: { isolate: new FakeRuntime(async () => {}) } });
  const scheduler = new AppScheduler({ store, runner });
  return { clock, store, apps, runner, scheduler };
}

async function settle(runner: AppRunner, id = 'energy-test'): Promise<void> {
  while (runner.isRunning(id)) await new Promise((r) => setTimeout(r, 1));
}

describe('AppScheduler', () => {
  it('runs interval apps when `every` has passed since install, then since the last run', async () => {
    const { clock, runner, scheduler } = setup({ type: 'interval', every: 'PT1H' });
    await scheduler.start(new AbortController().signal);
    // issue 14: the first run waits for its interval (it used to run at install)
    expect(await scheduler.tick()).toEqual([]);
    clock.now += 59 * MINUTE;
    expect(await scheduler.tick()).toEqual([]);
    clock.now += MINUTE;
    expect(await scheduler.tick()).toEqual(['energy-test']);
    await settle(runner);
    clock.now += 59 * MINUTE;
    expect(await scheduler.tick()).toEqual([]);
    clock.now += MINUTE;
    expect(await scheduler.tick()).toEqual(['energy-test']);
    await settle(runner);
    expect(runner.registry.listRuns('energy-test').map((r) => r.trigger)).toEqual(['interval', 'interval']);
    await scheduler.stop();
  });

  it('runs an interval app at install when its manifest says runAtInstall', async () => {
    const { runner, scheduler } = setup({ type: 'interval', every: 'P1D', runAtInstall: true });
    await scheduler.start(new AbortController().signal);
    expect(await scheduler.tick()).toEqual(['energy-test']);
    await settle(runner);
    expect(await scheduler.tick()).toEqual([]);
    await scheduler.stop();
  });

  it('runs on-new-data apps after `databox write` from another process: readings, events and kv', async () => {
    const home = tempDir();
    const store = Store.open(join(home, 'databox.db'));
    const sources = [
      { id: 'meter.power', kind: 'electricity.import.power', valueType: 'gauge', unit: 'W' },
      { id: 'front.door', kind: 'door.contact', valueType: 'event', unit: '' },
      { id: 'house.state', kind: 'house.mode', valueType: 'kv', unit: '' },
    ] as const;
    const apps = new AppManager(store, { appsDir: join(home, 'apps') });
    for (const source of sources) {
      const manifest = {
        ...testManifest(),
        id: `on-${source.id.split('.')[0]}`,
        exports: [],
        requests: [
          {
            name: 'x',
            kind: source.kind,
            resolutions: [{ resolution: 'raw', purpose: 'react to each new value' }],
            history: 'P1D',
          },
        ],
        schedule: { type: 'on-new-data' },
      };
      store.createDatasource(source, 'user');
      apps.install(writeAppFolder(tempDir(), manifest), {
        requests: { x: { datasource: source.id, resolution: 'raw' } },
      });
    }
    const runner = new AppRunner({ store, runtimes: { isolate: new FakeRuntime(async () => {}) } });
    const scheduler = new AppScheduler({ store, runner });
    await scheduler.start(new AbortController().signal);
    expect(await scheduler.tick()).toEqual([]);
    const write = (id: string, input: string) => {
      const cli = runCli(['write', id, '--home', home, '--format', 'jsonl'], input);
      expect(cli.status, cli.stderr).toBe(0);
    };
    write('meter.power', `{"t":${Date.now() - 1000},"v":230}\n`);
    expect(await scheduler.tick()).toEqual(['on-meter']);
    write('front.door', `{"t":${Date.now() - 1000},"data":{"door":"open"}}\n`);
    expect(await scheduler.tick()).toEqual(['on-front']);
    write('house.state', '{"key":"mode","value":"away"}\n');
    expect(await scheduler.tick()).toEqual(['on-house']);
    for (const id of ['on-meter', 'on-front', 'on-house']) await settle(runner, id);
    await scheduler.stop();
    store.close();
  }, 60_000);

  it('runs on-new-data apps only after a granted datasource is written, at most once per minInterval', async () => {
    const { clock, store, runner, scheduler } = setup({ type: 'on-new-data', minInterval: 'PT10M' });
    await scheduler.start(new AbortController().signal);
    expect(await scheduler.tick()).toEqual([]);
    store.writeReadings('room.temp', [{ t: NOW, v: 20 }], 'user'); // not granted to the app
    expect(await scheduler.tick()).toEqual([]);
    store.writeReadings('meter.power', [{ t: NOW, v: 1 }], 'user');
    expect(await scheduler.tick()).toEqual(['energy-test']);
    await settle(runner);
    clock.now += 5 * MINUTE;
    store.writeReadings('meter.power', [{ t: clock.now, v: 1 }], 'user');
    expect(await scheduler.tick()).toEqual([]); // too soon
    clock.now += 5 * MINUTE;
    store.writeReadings('meter.power', [{ t: clock.now, v: 1 }], 'user');
    expect(await scheduler.tick()).toEqual(['energy-test']);
    await settle(runner);
    expect(runner.registry.listRuns('energy-test').map((r) => r.trigger)).toEqual([
      'on-new-data',
      'on-new-data',
    ]);
    await scheduler.stop();
  });

  it('never starts manual apps or apps whose grants are all revoked', async () => {
    const manual = setup({ type: 'manual' });
    await manual.scheduler.start(new AbortController().signal);
    expect(await manual.scheduler.tick()).toEqual([]);
    await manual.scheduler.stop();
    const revoked = setup({ type: 'interval', every: 'PT1H' });
    revoked.apps.revoke('energy-test');
    await revoked.scheduler.start(new AbortController().signal);
    expect(await revoked.scheduler.tick()).toEqual([]);
    await revoked.scheduler.stop();
  });
});
