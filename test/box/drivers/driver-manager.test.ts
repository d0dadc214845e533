import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DriverManager } from '../../../box/drivers/driver-manager.ts';
import { BadRequestError } from '../../../box/errors.ts';
import { Store } from '../../../box/store/store.ts';
import type { DriverType } from '../../../drivers/driver.ts';
import { fakeTypes } from './fake-drivers.ts';

const FAST = { backoff: { initialMs: 20, maxMs: 200 }, flushIntervalMs: 10 };

let store: Store;
let managers: DriverManager[];
let abort: AbortController;

beforeEach(() => {
  store = Store.open(':memory:');
  managers = [];
  abort = new AbortController();
});

afterEach(async () => {
  for (const m of managers) await m.stop();
  store.close();
});

function manager(types = fakeTypes().types): DriverManager {
  const m = new DriverManager({ store, types, log: () => {}, ...FAST });
  managers.push(m);
  return m;
}

async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function stored(id: string): number {
  return (
    (
      store.db
        .prepare('SELECT count(*) AS n FROM readings r JOIN datasources d ON d.sid = r.sid WHERE d.id = ?')
        .get(id) as { n: number } | undefined
    )?.n ?? 0
  );
}

describe('DriverManager', () => {
  it('rejects an invalid config with every problem as path: message, storing nothing', async () => {
    const m = manager();
    await m.start(abort.signal);
    const error = await m
      .add({ type: 'ticking', config: { source: 'Not An Id', everyMs: 0, extra: 1 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    const details = (error as BadRequestError).details.map((d) => `${d.path}: ${d.message}`);
    expect(details).toEqual(
      expect.arrayContaining([
        'config.source: must be a datasource id',
        'config.everyMs: must be at least 1',
        'config.extra: unknown field',
      ]),
    );
    expect(details).toHaveLength(3);
    expect(m.list()).toEqual([]);
    await expect(m.add({ type: 'nope' })).rejects.toThrow(
      /unknown driver type "nope" \(known: ticking, flaky\)/,
    );
  });

  it('audits add/update/remove as the user; remove keeps the datasources and their data', async () => {
    const m = manager();
    await m.start(abort.signal);
    const view = await m.add({ id: 'tick', type: 'ticking', config: { source: 'tick.count', everyMs: 5 } });
    expect(view.status.state).toBe('connected');
    await until(() => stored('tick.count') >= 3, 'three readings');
    await m.update('tick', { config: { everyMs: 7 } });
    expect(m.get('tick').config).toEqual({ source: 'tick.count', everyMs: 7 });
    await m.remove('tick');
    const n = stored('tick.count');
    await new Promise((r) => setTimeout(r, 50));
    expect(stored('tick.count')).toBe(n); // stopped
    expect(store.getDatasource('tick.count').driver).toBe('tick');
    const actions = store.audit
      .query({ actor: 'user' })
      .filter((e) => e.action.startsWith('driver.'))
      .map((e) => [e.action, e.subject]);
    expect(actions).toEqual([
      ['driver.add', 'tick'],
      ['driver.update', 'tick'],
      ['driver.remove', 'tick'],
    ]);
    const writes = store.audit.query({ action: 'readings.write' });
    expect(writes.length).toBeGreaterThan(0);
    expect(new Set(writes.map((e) => e.actor))).toEqual(new Set(['driver:tick']));
    expect(() => m.get('tick')).toThrow(/no driver instance "tick"/);
  });

  it('reports a driver that throws on start as failed and retries it while another keeps ingesting', async () => {
    const { types, starts } = fakeTypes({ failures: 3 });
    const m = manager(types);
    await m.add({ id: 'good', type: 'ticking', config: { source: 'good.count', everyMs: 5 } });
    await m.add({ id: 'bad', type: 'flaky', config: { source: 'bad.count', everyMs: 5 } });
    const started = Date.now();
    await m.start(abort.signal);
    const bad = m.get('bad').status;
    expect(bad.state).toBe('failed');
    expect(bad.lastError?.message).toBe('the fake device is unplugged');
    expect(bad.restarts).toBe(1);
    // a retry is scheduled after the failure (compared with the start, not with a later Date.now():
    // under load the retry can be due before this line runs)
    expect(bad.nextAttemptAt).toBeGreaterThan(started);
    const goodBefore = stored('good.count');
    await until(() => m.get('bad').status.state === 'connected', 'the flaky driver to come up');
    expect(starts.flaky).toBe(4); // three failures, then success
    expect(m.get('bad').status.restarts).toBe(3);
    expect(stored('good.count')).toBeGreaterThan(goodBefore);
    await until(() => stored('bad.count') > 0, 'readings from the recovered driver');
  });

  it('restarts a running driver that reports it cannot go on (ctx.fail), with a fresh driver object', async () => {
    let created = 0;
    const failing: DriverType<Record<string, never>> = {
      type: 'failing',
      description: 'fails 20 ms after each start',
      configSchema: z.strictObject({}),
      create: () => {
        created++;
        let timer: NodeJS.Timeout | undefined;
        return {
          async start(ctx) {
            timer = setTimeout(() => ctx.fail?.(new Error(`lost the device (run ${created})`)), 20);
          },
          async stop() {
            clearTimeout(timer);
          },
        };
      },
    };
    const m = manager([failing as DriverType]);
    await m.start(abort.signal);
    expect((await m.add({ id: 'f', type: 'failing' })).status.state).toBe('connected');
    await until(() => created >= 3, 'two restarts');
    const status = m.get('f').status;
    expect(status.restarts).toBeGreaterThanOrEqual(2);
    expect(status.lastError?.message).toMatch(/^lost the device \(run \d\)$/);
    await m.remove('f');
    const after = created;
    await new Promise((r) => setTimeout(r, 300));
    expect(created).toBe(after); // no restart after removal
  });

  it('starts the stored instances again in a new manager (a box restart); disabled ones stay stopped', async () => {
    const first = manager();
    await first.start(abort.signal);
    await first.add({ id: 'a', type: 'ticking', config: { source: 'a.count', everyMs: 5 } });
    await first.add({ id: 'b', type: 'ticking', config: { source: 'b.count', everyMs: 5 }, enabled: false });
    await first.stop();
    const second = manager();
    await second.start(abort.signal);
    expect(second.list().map((d) => [d.id, d.enabled, d.status.state])).toEqual([
      ['a', true, 'connected'],
      ['b', false, 'stopped'],
    ]);
  });

  it('stores what the context still buffers when stopped', async () => {
    const m = new DriverManager({ store, types: fakeTypes().types, log: () => {}, flushIntervalMs: 60_000 });
    managers.push(m);
    await m.start(abort.signal);
    await m.add({ id: 'slow', type: 'ticking', config: { source: 'slow.count', everyMs: 2 } });
    await new Promise((r) => setTimeout(r, 40));
    expect(stored('slow.count')).toBe(0); // still buffered: the flush interval is a minute
    await m.stop();
    expect(stored('slow.count')).toBeGreaterThan(5);
  });
});
