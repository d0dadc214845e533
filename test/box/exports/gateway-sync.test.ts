import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../../box/exports/gateway-client.ts';
import { GatewaySync } from '../../../box/exports/gateway-sync.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { exportSetup } from './export-service-setup.ts';
import { FakeGateway } from './fake-gateway.ts';

const tempDir = useTempDir();
const gateways: FakeGateway[] = [];
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close();
});

async function setup(options: { listen?: boolean; homeNetwork?: string[] } = {}) {
  const root = tempDir();
  const parts = exportSetup(root, {
    destinations: ['summary', 'research'],
    homeNetwork: options.homeNetwork,
  });
  const socket = join(root, 'gateway', 'gateway.sock');
  const gateway = new FakeGateway();
  gateways.push(gateway);
  if (options.listen !== false) await gateway.listen(socket);
  const sync = new GatewaySync({
    store: parts.store,
    ledger: parts.service.ledger,
    client: new GatewayClient(socket, 2000),
  });
  return { ...parts, gateway, sync, socket };
}

describe('GatewaySync', () => {
  it('lets the gateway reach a private address only for a destination the householder put on the home network', async () => {
    const { startRun, request, gateway, sync, apps } = await setup({ homeNetwork: ['research'] });
    const runId = startRun();
    await request(runId, 'summary', { kwh: 1 });
    await request(runId, 'research', { n: 1 });
    await sync.tick();
    const allow = Object.fromEntries(
      gateway.submissions.map((s) => [s.body.destination.id, s.body.destination.allowPrivate]),
    );
    expect(allow).toEqual({ summary: false, research: true });
    const receipt = apps.receipt('energy-test').receipt as unknown as {
      destinations: Array<{ id: string; homeNetwork: boolean }>;
    };
    expect(receipt.destinations.map((d) => [d.id, d.homeNetwork])).toEqual([
      ['summary', false],
      ['research', true],
    ]);
  });

  it('refuses to mark a destination as on the home network unless it is approved', () => {
    expect(() => exportSetup(tempDir(), { destinations: ['summary'], homeNetwork: ['research'] })).toThrow(
      /cannot be recorded/,
    );
  });

  it('forwards approved exports with the exact bytes, their hash and the idempotency key; never review or rejected ones', async () => {
    const { service, startRun, request, gateway, sync } = await setup();
    const runId = startRun();
    const auto = await request(runId, 'summary', { kwh: 2.25 });
    service.setMode('energy-test', 'review');
    const held = await request(runId, 'summary', { kwh: 9 });
    const refused = await request(runId, 'research', { n: 1 });
    service.reject(refused.id, 'no');

    expect(await sync.tick()).toEqual({ forwarded: 1, events: 0 });
    expect(gateway.submissions).toHaveLength(1);
    const [sent] = gateway.submissions;
    expect(sent.key).toBe(auto.id);
    expect(sent.text).toBe('{"kwh":2.25}');
    expect(sent.body).toMatchObject({
      id: auto.id,
      appId: 'energy-test',
      runId,
      destination: { id: 'summary', url: 'https://example.org/upload', allowPrivate: false },
      payloadSha256: createHash('sha256').update('{"kwh":2.25}').digest('hex'),
    });
    expect(service.ledger.get(auto.id).status).toBe('queued');
    expect(service.ledger.get(held.id).status).toBe('review');

    service.approve(held.id);
    await sync.tick();
    expect(gateway.submissions.map((s) => s.body.id)).toEqual([auto.id, held.id]);
    expect(gateway.submissions.map((s) => s.body.id)).not.toContain(refused.id);
    expect(service.ledger.get(refused.id).status).toBe('rejected');
  });

  it('applies delivery events to the ledger and the audit chain exactly once, keeping the cursor in kv', async () => {
    const { store, service, startRun, request, gateway, sync } = await setup();
    const runId = startRun();
    const ok = await request(runId, 'summary', { kwh: 1 });
    const bad = await request(runId, 'research', { n: 1 });
    await sync.tick();
    gateway.event({ id: ok.id, type: 'attempt', at: 1000, attempt: 1, responseStatus: 503, bytes: 9 });
    gateway.event({ id: ok.id, type: 'attempt', at: 2000, attempt: 2, responseStatus: 200, bytes: 9 });
    gateway.event({ id: ok.id, type: 'delivered', at: 2000, attempt: 2, responseStatus: 200, bytes: 9 });
    gateway.event({
      id: bad.id,
      type: 'failed',
      at: 3000,
      attempt: 1,
      responseStatus: 404,
      error: 'HTTP 404',
      bytes: 7,
    });
    gateway.event({ id: 'not-ours', type: 'delivered', at: 3000, attempt: 1, responseStatus: 200, bytes: 1 });

    expect(await sync.tick()).toEqual({ forwarded: 0, events: 5 });
    expect(service.ledger.get(ok.id)).toMatchObject({
      status: 'delivered',
      attempts: 2,
      responseStatus: 200,
      deliveredAt: 2000,
      lastError: null,
    });
    expect(service.ledger.get(bad.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'HTTP 404',
    });
    expect(sync.cursor).toBe(5);

    // a second sync (or a restarted box with the same kv) takes nothing in twice
    await sync.tick();
    const outcomes = store.audit.query({ actor: 'gateway' });
    expect(outcomes.map((e) => [e.action, e.details.export])).toEqual([
      ['export.delivered', ok.id],
      ['export.failed', bad.id],
    ]);
    expect(outcomes[0].details).toMatchObject({
      commitment: service.ledger.commitment(ok),
      bytes: 9,
      responseStatus: 200,
    });
    expect(store.audit.verify()).toMatchObject({ ok: true });
  });

  it('keeps exports pending while the gateway does not answer, and forwards them once it does', async () => {
    const { service, startRun, request, gateway, sync, socket } = await setup({ listen: false });
    const entry = await request(startRun(), 'summary', { kwh: 1 });
    await expect(sync.tick()).rejects.toThrow();
    expect(service.ledger.get(entry.id).status).toBe('pending');
    await gateway.listen(socket);
    await sync.tick();
    expect(service.ledger.get(entry.id).status).toBe('queued');
    expect(gateway.submissions.map((s) => s.key)).toEqual([entry.id]);
  });

  it('marks an export the gateway refuses as failed (audited), and sends a householder retry to the gateway', async () => {
    const { store, service, startRun, request, gateway, sync } = await setup();
    const runId = startRun();
    gateway.submitStatus = 400;
    const refused = await request(runId, 'summary', { kwh: 1 });
    await sync.tick();
    expect(service.ledger.get(refused.id)).toMatchObject({
      status: 'failed',
      lastError: 'refused by the gateway: forced: no',
    });
    expect(store.audit.query({ action: 'export.failed' })[0]).toMatchObject({
      actor: 'gateway',
      subject: 'energy-test',
    });

    gateway.submitStatus = undefined;
    const queued = await request(runId, 'research', { n: 1 });
    await sync.tick();
    gateway.event({ id: queued.id, type: 'failed', at: 5, attempt: 8, error: 'HTTP 503', bytes: 7 });
    await sync.tick();
    service.retry(queued.id);
    service.retry(refused.id);
    await sync.tick();
    expect(gateway.retries).toEqual([queued.id]);
    expect(service.ledger.get(queued.id).status).toBe('queued');
    // never accepted by the gateway: forwarded again from the start
    expect(gateway.submissions.map((s) => s.body.id)).toEqual([queued.id, refused.id]);
  });
});
