import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../export-gateway/outbox.ts';
import { gatewayPaths } from '../../export-gateway/paths.ts';
import type { ExportRequest } from '../../export-gateway/protocol.ts';
import { GatewayClient, payloadSha256 } from '../../export-gateway/socket-client.ts';
import { useTempDir } from '../helpers/temp-dir.ts';
import { type GatewayProcess, spawnGateway } from './helpers/gateway-process.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait-for.ts';

const tempDir = useTempDir('databox-gateway-crash-');
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/**
 * A receiver that dedupes by Idempotency-Key, as the contract asks receivers to: it stores the
 * first copy of each key and acknowledges repeats without storing them. While `hold` is on it
 * answers nothing (the request stays open).
 */
async function dedupingReceiver() {
  const stored = new Map<string, string>();
  const held: ServerResponse[] = [];
  const state = { hold: true, duplicates: 0 };
  const sink: Receiver = await startReceiver((req, res) => {
    if (state.hold) return void held.push(res);
    const key = String(req.headers['idempotency-key']);
    if (stored.has(key)) state.duplicates++;
    else stored.set(key, req.body.toString());
    res.writeHead(201).end();
  });
  cleanup.push(() => sink.close());
  return { sink, stored, held, state };
}

function home(): string {
  const dir = tempDir();
  const gateway = {
    devMode: true,
    backoffBaseMs: 50,
    backoffMaxMs: 500,
    concurrency: 4,
    totalTimeoutMs: 60_000,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ gateway }));
  return dir;
}
async function spawn(dir: string): Promise<GatewayProcess> {
  const gw = await spawnGateway(dir);
  cleanup.push(() => gw.child.exitCode === null && gw.child.kill('SIGKILL'));
  return gw;
}
function exportTo(url: string, id: string): ExportRequest {
  const payload = { id, kwh: id.length * 1.5, note: 'ø' };
  return {
    id,
    appId: 'energy-insights',
    runId: 'run-1',
    destination: { id: 'sink', url, allowPrivate: false },
    payload,
    payloadSha256: payloadSha256(payload),
    createdAt: 1,
  };
}
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function drained(client: GatewayClient) {
  await waitFor(
    async () => {
      const h = await client.health();
      return h.queued === 0 && h.delivering === 0 && h;
    },
    20_000,
    'the outbox to drain',
  );
}

