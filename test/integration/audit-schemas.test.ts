import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ACTION_SCHEMAS } from '../../box/audit/action-schemas.ts';
import { testManifest } from '../box/apps/app-fixtures.ts';
import { writeApp } from '../box/sandbox/isolate/app-bundle.ts';
import { runCli, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';

/**
 * Issue 11 point 8: every entry a real box writes validates against its action's schema. One box
 * process, driven through the HTTP API and the CLI as a householder would: datasources, writes,
 * reads, erasure, a driver, an app installed, run (kv, export held for review), re-granted,
 * revoked and uninstalled, exports approved and rejected, a refused API call, a check; then
 * every entry of its trail is validated.
 */
const APP = `
  await call('data.read', { request: 'power' });
  await call('kv.set', { key: 'last', value: 1 });
  await call('kv.set', { key: 'last', value: 2 });
  await call('export.request', { destination: 'summary', payload: { kwh: 1.5 } });
  await call('export.request', { destination: 'summary', payload: { kwh: 2.5 } });
  try { await call('export.request', { destination: 'nowhere', payload: {} }); } catch {}
  try { await call('data.read', { request: 'temp' }); } catch {}
`;

describe('audit entries validate against their action schemas', () => {
  const home = mkdtempSync(join(tmpdir(), 'databox-audit-schemas-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('a representative scenario leaves only entries that match their schema', async () => {
    const box = await startBoxProcess(home);
    const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
    const api = async (method: string, path: string, body?: unknown, auth = `Bearer ${token}`) => {
      const res = await fetch(`${box.url}/api/v1${path}`, {
        method,
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
    try {
      const power = { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' };
      expect((await api('POST', '/datasources', power)).status).toBe(201);
      const door = { id: 'door', kind: 'occupancy', unit: '', valueType: 'event' };
      expect((await api('POST', '/datasources', door)).status).toBe(201);
      expect((await api('PATCH', '/datasources/door', { description: 'front door' })).status).toBe(200);
      const now = Math.floor(Date.now() / 60_000) * 60_000;
      const readings = Array.from({ length: 180 }, (_, i) => ({
        t: now - 3_600_000 + i * 20_000,
        v: 100 + i,
      }));
      expect((await api('POST', '/datasources/meter.power/readings', readings)).status).toBeLessThan(300);
      expect(
        (await api('POST', '/datasources/door/events', [{ t: now, data: { open: true } }])).status,
      ).toBeLessThan(300);
      expect(
        (await api('GET', `/datasources/meter.power/readings?from=${now - 7_200_000}&to=${now}`)).status,
      ).toBe(200);
      expect((await api('GET', '/datasources/meter.power/latest')).status).toBe(200);
      expect((await api('GET', `/datasources/door/events?from=0&to=${now + 1}`)).status).toBe(200);
      expect((await api('GET', '/datasources', undefined, 'Bearer wrong')).status).toBe(401);

      const driver = await api('POST', '/drivers', { type: 'simulator', config: { seed: 7 } });
      expect(driver.status).toBeLessThan(300);
      const driverId = driver.body.driver.id;
      expect((await api('PATCH', `/drivers/${driverId}`, { enabled: false })).status).toBe(200);
      expect((await api('DELETE', `/drivers/${driverId}`)).status).toBeLessThan(300);

      const dir = join(home, 'app-src');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'databox-app.json'), JSON.stringify(testManifest()));
      writeApp(dir, APP);
      const grants = { power: { datasource: 'meter.power', resolution: '30min', history: 'P1D' } };
      expect((await api('POST', '/apps', { source: dir, grants, destinations: ['summary'] })).status).toBe(
        201,
      );
      expect((await api('PUT', '/exports/mode/energy-test', { mode: 'review' })).status).toBe(200);
      const run = await api('POST', '/apps/energy-test/runs');
      expect(run.body.run).toMatchObject({ status: 'ok', exports: 2 });
      const held = (await api('GET', '/exports/review')).body.exports as Array<{ id: string }>;
      expect(held).toHaveLength(2);
      expect((await api('POST', `/exports/${held[0].id}/approve`)).status).toBe(200);
      expect((await api('POST', `/exports/${held[1].id}/reject`, { reason: 'too much' })).status).toBe(200);
      const regrant = { power: { datasource: 'meter.power', resolution: '30min', history: 'PT12H' } };
      expect(
        (await api('PUT', '/apps/energy-test/grants', { grants: regrant, destinations: [] })).status,
      ).toBe(200);
      expect((await api('POST', '/apps/energy-test/revoke', {})).status).toBe(200);
      expect((await api('DELETE', '/apps/energy-test')).status).toBe(200);

      const erased = await api(
        'DELETE',
        `/datasources/meter.power/readings?from=${now - 3_600_000}&to=${now - 1_800_000}`,
      );
      expect(erased.status).toBe(200);
      expect((await api('DELETE', '/datasources/door')).status).toBe(204);
    } finally {
      await stopBoxProcess(box);
    }
    expect(runCli(['audit', 'checkpoint', '--home', home]).status).toBe(0);
    const exported = runCli(['audit', 'export', '--home', home]);
    expect(exported.status).toBe(0);
    const entries = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; actor: string; action: string; details: unknown });

    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const problems: string[] = [];
    for (const e of entries) {
      const schema = ACTION_SCHEMAS[e.action];
      if (!schema) {
        problems.push(`seq ${e.seq}: action ${e.action} has no schema`);
        continue;
      }
      if (!ajv.getSchema(e.action)) ajv.addSchema(schema.details, e.action);
      const validate = ajv.getSchema(e.action);
      if (!validate?.(e.details))
        problems.push(
          `seq ${e.seq} ${e.action}: ${ajv.errorsText(validate?.errors)} in ${JSON.stringify(e.details)}`,
        );
    }
    expect(problems).toEqual([]);
    // the scenario reached what it set out to: these actions all occurred
    const seen = new Set(entries.map((e) => e.action));
    for (const action of [
      'box.start',
      'box.stop',
      'datasource.create',
      'datasource.update',
      'datasource.delete',
      'readings.write',
      'readings.read',
      'readings.erase',
      'readings.refuse',
      'events.write',
      'events.read',
      'auth.failure',
      'driver.add',
      'driver.update',
      'driver.remove',
      'app.install',
      'app.grant',
      'app.run.start',
      'app.run.end',
      'app.kv.set',
      'app.kv.summary',
      'app.revoke',
      'app.uninstall',
      'export.mode',
      'export.request',
      'export.refuse',
      'export.approve',
      'export.reject',
    ])
      expect(seen, action).toContain(action);
  }, 180_000);
});
