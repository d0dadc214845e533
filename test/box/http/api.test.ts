import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditJsonl } from '../../../box/audit/verify-jsonl.ts';
import { createHttpApp } from '../../../box/http/app.ts';
import { Store } from '../../../box/store/store.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const TOKEN = 'test-token-0123456789abcdef0123456789abcdef';
const T0 = Date.UTC(2026, 0, 1);

let store: Store;
let app: ReturnType<typeof createHttpApp>;

function call(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  return app.request(path, init);
}

function storeState() {
  return {
    readings: store.db.prepare('SELECT * FROM readings ORDER BY sid, t').all(),
    rollups: store.db.prepare('SELECT count(*) AS n, total(sum) AS s FROM rollups').get(),
    datasources: store.listDatasources(),
  };
}

beforeEach(async () => {
  store = Store.open(join(tempDir(), 'databox.db'));
  app = createHttpApp({
    store,
    adminToken: TOKEN,
    bodyLimitBytes: 64 * 1024,
    status: () => ({ version: 'test' }),
  });
  const res = await call('POST', '/api/v1/datasources', {
    id: 'meter.power',
    kind: 'electricity.import.power',
    unit: 'W',
    valueType: 'gauge',
  });
  expect(res.status).toBe(201);
  expect((await call('POST', '/api/v1/datasources/meter.power/readings', [{ t: T0, v: 100 }])).status).toBe(
    200,
  );
});

afterEach(() => store.close());

describe('HTTP API: authentication', () => {
  it.each([
    ['no token', null],
    ['a wrong token', 'nope'],
  ])('refuses %s with 401 and audits it', async (_name, token) => {
    const res = await call('GET', '/api/v1/datasources', undefined, token);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unauthorized');
    const [failure] = store.audit.query({ action: 'auth.failure' });
    expect(failure.details).toMatchObject({ method: 'GET', path: '/api/v1/datasources' });
    expect((await call('GET', '/cat', undefined, token)).status).toBe(401);
  });

  it('serves /healthz without a token', async () => {
    expect((await call('GET', '/healthz', undefined, null)).status).toBe(200);
  });
});

describe('HTTP API: bad input is refused with a named problem and the store is unchanged', () => {
  it.each([
    ['NaN as a string', [{ t: T0 + 1, v: 'NaN' }], 400, 'readings[0].v'],
    ['a timestamp out of range', [{ t: 1e16, v: 1 }], 400, 'readings[0].t'],
    ['a wrong type of t', [{ t: '2026-01-01', v: 1 }], 400, 'readings[0].t'],
    ['a body that is not a list', { foo: 1 }, 400, ''],
  ])('POST readings with %s', async (_name, body, status, path) => {
    const before = storeState();
    const res = await call('POST', '/api/v1/datasources/meter.power/readings', body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { details: Array<{ path: string }>; message: string } };
    if (path) expect(json.error.details.map((d) => d.path)).toContain(path);
    else expect(json.error.message).toContain('readings');
    expect(storeState()).toEqual(before);
  });

  it('malformed JSON', async () => {
    const before = storeState();
    const res = await call('POST', '/api/v1/datasources/meter.power/readings', '[{"t": 1,');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('malformed_json');
    expect(storeState()).toEqual(before);
  });

  it('an oversized body', async () => {
    const before = storeState();
    const big = Array.from({ length: 5000 }, (_, i) => ({ t: T0 + 1000 + i, v: i }));
    const res = await call('POST', '/api/v1/datasources/meter.power/readings', big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('65536');
    expect(storeState()).toEqual(before);
  });

  it('an unknown datasource', async () => {
    const res = await call('POST', '/api/v1/datasources/nope/readings', [{ t: T0, v: 1 }]);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('"nope"');
  });

  it('an invalid datasource id and a taken one', async () => {
    const before = storeState();
    const bad = await call('POST', '/api/v1/datasources', {
      id: '../etc',
      kind: 'x',
      unit: 'W',
      valueType: 'gauge',
    });
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { error: { details: Array<{ path: string }> } }).error.details[0].path,
    ).toBe('id');
    const taken = await call('POST', '/api/v1/datasources', {
      id: 'meter.power',
      kind: 'x',
      unit: 'W',
      valueType: 'gauge',
    });
    expect(taken.status).toBe(409);
    expect(storeState()).toEqual(before);
  });

  it('bad query parameters', async () => {
    const res = await call('GET', '/api/v1/datasources/meter.power/readings?resolution=2min&from=yesterday');
    expect(res.status).toBe(400);
    const paths = ((await res.json()) as { error: { details: Array<{ path: string }> } }).error.details.map(
      (d) => d.path,
    );
    expect(paths).toEqual(expect.arrayContaining(['resolution', 'from']));
  });
});