describe('gateway process killed mid-delivery', () => {
  it('delivers every accepted export after SIGKILL and a restart, once per key at a deduping receiver', async () => {
    const { sink, stored, held, state } = await dedupingReceiver();
    const dir = home();
    const first = await spawn(dir);
    const client = new GatewayClient(gatewayPaths(dir).socket);

    const ids = Array.from({ length: 20 }, (_, i) => `exp-${String(i).padStart(2, '0')}`);
    const accepted: string[] = [];
    for (const id of ids) {
      const answer = await client.submit(exportTo(sink.url(), id));
      if (answer.accepted) accepted.push(id);
    }
    expect(accepted).toEqual(ids);
    // four attempts in flight (concurrency 4), all held open by the receiver
    await waitFor(() => held.length === 4, 10_000, 'four held requests');
    const inFlight = sink.requests.map((r) => String(r.headers['idempotency-key']));

    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    state.hold = false;
    for (const res of held) res.destroy();

    const second = await spawn(dir);
    await drained(client);

    // every accepted export arrived, byte for byte, and nothing else did
    expect([...stored.keys()].sort()).toEqual([...accepted].sort());
    for (const id of accepted) expect(sha(stored.get(id)!)).toBe(exportTo(sink.url(), id).payloadSha256);
    // the interrupted four were sent again after the restart; none was lost
    expect(inFlight).toHaveLength(4);
    for (const id of inFlight) expect(stored.has(id)).toBe(true);
    expect(sink.requests.length).toBe(accepted.length + 4 + state.duplicates);
    for (const id of accepted) expect((await client.status(id)).status).toBe('delivered');
    const { events } = await client.events(0, 1000);
    const interrupted = events.filter((e) => e.type === 'attempt').map((e) => e.id);
    expect(interrupted.sort()).toEqual([...inFlight].sort());
    expect(events.filter((e) => e.type === 'delivered')).toHaveLength(accepted.length);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 60_000);

  it('delivers whatever was accepted when SIGKILL lands in the middle of submissions', async () => {
    const { sink, stored, state } = await dedupingReceiver();
    state.hold = false;
    const dir = home();
    const first = await spawn(dir);
    const client = new GatewayClient(gatewayPaths(dir).socket);
    const ids = Array.from({ length: 200 }, (_, i) => `burst-${i}`);
    const accepted: string[] = [];
    const submissions = ids.map((id) =>
      client.submit(exportTo(sink.url(), id)).then(
        () => accepted.push(id),
        () => undefined, // the connection died with the gateway: the box would resend it
      ),
    );
    await waitFor(() => accepted.length >= 20, 10_000, '20 accepted exports');
    first.child.kill('SIGKILL');
    await Promise.all(submissions);
    await first.exited;

    await spawn(dir);
    await drained(client);
    // every export that got its 202 is delivered; an export whose 202 was lost may be too
    for (const id of accepted) expect(stored.has(id)).toBe(true);
    for (const key of stored.keys()) expect(ids).toContain(key);
    expect(accepted.length).toBeGreaterThanOrEqual(20);
  }, 60_000);

  it('keeps every 202 of 32 clients posting at once (group commit) through a SIGKILL, and delivers each once', async () => {
    const { sink, stored, held, state } = await dedupingReceiver(); // holds: nothing is delivered yet
    const dir = home();
    const first = await spawn(dir);
    const client = new GatewayClient(gatewayPaths(dir).socket);
    const accepted: string[] = [];
    let next = 0;
    let killed = false;
    const clients = Array.from({ length: 32 }, async () => {
      while (!killed) {
        const id = `wide-${next++}`;
        try {
          await client.submit(exportTo(sink.url(), id));
          accepted.push(id);
        } catch {
          return; // the connection died with the gateway: the box would resend it
        }
      }
    });
    await waitFor(() => accepted.length >= 150, 20_000, '150 accepted exports');
    first.child.kill('SIGKILL');
    killed = true;
    await Promise.all(clients);
    await first.exited;
    for (const res of held.splice(0)) res.destroy();

    // every export that got its 202 is in the outbox the killed gateway left, before any restart
    const outbox = new Outbox(gatewayPaths(dir).db);
    const missing = accepted.filter((id) => outbox.get(id) === undefined);
    outbox.close();
    expect(missing).toEqual([]);
    state.hold = false;
    await spawn(dir);
    await drained(client);
    for (const id of accepted) expect(stored.has(id)).toBe(true);
    // nothing was stored before the kill, so each accepted export reached the receiver once
    expect(state.duplicates).toBe(0);
    expect(stored.size).toBeGreaterThanOrEqual(accepted.length);
  }, 90_000);

  it('stops cleanly on SIGTERM with an attempt in flight, and delivers it after a restart', async () => {
    const { sink, stored, held, state } = await dedupingReceiver();
    const dir = home();
    const first = await spawn(dir);
    const client = new GatewayClient(gatewayPaths(dir).socket);
    await client.submit(exportTo(sink.url(), 'slow'));
    await waitFor(() => held.length === 1, 10_000, 'the held request');
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    state.hold = false;
    await spawn(dir);
    await drained(client);
    expect([...stored.keys()]).toEqual(['slow']);
    const { events } = await client.events(0);
    expect(events.map((e) => [e.type, e.attempt])).toEqual([
      ['attempt', 1],
      ['delivered', 2],
    ]);
    expect(events[0].error).toMatch(/interrupted/);
  }, 60_000);
});
