import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../../box/http/app.ts';
import { checkRollups } from '../../../box/store/consistency.ts';
import { Store } from '../../../box/store/store.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const TOKEN = 'test-token-0123456789abcdef0123456789abcdef';
const LIMIT = 64 * 1024;
const fixture = (name: string) => readFileSync(join(REPO_ROOT, 'test/fixtures/influx', name), 'utf8');

let store: Store;
let app: ReturnType<typeof createHttpApp>;

function write(query: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  return app.request(`/write?${query}`, {
    method: 'POST',
    headers: { authorization: `Token ${TOKEN}`, ...headers },
    body,
  });
}

const raw = (id: string) => store.read(id, { from: 0, to: 4e12, resolution: 'raw', aggregate: 'mean' });

beforeEach(() => {
  store = Store.open(join(tempDir(), 'databox.db'));
  app = createHttpApp({ store, adminToken: TOKEN, bodyLimitBytes: LIMIT, status: () => ({}) });
});
afterEach(() => store.close());

describe('POST /write (InfluxDB 1.x line protocol)', () => {
  it("stores Telegraf's gzipped body sent with Basic auth, 204, one datasource per series and field", async () => {
    const res = await write('db=telegraf', gzipSync(fixture('telegraf.lp')), {
      authorization: `Basic ${Buffer.from(`telegraf:${TOKEN}`).toString('base64')}`,
      'content-encoding': 'gzip',
    });
    expect(res.status, await res.clone().text()).toBe(204);
    expect(res.headers.get('x-databox-skipped-fields')).toBe('1'); // uptime_format, a string
    expect(raw('cpu.cpu-total.raspberrypi.usage_idle')).toEqual([
      { t: 1_700_000_000_000, v: Number('97.28643216080402') },
      { t: 1_700_000_010_000, v: 96.9 },
    ]);
    expect(raw('mem.raspberrypi.available')).toEqual([{ t: 1_700_000_000_000, v: 3546095616 }]);
    expect(store.getDatasource('disk.mmcblk0p2.ext4.raspberrypi.rw.-.used_percent')).toMatchObject({
      kind: 'disk.used_percent',
      valueType: 'gauge',
      driver: 'influx',
    });
    expect(store.listDatasources().some((d) => d.id.includes('uptime_format'))).toBe(false);
    for (const d of store.listDatasources())
      expect(checkRollups(store.db, store.catalogue.get(d.id))).toEqual([]);
  });

  it("stores Home Assistant's body sent with ?u=&p=: the entity's value, its unit and kind, ns cut to ms", async () => {
    const res = await app.request(`/write?db=home_assistant&u=homeassistant&p=${TOKEN}`, {
      method: 'POST',
      body: fixture('home-assistant.lp'),
    });
    expect(res.status, await res.clone().text()).toBe(204);
    expect(raw('ha.sensor.washing_machine_power')).toEqual([
      { t: 1_700_000_000_123, v: 1843.2 },
      { t: 1_700_000_010_123, v: 2011 },
    ]);
    expect(store.getDatasource('ha.sensor.p1_meter_energy_import')).toMatchObject({
      unit: 'kWh',
      kind: 'energy',
      valueType: 'counter',
    });
    expect(store.getDatasource('ha.sensor.living_room_temperature')).toMatchObject({
      unit: '°C',
      kind: 'temperature',
    });
    expect(raw('ha.binary_sensor.front_door')).toEqual([{ t: 1_700_000_000_423, v: 1 }]);
    // attributes (battery_level, *_str) are not readings and make no datasources
    expect(store.listDatasources()).toHaveLength(4);
    // audited through the influx writer's ingest window
    const entries = store.audit.query({ action: 'readings.write' });
    expect(entries.map((e) => e.actor)).toContain('driver:influx');
  });

  it.each([
    ['s', '1700000000', 1_700_000_000_000],
    ['ms', '1700000000123', 1_700_000_000_123],
    ['u', '1700000000123456', 1_700_000_000_123],
    ['us', '1700000000123456', 1_700_000_000_123],
    ['n', '1700000000123456789', 1_700_000_000_123],
    ['m', '28333333', 1_699_999_980_000],
    ['h', '472222', 1_699_999_200_000],
  ])('honours precision=%s', async (precision, ts, ms) => {
    expect((await write(`db=x&precision=${precision}`, `m v=5 ${ts}`)).status).toBe(204);
    expect(raw('m.v')).toEqual([{ t: ms, v: 5 }]);
  });

  it('gives a line without a timestamp the box clock, and refuses an unknown precision', async () => {
    const before = Date.now();
    expect((await write('db=x', 'm v=1')).status).toBe(204);
    const [reading] = raw('m.v');
    expect(reading.t).toBeGreaterThanOrEqual(before);
    const res = await write('db=x&precision=fortnight', 'm v=1 1');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /precision "fortnight"/,
    );
  });

  it('answers a bad line with 400 naming its line and column, and says what the other lines stored', async () => {
    const body = 'm v=1 1700000000000\nm v=1.2.3 1700000001000\nm v=3 1700000002000\n';
    const res = await write('db=x&precision=ms', body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as {
      error: string;
      written: number;
      details: Array<{ line: number; column: number }>;
    };
    expect(answer.error).toMatch(
      /^partial write: 1 line rejected \(line 2, column 5: .*\); 2 readings from the other lines were stored$/,
    );
    expect(answer.written).toBe(2);
    expect(answer.details[0]).toMatchObject({ line: 2, column: 5 });
    expect(raw('m.v').map((r) => r.v)).toEqual([1, 3]);
  });

  it('refuses to put readings into an event datasource, and stores the rest', async () => {
    store.createDatasource({ id: 'door.v', kind: 'door', unit: '', valueType: 'event' }, 'user');
    const res = await write('precision=s', 'door v=1 1700000000\nok v=2 1700000000');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/line 1.*"door.v" holds event values/);
    expect(raw('ok.v')).toEqual([{ t: 1_700_000_000_000, v: 2 }]);
  });

  it('answers a retried body with 204 and stores nothing twice (first write wins)', async () => {
    const body = fixture('home-assistant.lp');
    expect((await write('db=ha', body)).status).toBe(204);
    const again = await write('db=ha', body);
    expect(again.status).toBe(204);
    expect(again.headers.get('x-databox-written')).toBe('0');
    expect(again.headers.get('x-databox-duplicates')).toBe('5');
  });

  it('answers /ping and CREATE DATABASE as Telegraf and HA expect', async () => {
    expect((await app.request('/ping')).status).toBe(204);
    const res = await app.request('/query', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'q=CREATE+DATABASE+%22telegraf%22',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ results: [{ statement_id: 0 }] });
  });
});

