import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSocketCall } from '../../apps-sdk/src/container-client.ts';
import { defineApp } from '../../apps-sdk/src/define-app.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();
const globals = globalThis as { __databoxCall?: unknown; __databoxRun?: () => Promise<void> };

/** A stand-in for the box's per-run app API server: echoes calls, 401 on a wrong token. */
async function fakeBox(): Promise<{ socket: string; server: Server; calls: unknown[] }> {
  const socket = join(tempDir(), 'api.sock');
  const calls: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== 'Bearer t0ken' || req.url !== '/v1/call' || req.method !== 'POST') {
        res.statusCode = 401;
        res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'bad token' } }));
        return;
      }
      const { method, params } = JSON.parse(body);
      calls.push({ method, params });
      if (method === 'data.read') {
        res.statusCode = 403;
        res.end(
          JSON.stringify({
            error: { code: 'forbidden', message: 'resolution 1min is finer than the granted 30min' },
          }),
        );
        return;
      }
      res.end(JSON.stringify({ result: method === 'kv.get' ? { stored: params.key } : { ok: true } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { socket, server, calls };
}

describe('defineApp', () => {
  afterEach(() => {
    delete globals.__databoxCall;
    delete globals.__databoxRun;
    delete process.env.DATABOX_API_SOCKET;
    delete process.env.DATABOX_RUN_TOKEN;
  });

  it('returns a handle and runs nothing outside a runtime', async () => {
    let ran = false;
    const app = defineApp(async () => {
      ran = true;
    });
    expect(globals.__databoxRun).toBeUndefined();
    expect(ran).toBe(false);
    await app.run(async () => null);
    expect(ran).toBe(true);
  });

  it('uses the isolate transport: JSON text both ways, errors as plain Errors with the message', async () => {
    const sent: Array<[string, string]> = [];
    globals.__databoxCall = async (method: string, json: string) => {
      sent.push([method, json]);
      if (method === 'data.read') throw new Error('resolution 1min is finer than the granted 30min');
      return method === 'kv.get' ? JSON.stringify({ x: 1 }) : JSON.stringify({ ok: true });
    };
    let got: unknown;
    let failure = '';
    defineApp(async (ctx) => {
      got = await ctx.kv.get('a');
      await ctx.log.info('hi');
      await ctx.data.read('power', { resolution: '1min' }).catch((e: Error) => {
        failure = e.message;
      });
    });
    expect(typeof globals.__databoxRun).toBe('function');
    await globals.__databoxRun?.();
    expect(got).toEqual({ x: 1 });
    expect(failure).toBe('resolution 1min is finer than the granted 30min');
    expect(sent).toEqual([
      ['kv.get', '{"key":"a"}'],
      ['log', '{"level":"info","message":"hi"}'],
      ['data.read', '{"resolution":"1min","request":"power"}'],
    ]);
  });

  it('uses the container transport over the unix socket and sets the exit code', async () => {
    const box = await fakeBox();
    process.env.DATABOX_API_SOCKET = box.socket;
    process.env.DATABOX_RUN_TOKEN = 't0ken';
    const previous = process.exitCode;
    const done = new Promise<void>((resolve) => {
      defineApp(async (ctx) => {
        await ctx.insight.emit({ key: 'k', title: 'T', value: 1 });
        resolve();
      });
    });
    await done;
    await new Promise((r) => setImmediate(r));
    expect(process.exitCode).toBe(0);
    process.exitCode = previous;
    expect(box.calls).toEqual([{ method: 'insight.emit', params: { key: 'k', title: 'T', value: 1 } }]);
    box.server.close();
  });

  it('turns HTTP errors into AppApiErrors with the box code and message', async () => {
    const box = await fakeBox();
    const call = createSocketCall(box.socket, 't0ken');
    expect(await call('kv.get', { key: 'z' })).toEqual({ stored: 'z' });
    await expect(call('data.read', { request: 'p' })).rejects.toMatchObject({
      code: 'forbidden',
      message: 'resolution 1min is finer than the granted 30min',
    });
    await expect(createSocketCall(box.socket, 'wrong')('log', {})).rejects.toMatchObject({
      code: 'unauthorized',
    });
    await expect(createSocketCall(join(tempDir(), 'none.sock'), 't')('log', {})).rejects.toThrow(
      /cannot reach the box/,
    );
    box.server.close();
  });
});
