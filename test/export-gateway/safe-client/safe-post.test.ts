import { createHash } from 'node:crypto';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SafeClientError } from '../../../export-gateway/safe-client/errors.ts';
import type { Resolver } from '../../../export-gateway/safe-client/resolve-address.ts';
import { type SafeClientOptions, safePost } from '../../../export-gateway/safe-client/safe-post.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';
import { makeTestCa, type TestCa } from '../helpers/test-ca.ts';

const dev: SafeClientOptions = {
  devMode: true,
  connectTimeoutMs: 2000,
  totalTimeoutMs: 3000,
  maxResponseBytes: 1024,
};
const prod: SafeClientOptions = { ...dev, devMode: false };
/** Answers every name with the given addresses and counts the questions. */
function fakeResolver(...addresses: string[]): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolver = async (name: string) => {
    asked.push(name);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolver, { asked });
}
async function rejection(promise: Promise<unknown>): Promise<SafeClientError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SafeClientError);
  return error as SafeClientError;
}

let ca: TestCa;
const open: Array<{ close(): unknown }> = [];
beforeAll(() => {
  ca = makeTestCa();
});
afterAll(() => ca.dispose());
afterEach(async () => {
  for (const server of open.splice(0)) await server.close();
});
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  open.push(r);
  return r;
}

