import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppManager } from '../../box/apps/app-manager.ts';
import { Box } from '../../box/box.ts';
import { ExportService } from '../../box/exports/export-service.ts';
import { GatewaySupervisor } from '../../box/exports/gateway-supervisor.ts';
import { Store } from '../../box/store/store.ts';
import { insertRun, testManifest, writeAppFolder } from '../box/apps/app-fixtures.ts';
import { writeApp } from '../box/sandbox/isolate/app-bundle.ts';
import { type BoxProcess, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A receiver on 127.0.0.1 that records every POST and answers `status()`. */
async function receiver(status: () => number = () => 200) {
  const seen: Array<{ key: string; body: string; type: string; method: string; answered: number }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answered = status();
      seen.push({
        key: String(req.headers['idempotency-key']),
        body: Buffer.concat(chunks).toString('utf8'),
        type: String(req.headers['content-type']),
        method: String(req.method),
        answered,
      });
      res.writeHead(answered, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;
  return { url, seen };
}

/** A home whose config allows plain http to loopback (dev mode) with short retry delays. */
function devHome(): string {
  const home = tempDir();
  const config = { http: { port: 0 }, gateway: { devMode: true, backoffBaseMs: 100, backoffMaxMs: 400 } };
  writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  return home;
}

/** Installs the CORE test app with its `summary` export pointed at `url`, the app code in `body`. */
function installApp(store: Store, home: string, url: string, body: string) {
  const root = tempDir();
  const manifest = testManifest({
    exports: [
      {
        id: 'summary',
        url,
        reason: 'test receiver',
        schema: {
          type: 'object',
          required: ['kwh'],
          properties: { kwh: { type: 'number' } },
          additionalProperties: false,
        },
        maxBytes: 200,
        maxPerDay: 10,
      },
    ],
  });
  const dir = writeAppFolder(root, manifest);
  writeApp(dir, body);
  if (!store.listDatasources().some((d) => d.id === 'meter.power'))
    store.createDatasource(
      { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
  const apps = new AppManager(store, { appsDir: join(home, 'apps') });
  apps.install(dir, {
    requests: { power: { datasource: 'meter.power', resolution: '30min', history: 'PT2H' } },
    destinations: ['summary'],
  });
}

async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('exports end to end with the real export gateway', () => {
  it('an isolate app run exports; the gateway delivers once with the Idempotency-Key; ledger and audit say delivered', async () => {
    const sink = await receiver();
    const home = devHome();
    const logs: string[] = [];
    const box = new Box({ home, log: (m) => logs.push(m) });
    await box.start();
    cleanups.push(() => box.stop());
    installApp(
      box.store,
      home,
      sink.url,
      "await call('export.request', { destination: 'summary', payload: { kwh: 42.5 } });",
    );

    const run = await box.appRunner.run('energy-test');
    expect(run).toMatchObject({ status: 'ok', exports: 1, error: null });
    const [entry] = box.exports.ledger.list({ appId: 'energy-test' });
    const delivered = await until('delivery', () => {
      const now = box.exports.ledger.get(entry.id);
      return now.status === 'delivered' ? now : undefined;
    });

    const text = '{"kwh":42.5}';
    expect(sink.seen).toEqual([
      { key: entry.id, body: text, type: 'application/json', method: 'POST', answered: 200 },
    ]);
    expect(delivered).toMatchObject({ attempts: 1, responseStatus: 200, bytes: 12 });
    expect(delivered.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    const trail = box.store.audit.query({ action: 'export.*' });
    expect(trail.map((e) => [e.actor, e.action])).toEqual([
      ['app:energy-test', 'export.request'],
      ['gateway', 'export.delivered'],
    ]);
    expect(trail[1].details).toMatchObject({
      export: entry.id,
      // salted: sha256(salt ‖ payload text), the salt in the ledger
      commitment: createHash('sha256').update(`${delivered.salt}${text}`).digest('hex'),
      responseStatus: 200,
    });
    expect(box.store.audit.verify()).toMatchObject({ ok: true });
    expect(
      String(box.status().parts && (box.status().parts as Record<string, string>)['export-gateway']),
    ).toMatch(/^running \(pid \d+/);
  }, 60_000);

  it('after a SIGKILL of the box every accepted export is delivered exactly once per key', async () => {
    let answer = 503;
    const sink = await receiver(() => answer);
    const home = devHome();
    let box: BoxProcess | undefined = await startBoxProcess(home);
    cleanups.push(async () => box && stopBoxProcess(box, 'SIGKILL'));

    const store = Store.open(join(home, 'databox.db'));
    cleanups.push(async () => store.close());
    installApp(store, home, sink.url, '');
    const exports = new ExportService({ store });
    // what an app run does: a live run asks for exports (the run path itself is covered above)
    const runId = 'run-before-kill';
    insertRun(exports.registry, { runId, startedAt: Date.now() });
    const first = await exports.request({
      appId: 'energy-test',
      runId,
      destination: 'summary',
      payload: { kwh: 1 },
    });
    // the gateway has it and the receiver has refused it at least once
    await until(
      'the first attempt',
      () => sink.seen.length > 0 && exports.ledger.get(first.id).status === 'queued',
    );
    await stopBoxProcess(box, 'SIGKILL');
    box = undefined;
    // accepted while the box is down: the ledger has it, the gateway does not yet
    const second = await exports.request({
      appId: 'energy-test',
      runId,
      destination: 'summary',
      payload: { kwh: 2 },
    });
    answer = 200;

    box = await startBoxProcess(home);
    await until(
      'both delivered',
      () => [first.id, second.id].every((id) => exports.ledger.get(id).status === 'delivered'),
      30_000,
    );
    const ok = sink.seen.filter((s) => s.answered === 200);
    expect(ok.map((s) => s.key).sort()).toEqual([first.id, second.id].sort());
    expect(ok.find((s) => s.key === second.id)?.body).toBe('{"kwh":2}');
    const delivered = store.audit.query({ action: 'export.delivered' });
    expect(delivered.map((e) => e.details.export).sort()).toEqual([first.id, second.id].sort());
    expect(store.audit.verify()).toMatchObject({ ok: true });
  }, 90_000);

  it('restarts a gateway that dies, and exports made meanwhile go out once it is back', async () => {
    const sink = await receiver();
    const home = devHome();
    const store = Store.open(join(home, 'databox.db'));
    cleanups.push(async () => store.close());
    installApp(store, home, sink.url, '');
    const exports = new ExportService({ store });
    const logs: string[] = [];
    const supervisor = new GatewaySupervisor({
      home,
      store,
      exports,
      pollMs: 100,
      restartBackoff: { initialMs: 200, maxMs: 200 },
      log: (m) => logs.push(m),
    });
    await supervisor.start(new AbortController().signal);
    cleanups.push(() => supervisor.stop());
    const firstPid = await until('the gateway', () => supervisor.process?.pid);
    await until(
      'the socket',
      async () => (await supervisor.client.health().catch(() => undefined))?.status === 200,
    );

    supervisor.process?.kill('SIGKILL');
    insertRun(exports.registry, { runId: 'run-restart', startedAt: Date.now() });
    const entry = await exports.request({
      appId: 'energy-test',
      runId: 'run-restart',
      destination: 'summary',
      payload: { kwh: 3 },
    });
    await until(
      'delivery after the restart',
      () => exports.ledger.get(entry.id).status === 'delivered',
      30_000,
    );
    expect(supervisor.process?.restarts).toBe(1);
    expect(supervisor.process?.pid).not.toBe(firstPid);
    expect(supervisor.state).toMatch(/^running \(pid \d+, 1 restarts\)$/);
    expect(logs.join('\n')).toContain('the export gateway stopped (signal SIGKILL); restarting in 200 ms');
    expect(sink.seen.map((s) => [s.key, s.body])).toEqual([[entry.id, '{"kwh":3}']]);
  }, 60_000);
});