describe('POST /write, as an attacker', () => {
  it.each([
    ['no credentials', {}],
    ['a wrong Token', { authorization: 'Token nope' }],
    ['a wrong Basic password', { authorization: `Basic ${Buffer.from(`${TOKEN}:nope`).toString('base64')}` }],
    [
      'the token as the Basic user name',
      { authorization: `Basic ${Buffer.from(`${TOKEN}:`).toString('base64')}` },
    ],
  ])('refuses %s with 401, stores nothing and audits it', async (_name, headers) => {
    const res = await app.request('/write?db=x&u=x&p=nope', { method: 'POST', headers, body: 'm v=1 1' });
    expect(res.status).toBe(401);
    expect(store.listDatasources()).toEqual([]);
    expect(store.audit.query({ action: 'auth.failure' })).toHaveLength(1);
  });

  it('refuses a gzip bomb that inflates past the body limit with 413, storing nothing', async () => {
    const bomb = gzipSync(`${'m v=1 1\n'.repeat((LIMIT / 8) * 4)}`);
    expect(bomb.length).toBeLessThan(LIMIT);
    const res = await write('db=x', bomb, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(store.listDatasources()).toEqual([]);
  });

  it('creates at most 200 datasources per body, rejecting the lines for more by line number', async () => {
    const body = Array.from({ length: 300 }, (_, i) => `made_up_${i} v=1 1700000000`).join('\n');
    const res = await write('precision=s', body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as {
      written: number;
      rejected: number;
      details: Array<{ line: number }>;
    };
    expect(answer).toMatchObject({ written: 200, rejected: 100 });
    expect(answer.details[0].line).toBe(201);
    expect(store.listDatasources()).toHaveLength(200);
    // the same body again stores the next 200 (the first 200 exist now)
    expect((await write('precision=s', body)).status).toBe(204);
    expect(store.listDatasources()).toHaveLength(300);
  });

  it('keeps hostile names inside the id pattern', async () => {
    const res = await write('precision=s', '..\\ /etc/passwd,x=../../root v=1 1700000000');
    expect(res.status).toBe(204);
    const [source] = store.listDatasources();
    expect(source.id).toMatch(/^[a-z0-9][a-z0-9._-]{0,63}$/);
    expect(source.id).not.toContain('/');
  });
});
