import { statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Gateway, type GatewayDeps } from '../../export-gateway/gateway.ts';
import { type GatewayOptions, gatewayOptionsSchema } from '../../export-gateway/options.ts';
import type { ExportRequest } from '../../export-gateway/protocol.ts';
import { GatewayClient, GatewayRequestError, payloadSha256 } from '../../export-gateway/socket-client.ts';
import { useTempDir } from '../helpers/temp-dir.ts';
import { type Handler, type Receiver, startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait-for.ts';

const tempDir = useTempDir('databox-gateway-');
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A gateway in this process on a temp home: dev mode (http to 127.0.0.1), short backoff. */
async function startGateway(options: Partial<GatewayOptions> = {}, deps: GatewayDeps = {}) {
  const home = tempDir();
  const gateway = new Gateway(
    home,
    gatewayOptionsSchema.parse({ devMode: true, backoffBaseMs: 50, backoffMaxMs: 400, ...options }),
    { random: () => 0.5, ...deps },
  );
  await gateway.start();
  cleanup.push(() => gateway.stop());
  return { home, gateway, client: new GatewayClient(gateway.paths.socket) };
}
async function receiver(handle?: Handler): Promise<Receiver> {
  const r = await startReceiver(handle);
  cleanup.push(() => r.close());
  return r;
}
function exportTo(
  url: string,
  id: string,
  payload: ExportRequest['payload'] = { kwh: 24, day: '2026-11-21' },
): ExportRequest {
  return {
    id,
    appId: 'energy-insights',
    runId: 'run-7',
    destination: { id: 'coop', url, allowPrivate: false },
    payload,
    payloadSha256: payloadSha256(payload),
    createdAt: 1_700_000_000_000,
  };
}
async function refusal(promise: Promise<unknown>): Promise<GatewayRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayRequestError);
  return error as GatewayRequestError;
}

