import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../apps-sdk/src/manifest.ts';
import { AppRegistry } from '../../../box/apps/app-registry.ts';
import { ExportLedger } from '../../../box/exports/ledger.ts';
import { dashboard, ORIGIN } from '../dashboard-client.ts';

const HOSTILE = '<img src=x onerror="alert(1)">Energy';

/** A signed-in dashboard with a plug, and an app whose manifest name is HTML (the app wrote it). */
async function withPlugAndHostileApp() {
  const d = await dashboard();
  for (const what of ['power', 'energy'])
    d.store.createDatasource(
      {
        id: `z2m.plug.${what}`,
        kind: `electricity.${what}`,
        unit: what === 'power' ? 'W' : 'kWh',
        valueType: 'gauge',
      },
      'driver:z2m',
    );
  const registry = new AppRegistry(d.store.db);
  registry.putInstall({
    id: 'evil',
    version: '1.0.0',
    name: HOSTILE,
    manifest: { id: 'evil', name: HOSTILE } as unknown as Manifest,
    dir: '/apps/evil',
    installedAt: d.store.now(),
    updatedAt: d.store.now(),
  });
  new ExportLedger(d.store.db).insert({
    id: 'held',
    appId: 'evil',
    runId: 'run',
    destination: '<b>x</b>',
    url: 'https://attacker.example/',
    payload: {},
    sha256: '0'.repeat(64),
    salt: null,
    bytes: 2,
    status: 'review',
    attempts: 0,
    responseStatus: null,
    lastError: null,
    createdAt: d.store.now(),
    decidedAt: null,
    decidedBy: null,
    updatedAt: d.store.now(),
  } as never);
  d.store.audit.append({
    actor: 'app:evil',
    action: 'readings.read',
    subject: 'z2m.plug.power',
    details: { resolution: '1h', from: d.store.now() - 86_400_000, to: d.store.now(), rows: 24 },
  });
  await d.signIn();
  return d;
}

describe('devices, activity and notifications against hostile input', () => {
  it('refuses a cross-site rename (no form token) and stores and audits nothing', async () => {
    const d = await withPlugAndHostileApp();
    const res = await d.request('/devices/z2m.plug', {
      form: { name: 'Hijacked', room: 'x' },
      headers: { origin: 'https://attacker.example' },
    });
    expect(res.status).toBe(403);
    const again = await d.request('/devices/z2m.plug', {
      form: { name: 'Hijacked' },
      headers: { origin: ORIGIN },
    });
    expect(again.status).toBe(403);
    expect(d.store.audit.query({ action: 'device.label' })).toEqual([]);
    expect(await (await d.request('/devices')).text()).not.toContain('Hijacked');
  });

  it('refuses a name that would forge lines (control characters) and names the field', async () => {
    const d = await withPlugAndHostileApp();
    const token = await d.formToken('/devices');
    const res = await d.request('/devices/z2m.plug', {
      form: { _csrf: token, name: 'Kettle\r\nuser device.label', room: '' },
      headers: { origin: ORIGIN },
    });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('invalid device name');
    expect(page).toMatch(/<code>name<\/code>: must be at most 64 characters without control characters/);
    expect(d.store.audit.query({ action: 'device.label' })).toEqual([]);
    // and a good one is stored and audited
    const ok = await d.request('/devices/z2m.plug', {
      form: { _csrf: token, name: 'Kettle', room: 'Kitchen' },
      headers: { origin: ORIGIN },
    });
    expect(ok.status).toBe(303);
    expect(d.store.audit.query({ action: 'device.label' })).toHaveLength(1);
  });

  it("shows an app's HTML name as text in the activity feed and the notifications", async () => {
    const d = await withPlugAndHostileApp();
    for (const path of ['/activity', '/notifications']) {
      const page = await (await d.request(path)).text();
      expect(page, path).not.toContain('<img src=x');
      expect(page, path).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Energy');
    }
    const feed = await (await d.request('/activity')).text();
    expect(feed).toContain('read 1 day of power of Plug at hourly steps');
    const notes = await (await d.request('/notifications')).text();
    expect(notes).toContain('1 export of');
    expect(notes).toMatch(/class="badge">1</);
  });
});
