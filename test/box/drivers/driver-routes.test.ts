import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriverManager, type DriverView } from '../../../box/drivers/driver-manager.ts';
import { createHttpApp } from '../../../box/http/app.ts';
import { Store } from '../../../box/store/store.ts';
import { DRIVER_TYPES } from '../../../drivers/registry.ts';
import { fakeTypes } from './fake-drivers.ts';

interface JsonSchema {
  type: string;
  required: string[];
  properties: Record<string, { default?: unknown }>;
}
interface ErrorBody {
  error: { message: string; details: unknown[] };
}

const TOKEN = 'test-token-0123456789abcdef0123456789abcdef';
let store: Store;
let drivers: DriverManager;
let app: ReturnType<typeof createHttpApp>;

beforeEach(async () => {
  store = Store.open(':memory:');
  drivers = new DriverManager({
    store,
    types: [...fakeTypes().types, ...DRIVER_TYPES],
    log: () => {},
    flushIntervalMs: 10,
  });
  await drivers.start(new AbortController().signal);
  app = createHttpApp({ store, adminToken: TOKEN, bodyLimitBytes: 1 << 20, status: () => ({}), drivers });
});

afterEach(async () => {
  await drivers.stop();
  store.close();
});

function call(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return app.request(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

describe('/api/v1/drivers', () => {
  it('needs the admin token', async () => {
    expect((await call('GET', '/api/v1/drivers', undefined, null)).status).toBe(401);
    expect((await call('GET', '/api/v1/driver-types', undefined, 'wrong')).status).toBe(401);
  });

  it('lists the driver types with their config as JSON Schema', async () => {
    const res = await call('GET', '/api/v1/driver-types');
    expect(res.status).toBe(200);
    const { types } = (await res.json()) as { types: Array<{ type: string; configSchema: JsonSchema }> };
    // the test types, then the registry's (mqtt first; others are appended by their authors)
    expect(types.map((t) => t.type).slice(0, 3)).toEqual(['ticking', 'flaky', 'mqtt']);
    const mqtt = types.find((t) => t.type === 'mqtt')!.configSchema;
    expect(mqtt.type).toBe('object');
    expect(mqtt.required).toEqual(['url']); // everything else has a default or is optional
    expect(mqtt.properties.qos).toMatchObject({ default: 1 });
    expect(mqtt.properties.topics.default).toContain('zigbee2mqtt/#');
  });

  it('adds, shows, changes and deletes an instance, with status, secrets redacted', async () => {
    const created = await call('POST', '/api/v1/drivers', {
      id: 'tick',
      type: 'ticking',
      config: { source: 'tick.count', everyMs: 5 },
    });
    expect(created.status).toBe(201);
    const { driver } = (await created.json()) as { driver: DriverView };
    expect(driver).toMatchObject({
      id: 'tick',
      type: 'ticking',
      enabled: true,
      status: { state: 'connected' },
    });

    const list = (await (await call('GET', '/api/v1/drivers')).json()) as { drivers: DriverView[] };
    expect(list.drivers.map((d) => d.id)).toEqual(['tick']);

    const disabled = await call('PATCH', '/api/v1/drivers/tick', { enabled: false });
    expect(((await disabled.json()) as { driver: DriverView }).driver).toMatchObject({
      enabled: false,
      status: { state: 'stopped' },
    });

    expect((await call('DELETE', '/api/v1/drivers/tick')).status).toBe(204);
    const gone = await call('GET', '/api/v1/drivers/tick');
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as ErrorBody).error.message).toBe('no driver instance "tick"');

    // an mqtt instance pointing nowhere: stored, reported failed, password not shown
    const mqtt = await call('POST', '/api/v1/drivers', {
      type: 'mqtt',
      config: { url: 'mqtt://127.0.0.1:9', username: 'box', password: 'hunter2', connectTimeoutMs: 500 },
    });
    const body = (await mqtt.json()) as { driver: DriverView };
    expect(body.driver.id).toBe('mqtt');
    expect(body.driver.config).toMatchObject({ username: 'box', password: '***' });
    expect(body.driver.status.state).toBe('failed');
    expect(JSON.stringify(store.audit.query({ action: 'driver.add' }))).not.toContain('hunter2');
    // sending back the config as read keeps the stored password
    const patched = await call('PATCH', '/api/v1/drivers/mqtt', {
      config: { ...(body.driver.config as Record<string, unknown>), username: 'box2' },
    });
    expect(patched.status).toBe(200);
    expect(store.kv.get('drivers', 'mqtt')).toMatchObject({
      config: { username: 'box2', password: 'hunter2' },
    });
  });

  it('answers 400 with every config problem as path and message', async () => {
    const res = await call('POST', '/api/v1/drivers', {
      type: 'mqtt',
      config: { url: 'http://hub', qos: 2, topics: ['a/#/b'], colour: 'red' },
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string; details: Array<{ path: string }> } };
    expect(error.message).toBe('invalid config for a mqtt driver');
    expect(error.details.map((d) => d.path).sort()).toEqual([
      'config.colour',
      'config.qos',
      'config.topics[0]',
      'config.url',
    ]);
    expect((await call('POST', '/api/v1/drivers', { type: 'zwave' })).status).toBe(400);
    expect(
      (await call('POST', '/api/v1/drivers', { type: 'ticking', id: 'Bad Id', config: {} })).status,
    ).toBe(400);
  });

  it('answers 409 for a taken id and 400 for a bad patch', async () => {
    const body = { id: 'x', type: 'ticking', config: { source: 'x.count', everyMs: 50 } };
    expect((await call('POST', '/api/v1/drivers', body)).status).toBe(201);
    expect((await call('POST', '/api/v1/drivers', body)).status).toBe(409);
    const bad = await call('PATCH', '/api/v1/drivers/x', { config: { everyMs: -1 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.details).toEqual([
      { path: 'config.everyMs', message: 'must be at least 1' },
    ]);
  });
});