describe('HTTP API: data, catalogue and audit', () => {
  it('writes a batch and reads it back raw and at a resolution', async () => {
    const batch = Array.from({ length: 120 }, (_, i) => ({ t: T0 + 10_000 * (i + 1), v: i }));
    const write = await call('POST', '/api/v1/datasources/meter.power/readings', { readings: batch });
    expect(await write.json()).toEqual({ written: 120, duplicates: 0 });
    const raw = (await (
      await call('GET', `/api/v1/datasources/meter.power/readings?from=${T0}&to=${T0 + 3_600_000}`)
    ).json()) as {
      readings: unknown[];
    };
    expect(raw.readings).toHaveLength(121);
    const res = await call(
      'GET',
      '/api/v1/datasources/meter.power/readings?from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z&resolution=5min&agg=max',
    );
    const body = (await res.json()) as { readings: Array<{ t: number; v: number; n: number }> };
    // readings run 0…1200 s, so five 5-minute buckets; bucket 0 holds the v=100 reading at T0 and i = 0…28 (10…290 s); bucket k ≥ 1 holds i = 30k-1 … 30k+28
    expect(body.readings.slice(0, 3)).toEqual([
      { t: T0, v: 100, n: 30 },
      { t: T0 + 300_000, v: 58, n: 30 },
      { t: T0 + 600_000, v: 88, n: 30 },
    ]);
    const read = store.audit.query({ action: 'readings.read', order: 'desc', limit: 1 })[0];
    expect(read.details).toMatchObject({ resolution: '5min', aggregate: 'max', rows: 5 });
  });

  it('updates, erases and deletes a datasource', async () => {
    const patch = await call('PATCH', '/api/v1/datasources/meter.power', {
      location: 'hall',
      retention: { raw: 'P30D' },
    });
    expect(((await patch.json()) as { datasource: { location: string } }).datasource.location).toBe('hall');
    const badPatch = await call('PATCH', '/api/v1/datasources/meter.power', {
      retention: { raw: 'thirty days' },
    });
    expect(badPatch.status).toBe(400);
    const erase = await call('DELETE', `/api/v1/datasources/meter.power/readings?from=${T0}&to=${T0 + 1}`);
    expect(((await erase.json()) as { erased: { readings: number } }).erased.readings).toBe(1);
    expect((await call('DELETE', '/api/v1/datasources/meter.power')).status).toBe(204);
    expect((await call('GET', '/api/v1/datasources/meter.power')).status).toBe(404);
  });

  it('serves the catalogue as HyperCat', async () => {
    const cat = (await (await call('GET', '/cat')).json()) as {
      items: Array<{ href: string; 'item-metadata': Array<{ rel: string; val: string }> }>;
    };
    expect(cat.items).toHaveLength(1);
    const rels = Object.fromEntries(cat.items[0]['item-metadata'].map((m) => [m.rel, m.val]));
    expect(rels['urn:X-databox:rels:hasDatasourceid']).toBe('meter.power');
    expect(rels['urn:X-databox:rels:hasType']).toBe('electricity.import.power');
    expect(rels['urn:X-databox:rels:hasUnit']).toBe('W');
  });

  it('queries, verifies and exports the audit trail', async () => {
    const q = (await (await call('GET', '/api/v1/audit?action=datasource.*&order=asc')).json()) as {
      entries: Array<{ action: string; subject: string }>;
    };
    expect(q.entries.map((e) => `${e.action} ${e.subject}`)).toEqual(['datasource.create meter.power']);
    expect(await (await call('GET', '/api/v1/audit/verify')).json()).toMatchObject({ ok: true });
    const exported = await (await call('GET', '/api/v1/audit/export?format=jsonl')).text();
    const lines = exported.trim().split('\n');
    expect(lines.length).toBe(store.audit.head().seq);
    const result = await verifyAuditJsonl(Readable.from([exported]));
    expect(result.ok).toBe(true);
    const csv = await (await call('GET', '/api/v1/audit/export?format=csv&action=readings.write')).text();
    expect(csv.split('\r\n')[0]).toBe('seq,ts,actor,action,subject,details,prevHash,hash');
  });
});