describe('Gateway', () => {
  it('delivers an accepted export once, with its key and exact bytes, and logs it', async () => {
    const sink = await receiver();
    const { client } = await startGateway();
    const request = exportTo(sink.url(), 'exp-1');
    expect(await client.submit(request)).toEqual({ accepted: true, id: 'exp-1' });
    const view = await waitFor(async () => {
      const v = await client.status('exp-1');
      return v.status === 'delivered' && v;
    });
    expect(view).toMatchObject({ status: 'delivered', attempts: 1, responseStatus: 200 });
    expect(sink.requests).toHaveLength(1);
    expect(sink.requests[0].headers['idempotency-key']).toBe('exp-1');
    expect(sink.requests[0].body.toString()).toBe('{"kwh":24,"day":"2026-11-21"}');
    const { events } = await client.events(0);
    expect(events).toEqual([
      {
        seq: 1,
        id: 'exp-1',
        type: 'delivered',
        at: view.deliveredAt,
        attempt: 1,
        responseStatus: 200,
        bytes: 29,
      },
    ]);
    expect(await client.health()).toEqual({ ok: true, queued: 0, delivering: 0, failed: 0 });
  });

  it('answers a repeated id with 202 and changes nothing', async () => {
    const sink = await receiver();
    const { client } = await startGateway();
    await client.submit(exportTo(sink.url(), 'same'));
    await waitFor(async () => (await client.status('same')).status === 'delivered');
    expect(await client.submit(exportTo(sink.url(), 'same', { other: true }))).toEqual({
      accepted: true,
      id: 'same',
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(sink.requests).toHaveLength(1);
    expect((await client.events(0)).events).toHaveLength(1);
  });

  it('refuses a payload whose sha256 does not match, an unsafe URL and a malformed body', async () => {
    const { client } = await startGateway({ devMode: false });
    const bad = { ...exportTo('https://coop.example/in', 'h'), payloadSha256: payloadSha256({ kwh: 1 }) };
    expect(await refusal(client.submit(bad))).toMatchObject({ status: 400, code: 'payload_hash_mismatch' });
    const unsafe = await refusal(client.submit(exportTo('https://ok.example@evil.example/in', 'u')));
    expect(unsafe).toMatchObject({ status: 400, code: 'unsafe_destination' });
    expect(unsafe.message).toMatch(/userinfo/);
    const http = await refusal(client.submit(exportTo('http://127.0.0.1:9/in', 'p')));
    expect(http.message).toMatch(/scheme "http:"/);
    const malformed = await refusal(client.submit({ ...exportTo('https://coop.example/in', 'bad id!') }));
    expect(malformed).toMatchObject({ status: 400, code: 'bad_request' });
    expect(await client.health()).toEqual({ ok: true, queued: 0, delivering: 0, failed: 0 });
  });

  it('refuses request bodies over 1 MiB with 413', async () => {
    const { client } = await startGateway();
    const big = { blob: 'x'.repeat(1024 * 1024) };
    expect(await refusal(client.submit(exportTo('http://127.0.0.1:9/in', 'big', big)))).toMatchObject({
      status: 413,
      code: 'payload_too_large',
    });
  });

  it('retries 503s with growing delays, then delivers', async () => {
    const times: number[] = [];
    const sink = await receiver((_req, res) => {
      times.push(Date.now());
      res.writeHead(times.length < 3 ? 503 : 200).end();
    });
    const { client } = await startGateway({ backoffBaseMs: 100, backoffMaxMs: 1000 });
    await client.submit(exportTo(sink.url(), 'r'));
    await waitFor(async () => (await client.status('r')).status === 'delivered');
    expect((await client.events(0)).events.map((e) => [e.type, e.attempt, e.responseStatus])).toEqual([
      ['attempt', 1, 503],
      ['attempt', 2, 503],
      ['delivered', 3, 200],
    ]);
    // random() = 0.5: no jitter, so 100 ms then 200 ms
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(95);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(195);
  });

  it('marks an export failed after maxAttempts, and a householder retry delivers it', async () => {
    let up = false;
    const sink = await receiver((_req, res) => res.writeHead(up ? 200 : 500).end());
    const { client } = await startGateway({ maxAttempts: 3 });
    await client.submit(exportTo(sink.url(), 'f'));
    const failed = await waitFor(async () => {
      const v = await client.status('f');
      return v.status === 'failed' && v;
    });
    expect(failed).toMatchObject({
      attempts: 3,
      responseStatus: 500,
      lastError: 'receiver answered 500; gave up after 3 attempts',
    });
    expect(sink.requests).toHaveLength(3);
    expect(await client.health()).toMatchObject({ failed: 1 });
    up = true;
    expect(await client.retry('f')).toEqual({ accepted: true, id: 'f' });
    await waitFor(async () => (await client.status('f')).status === 'delivered');
    expect(sink.requests).toHaveLength(4);
    expect(await refusal(client.retry('f'))).toMatchObject({ status: 409 });
    expect(await refusal(client.retry('nope'))).toMatchObject({ status: 404 });
  });

  it('does not retry a 4xx', async () => {
    const sink = await receiver((_req, res) => res.writeHead(422).end());
    const { client } = await startGateway();
    await client.submit(exportTo(sink.url(), 'no'));
    const view = await waitFor(async () => {
      const v = await client.status('no');
      return v.status === 'failed' && v;
    });
    expect(view).toMatchObject({ attempts: 1, responseStatus: 422 });
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.requests).toHaveLength(1);
  });

  it('counts a 302 to another host as a failure and never follows it', async () => {
    const other = await receiver();
    const sink = await receiver((_req, res) => res.writeHead(302, { location: other.url('/x') }).end());
    const { client } = await startGateway();
    await client.submit(exportTo(sink.url(), 'redir'));
    const view = await waitFor(async () => {
      const v = await client.status('redir');
      return v.status === 'failed' && v;
    });
    expect(view.lastError).toBe(`redirect 302 to ${other.url('/x')} not followed`);
    expect(sink.requests).toHaveLength(1);
    expect(other.requests).toHaveLength(0);
  });

  it('fails an export whose name resolves to a private address, without connecting', async () => {
    const asked: string[] = [];
    const resolver = async (name: string) => {
      asked.push(name);
      return [{ address: '10.0.0.5', family: 4 }];
    };
    const { client } = await startGateway({ devMode: false }, { resolver });
    await client.submit(exportTo('https://approved.example/in', 'dns'));
    const view = await waitFor(async () => {
      const v = await client.status('dns');
      return v.status === 'failed' && v;
    });
    expect(asked).toEqual(['approved.example']);
    expect(view.lastError).toMatch(/^refused_address: .*10\.0\.0\.5 is private/);
    expect((await client.events(0)).events).toEqual([expect.objectContaining({ type: 'failed', bytes: 0 })]);
  });

  it('keeps the socket private and refuses a second gateway on the same home', async () => {
    const { home, gateway } = await startGateway();
    expect(statSync(gateway.paths.socket).mode & 0o777).toBe(0o600);
    expect(statSync(gateway.paths.dir).mode & 0o777).toBe(0o700);
    const second = new Gateway(home, gatewayOptionsSchema.parse({}));
    await expect(second.start()).rejects.toThrow(/another gateway is already listening/);
  });

  it('answers unknown routes and ids with 404 and bad event queries with 400', async () => {
    const { gateway, client } = await startGateway();
    expect(await refusal(client.status('missing'))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await refusal(client.events(-1))).toMatchObject({ status: 400 });
    const status = await new Promise<number>((resolve, reject) => {
      httpRequest({ socketPath: gateway.paths.socket, path: '/v2/anything' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(404);
  });
});
