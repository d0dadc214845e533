import { describe, expect, it } from 'vitest';
import { createHttpApp } from '../../../box/http/app.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { exportSetup } from './export-service-setup.ts';

const tempDir = useTempDir();
const TOKEN = 'exports-route-token';

function setup() {
  const parts = exportSetup(tempDir(), { destinations: ['summary', 'research'] });
  const http = createHttpApp({
    store: parts.store,
    adminToken: TOKEN,
    bodyLimitBytes: 1 << 20,
    status: () => ({}),
    exports: parts.service,
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await http.request(path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  return { ...parts, call };
}

describe('/api/v1/exports', () => {
  it('switches an app to review, lists the queue, approves and rejects with the reason', async () => {
    const { store, call, startRun, request } = setup();
    expect(await call('GET', '/api/v1/exports/mode/energy-test')).toEqual({
      status: 200,
      body: { app: 'energy-test', mode: 'auto' },
    });
    expect((await call('PUT', '/api/v1/exports/mode/energy-test', { mode: 'review' })).body.mode).toBe(
      'review',
    );
    const runId = startRun();
    const a = await request(runId, 'summary', { kwh: 1 });
    const b = await request(runId, 'research', { n: 2 });

    const queue = await call('GET', '/api/v1/exports/review');
    expect(queue.body.exports.map((e: { id: string }) => e.id)).toEqual([a.id, b.id]);

    const approved = await call('POST', `/api/v1/exports/${a.id}/approve`);
    expect(approved).toMatchObject({ status: 200, body: { export: { id: a.id, status: 'pending' } } });
    const rejected = await call('POST', `/api/v1/exports/${b.id}/reject`, { reason: 'not this one' });
    expect(rejected.body.export).toMatchObject({
      status: 'rejected',
      reason: 'not this one',
      payload: { n: 2 },
    });

    const shown = await call('GET', `/api/v1/exports/${b.id}`);
    expect(shown.body.export).toMatchObject({ id: b.id, sha256: b.sha256, bytes: 7 });
    const listed = await call('GET', '/api/v1/exports?app=energy-test&status=rejected');
    expect(listed.body.exports.map((e: { id: string }) => e.id)).toEqual([b.id]);
    expect(store.audit.query({ actor: 'user', action: 'export.*' }).map((e) => e.action)).toEqual([
      'export.mode',
      'export.approve',
      'export.reject',
    ]);
  });

  it('answers 409 for a decision on what is not waiting, 404 for an unknown id, 400 for a bad filter or mode', async () => {
    const { call, startRun, request } = setup();
    const entry = await request(startRun(), 'summary', { kwh: 1 });
    const again = await call('POST', `/api/v1/exports/${entry.id}/reject`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('is pending, not waiting for review');
    expect((await call('GET', '/api/v1/exports/nope')).status).toBe(404);
    expect((await call('POST', `/api/v1/exports/${entry.id}/retry`)).status).toBe(409);
    const badFilter = await call('GET', '/api/v1/exports?status=sent');
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.error.details[0].path).toBe('status');
    expect((await call('PUT', '/api/v1/exports/mode/energy-test', { mode: 'later' })).status).toBe(400);
    expect((await call('PUT', '/api/v1/exports/mode/ghost', { mode: 'review' })).status).toBe(404);
  });
});
