import { statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BadRequestError, ForbiddenError } from '../../../../box/errors.ts';
import {
  AppApiServer,
  type CallHandler,
  DEFAULT_MAX_BODY_BYTES,
} from '../../../../box/sandbox/container/app-api-server.ts';
import { useTempDir } from '../../../helpers/temp-dir.ts';

interface Reply {
  status: number;
  body: unknown;
}

/** One HTTP request over a unix socket, as an app in a container makes it. */
function call(
  socketPath: string,
  options: { token?: string; path?: string; method?: string; body?: string | Buffer; agent?: boolean },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const req = request(
      { socketPath, path: options.path ?? '/v1/call', method: options.method ?? 'POST', headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('AppApiServer', () => {
  const tempDir = useTempDir('databox-api-');
  const servers: AppApiServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  async function serve(handle: CallHandler, options = {}): Promise<{ server: AppApiServer; socket: string }> {
    const server = new AppApiServer(handle, options);
    servers.push(server);
    const socket = join(tempDir(), 'api.sock');
    await server.listen(socket);
    return { server, socket };
  }

  const echo: CallHandler = async (method, params) => ({ method, params });

  it('makes a 32-byte token and a socket any uid may connect to', async () => {
    const { server, socket } = await serve(echo);
    expect(Buffer.from(server.token, 'base64url')).toHaveLength(32);
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o666);
    expect(new AppApiServer(echo).token).not.toBe(server.token);
  });

  it('forwards an authenticated call to the handler and answers { result }', async () => {
    const { server, socket } = await serve(echo);
    const body = JSON.stringify({ method: 'data.read', params: { request: 'power', resolution: '30min' } });
    await expect(call(socket, { token: server.token, body })).resolves.toEqual({
      status: 200,
      body: { result: { method: 'data.read', params: { request: 'power', resolution: '30min' } } },
    });
    // params default to {}; undefined results travel as null
    const none = await serve(async () => undefined);
    await expect(call(none.socket, { token: none.server.token, body: '{"method":"log"}' })).resolves.toEqual({
      status: 200,
      body: { result: null },
    });
    expect(server.calls).toBe(1);
  });

  it('answers 401 for a missing, wrong or other run’s token without calling the handler', async () => {
    let calls = 0;
    const counting: CallHandler = async () => ++calls;
    const { server, socket } = await serve(counting);
    const other = new AppApiServer(counting);
    const body = '{"method":"kv.get","params":{"key":"a"}}';
    for (const token of [undefined, '', 'x', other.token, `${server.token}x`, server.token.slice(1)]) {
      const reply = await call(socket, { token, body });
      expect(reply.status).toBe(401);
      expect(reply.body).toMatchObject({ error: { code: 'unauthorized' } });
    }
    // unauthenticated requests learn nothing about routes either
    expect((await call(socket, { path: '/v2/nothing', method: 'GET' })).status).toBe(401);
    expect(calls).toBe(0);
  });

  it('answers 401 to the right token once the run is over (revoked)', async () => {
    const { server, socket } = await serve(echo);
    const body = '{"method":"log","params":{"level":"info","message":"hi"}}';
    expect((await call(socket, { token: server.token, body })).status).toBe(200);
    server.revoke();
    await expect(call(socket, { token: server.token, body })).resolves.toEqual({
      status: 401,
      body: { error: { code: 'unauthorized', message: expect.stringContaining('run token') } },
    });
    expect(server.calls).toBe(1);
  });

  it('passes DataboxErrors through with their status, code and message', async () => {
    const { server, socket } = await serve(async (method) => {
      if (method === 'data.read') throw new ForbiddenError('resolution 1min is finer than the granted 30min');
      throw new BadRequestError('params.key: Required', {
        details: [{ path: 'params.key', message: 'Required' }],
      });
    });
    await expect(call(socket, { token: server.token, body: '{"method":"data.read"}' })).resolves.toEqual({
      status: 403,
      body: { error: { code: 'forbidden', message: 'resolution 1min is finer than the granted 30min' } },
    });
    const bad = await call(socket, { token: server.token, body: '{"method":"kv.get","params":{}}' });
    expect(bad).toEqual({
      status: 400,
      body: {
        error: {
          code: 'bad_request',
          message: 'params.key: Required',
          details: [{ path: 'params.key', message: 'Required' }],
        },
      },
    });
  });

  it('hides other handler failures behind a 500 and reports them to the host', async () => {
    const seen: Array<[string, unknown]> = [];
    const failure = new Error('ENOENT: /var/lib/databox/secret');
    const { server, socket } = await serve(
      async () => {
        throw failure;
      },
      { onInternalError: (method: string, error: unknown) => seen.push([method, error]) },
    );
    const reply = await call(socket, { token: server.token, body: '{"method":"kv.set"}' });
    expect(reply).toEqual({
      status: 500,
      body: { error: { code: 'internal_error', message: 'the box failed to handle this call' } },
    });
    expect(JSON.stringify(reply.body)).not.toContain('secret');
    expect(seen).toEqual([['kv.set', failure]]);
  });

  it('rejects malformed bodies, other paths and methods with JSON errors', async () => {
    const { server, socket } = await serve(echo);
    const token = server.token;
    const notJson = await call(socket, { token, body: '{method:' });
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ error: { code: 'bad_request', message: /not JSON/ } });
    const noMethod = await call(socket, { token, body: '{"params":{}}' });
    expect(noMethod.status).toBe(400);
    expect(noMethod.body).toMatchObject({ error: { details: [{ path: 'body.method' }] } });
    const extra = await call(socket, { token, body: '{"method":"log","token":"x"}' });
    expect(extra.body).toMatchObject({
      error: { details: [{ path: 'body.token', message: 'unknown field' }] },
    });
    expect((await call(socket, { token, path: '/v1/other', body: '{}' })).status).toBe(404);
    expect((await call(socket, { token, method: 'GET' })).status).toBe(405);
    expect(server.calls).toBe(0);
  });

  it('refuses a body over the size limit with 413', async () => {
    const { server, socket } = await serve(echo, { maxBodyBytes: 1000 });
    const params = { blob: 'a'.repeat(1000) };
    const reply = await call(socket, {
      token: server.token,
      body: JSON.stringify({ method: 'kv.set', params }),
    });
    expect(reply).toEqual({
      status: 413,
      body: {
        error: { code: 'payload_too_large', message: 'request body is larger than the limit of 1000 bytes' },
      },
    });
    // just under the limit passes
    const small = JSON.stringify({ method: 'kv.set', params: { blob: 'a'.repeat(900) } });
    expect((await call(socket, { token: server.token, body: small })).status).toBe(200);
  });

  it('accepts by default a body the size of the largest export a manifest may declare (1 MB)', async () => {
    const { server, socket } = await serve(
      async (_method, params) => (params as { payload: string }).payload.length,
    );
    const body = JSON.stringify({
      method: 'export.request',
      params: { destination: 'x', payload: 'a'.repeat(1_000_000) },
    });
    expect(await call(socket, { token: server.token, body })).toEqual({
      status: 200,
      body: { result: 1_000_000 },
    });
    const over = JSON.stringify({
      method: 'export.request',
      params: { payload: 'a'.repeat(DEFAULT_MAX_BODY_BYTES) },
    });
    expect((await call(socket, { token: server.token, body: over })).status).toBe(413);
  });

  it('limits calls in flight with 429', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { server, socket } = await serve(
      async () => {
        await gate;
        return 'done';
      },
      { maxConcurrentCalls: 2 },
    );
    const body = '{"method":"data.read"}';
    const first = call(socket, { token: server.token, body });
    const second = call(socket, { token: server.token, body });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const third = await call(socket, { token: server.token, body });
    expect(third.status).toBe(429);
    release();
    expect((await first).status).toBe(200);
    expect((await second).body).toEqual({ result: 'done' });
  });

  it('removes the socket file and stops answering when closed', async () => {
    const { server, socket } = await serve(echo);
    await server.close();
    expect(() => statSync(socket)).toThrow(/ENOENT/);
    await expect(call(socket, { token: server.token, body: '{"method":"log"}' })).rejects.toThrow(/ENOENT/);
  });
});