describe('safePost over plain http (dev mode, loopback)', () => {
  it('POSTs the exact bytes with the idempotency key and reads the answer', async () => {
    const sink = await receiver((_req, res) => res.writeHead(201).end('stored'));
    const body = JSON.stringify({ kwh: 3.25, day: '2026-11-21' });
    const res = await safePost(
      {
        url: sink.url(),
        approvedUrl: sink.url(),
        body,
        headers: { 'idempotency-key': 'e-1' },
        allowPrivate: false,
      },
      dev,
    );
    expect(res).toMatchObject({
      status: 201,
      truncated: false,
      bytesSent: Buffer.byteLength(body),
      address: '127.0.0.1',
    });
    expect(res.body.toString()).toBe('stored');
    const [got] = sink.requests;
    expect(got.method).toBe('POST');
    expect(got.headers['idempotency-key']).toBe('e-1');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers.host).toBe(`127.0.0.1:${sink.port}`);
    expect(createHash('sha256').update(got.body).digest('hex')).toBe(
      createHash('sha256').update(body).digest('hex'),
    );
  });

  it('refuses plain http outside dev mode, without connecting', async () => {
    const sink = await receiver();
    const error = await rejection(
      safePost({ url: sink.url(), approvedUrl: sink.url(), body: '{}', allowPrivate: true }, prod),
    );
    expect(error.code).toBe('refused_url');
    expect(sink.requests).toHaveLength(0);
  });

  it('refuses plain http to a non-loopback address even in dev mode', async () => {
    const resolver = fakeResolver('10.0.0.5');
    const error = await rejection(
      safePost(
        {
          url: 'http://approved.example/in',
          approvedUrl: 'http://approved.example/in',
          body: '{}',
          allowPrivate: true,
        },
        { ...dev, resolver },
      ),
    );
    expect(error).toMatchObject({ code: 'refused_address' });
    expect(error.message).toMatch(/only allowed to loopback/);
  });

  it('does not follow a 302 to another host; returns it', async () => {
    const other = await receiver();
    const sink = await receiver((_req, res) => res.writeHead(302, { location: other.url('/steal') }).end());
    const res = await safePost(
      { url: sink.url(), approvedUrl: sink.url(), body: '{}', allowPrivate: false },
      dev,
    );
    expect(res.status).toBe(302);
    expect(res.location).toBe(other.url('/steal'));
    expect(other.requests).toHaveLength(0);
  });

  it('reads at most maxResponseBytes of an endless answer', async () => {
    const sink = await receiver((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(4096, 'x');
      const pump = () => {
        while (res.write(chunk)) {}
        res.once('drain', pump);
      };
      pump();
    });
    const res = await safePost(
      { url: sink.url(), approvedUrl: sink.url(), body: '{}', allowPrivate: false },
      dev,
    );
    expect(res.status).toBe(200);
    expect(res.truncated).toBe(true);
    expect(res.body.length).toBe(dev.maxResponseBytes);
  });

  it('gives up on a receiver that never answers after totalTimeoutMs', async () => {
    const sink = await receiver(() => {});
    const started = Date.now();
    const error = await rejection(
      safePost(
        { url: sink.url(), approvedUrl: sink.url(), body: '{}', allowPrivate: false },
        { ...dev, totalTimeoutMs: 300 },
      ),
    );
    expect(error).toMatchObject({ code: 'total_timeout', retryable: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives up on a receiver that trickles an answer forever after totalTimeoutMs', async () => {
    const sink = await receiver((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'), 20);
      res.on('close', () => clearInterval(timer));
    });
    const error = await rejection(
      safePost(
        { url: sink.url(), approvedUrl: sink.url(), body: '{}', allowPrivate: false },
        { ...dev, totalTimeoutMs: 300 },
      ),
    );
    expect(error.code).toBe('total_timeout');
  });

  it('stops an attempt when its signal aborts', async () => {
    const sink = await receiver(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await rejection(
      safePost(
        {
          url: sink.url(),
          approvedUrl: sink.url(),
          body: '{}',
          allowPrivate: false,
          signal: controller.signal,
        },
        dev,
      ),
    );
    expect(error.code).toBe('aborted');
  });

  it('ignores proxy environment variables', async () => {
    const proxy = await receiver();
    const sink = await receiver();
    const saved = { ...process.env };
    Object.assign(process.env, { HTTP_PROXY: proxy.url('/'), http_proxy: proxy.url('/'), NO_PROXY: '' });
    try {
      await safePost({ url: sink.url(), approvedUrl: sink.url(), body: '{}', allowPrivate: false }, dev);
    } finally {
      process.env = saved;
    }
    expect(sink.requests).toHaveLength(1);
    expect(proxy.requests).toHaveLength(0);
  });
});

describe('safePost DNS checks', () => {
  it.each([
    ['10.0.0.5', /private/],
    ['127.0.0.1', /loopback/],
    ['169.254.169.254', /link-local/],
    ['::ffff:127.0.0.1', /loopback/],
  ])('refuses approved.example resolving to %s before connecting', async (address, reason) => {
    const resolver = fakeResolver(address);
    const error = await rejection(
      safePost(
        {
          url: 'https://approved.example/in',
          approvedUrl: 'https://approved.example/in',
          body: '{}',
          allowPrivate: false,
        },
        { ...prod, resolver },
      ),
    );
    expect(resolver.asked).toEqual(['approved.example']);
    expect(error).toMatchObject({ code: 'refused_address', retryable: false });
    expect(error.message).toMatch(reason);
  });

  it('refuses a name when any one of its answers is private (rebinding)', async () => {
    const resolver = fakeResolver('93.184.216.34', '192.168.1.1');
    const error = await rejection(
      safePost(
        {
          url: 'https://approved.example/in',
          approvedUrl: 'https://approved.example/in',
          body: '{}',
          allowPrivate: false,
        },
        { ...prod, resolver },
      ),
    );
    expect(error.message).toMatch(/192\.168\.1\.1 is private/);
  });

  it('connects to the vetted answer and never asks DNS twice', async () => {
    const sink = await receiver();
    const resolver = fakeResolver('127.0.0.1');
    const url = `http://approved.example:${sink.port}/in`;
    const res = await safePost(
      { url, approvedUrl: url, body: '{}', allowPrivate: false },
      { ...dev, resolver },
    );
    expect(res.status).toBe(200);
    expect(resolver.asked).toEqual(['approved.example']);
    expect(sink.requests[0].headers.host).toBe(`approved.example:${sink.port}`);
  });

  it('reports a failed lookup as retryable', async () => {
    const resolver: Resolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const error = await rejection(
      safePost(
        {
          url: 'https://gone.example/in',
          approvedUrl: 'https://gone.example/in',
          body: '{}',
          allowPrivate: false,
        },
        { ...prod, resolver },
      ),
    );
    expect(error).toMatchObject({ code: 'dns_failed', retryable: true });
  });
});

// HTTPS to 127.0.0.1 needs devMode: allowPrivate never opens loopback (the box's own API is there)
describe('safePost over https with a test CA', () => {
  const resolver = fakeResolver('127.0.0.1');
  it('delivers with the hostname verified against the certificate', async () => {
    const sink = await receiver((_req, res) => res.end('ok'), ca.server('localhost'));
    const res = await safePost(
      { url: sink.url(), approvedUrl: sink.url(), body: '{"a":1}', allowPrivate: false },
      { ...dev, resolver, ca: ca.caCert },
    );
    expect(res.status).toBe(200);
    expect(sink.requests).toHaveLength(1);
  });

  it('fails when the certificate is for another name', async () => {
    const sink = await receiver((_req, res) => res.end('ok'), ca.server('wrong.example'));
    const error = await rejection(
      safePost(
        { url: sink.url(), approvedUrl: sink.url(), body: '{}', allowPrivate: false },
        { ...dev, resolver, ca: ca.caCert },
      ),
    );
    expect(error.code).toBe('tls');
    expect(error.message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
    expect(sink.requests).toHaveLength(0);
  });

  it('fails when the certificate is not from a trusted CA', async () => {
    const sink = await receiver((_req, res) => res.end('ok'), ca.server('localhost'));
    const error = await rejection(
      safePost(
        { url: sink.url(), approvedUrl: sink.url(), body: '{}', allowPrivate: false },
        { ...dev, resolver },
      ),
    );
    expect(error.code).toBe('tls');
    expect(sink.requests).toHaveLength(0);
  });

  it('times out a handshake that never completes (connectTimeoutMs)', async () => {
    // accepts TCP but never speaks TLS
    const sockets: Socket[] = [];
    const silent: TcpServer = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    open.push({
      close: () =>
        new Promise((r) => {
          for (const s of sockets) s.destroy();
          silent.close(r);
        }),
    });
    const port = (silent.address() as { port: number }).port;
    const url = `https://localhost:${port}/in`;
    const error = await rejection(
      safePost(
        { url, approvedUrl: url, body: '{}', allowPrivate: false },
        { ...dev, resolver, ca: ca.caCert, connectTimeoutMs: 200 },
      ),
    );
    expect(error).toMatchObject({ code: 'connect_timeout', retryable: true });
  });
});
