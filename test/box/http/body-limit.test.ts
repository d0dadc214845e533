import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../../box/http/app.ts';
import { HttpServer } from '../../../box/http-server.ts';
import { Store } from '../../../box/store/store.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

// The body limit over a real socket (@hono/node-server): a body with Content-Length is judged by
// the header and read straight from the socket; a chunked one is counted as it streams.
const tempDir = useTempDir();
const TOKEN = 'test-token-0123456789abcdef0123456789abcdef';
const LIMIT = 64 * 1024;
let store: Store;
let server: HttpServer;

beforeEach(async () => {
  store = Store.open(join(tempDir(), 'databox.db'));
  server = new HttpServer(
    createHttpApp({ store, adminToken: TOKEN, bodyLimitBytes: LIMIT, status: () => ({}) }),
    '127.0.0.1',
    0,
  );
  await server.start();
});
afterEach(async () => {
  await server.stop();
  store.close();
});

/** Sends `head` + `body` as raw bytes and returns the status line's code and the whole answer. */
function rawRequest(head: string, body: Buffer | string): Promise<{ status: number; text: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // the server may hang up while we still send: the answer it gave before counts
      if (answer) resolve({ status: Number(answer.split(' ')[1]), text: answer });
      else reject(error);
    });
    socket.on('close', () => resolve({ status: Number(answer.split(' ')[1]), text: answer }));
    socket.write(head);
    socket.end(body);
  });
}

const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => `m v=${i} ${1_700_000_000_000 + i}`).join('\n');

describe('body limit over HTTP', () => {
  it('takes a line-protocol body under the limit sent with Content-Length', async () => {
    const body = lines(100);
    const res = await rawRequest(
      `POST /write?db=x&precision=ms HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token ${TOKEN}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
      body,
    );
    expect(res.status, res.text).toBe(204);
    expect(store.read('m.v', { from: 0, to: 4e12, resolution: 'raw', aggregate: 'mean' })).toHaveLength(100);
  });

  it('refuses a declared Content-Length over the limit with 413 before reading it, storing nothing', async () => {
    const res = await rawRequest(
      `POST /write?db=x&precision=ms HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token ${TOKEN}\r\nContent-Length: ${LIMIT + 1}\r\nConnection: close\r\n\r\n`,
      'm v=1 1700000000000\n'.padEnd(LIMIT + 1, ' '),
    );
    expect(res.status).toBe(413);
    expect(store.listDatasources()).toEqual([]);
  });

  it('stores no more than Content-Length says when more bytes follow it', async () => {
    const body = lines(3);
    const declared = Buffer.byteLength(lines(2)); // the third line rides past the declared length
    const res = await rawRequest(
      `POST /write?db=x&precision=ms HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token ${TOKEN}\r\nContent-Length: ${declared}\r\nConnection: close\r\n\r\n`,
      body,
    );
    // node's parser takes the extra bytes for a next request and may answer that one's 400 first
    expect([204, 400], res.text).toContain(res.status);
    const stored = store.listDatasources().length
      ? store.read('m.v', { from: 0, to: 4e12, resolution: 'raw', aggregate: 'mean' })
      : [];
    expect(stored.map((r) => r.v)).not.toContain(2);
    if (res.status === 204) expect(stored).toHaveLength(2);
  });

  it('refuses a chunked body that grows past the limit with 413, storing nothing', async () => {
    const chunk = lines(2000); // ~50 KB a chunk: the second crosses 64 KiB
    const size = Buffer.byteLength(chunk).toString(16);
    const chunked = `${size}\r\n${chunk}\r\n${size}\r\n${chunk}\r\n0\r\n\r\n`;
    for (const path of ['/write?db=x&precision=ms', '/api/v1/datasources']) {
      const res = await rawRequest(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${path.startsWith('/write') ? 'Token' : 'Bearer'} ${TOKEN}\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`,
        chunked,
      );
      expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBe(413);
    }
    expect(store.listDatasources()).toEqual([]);
  });

  it('takes a chunked body under the limit', async () => {
    const chunk = lines(100);
    const size = Buffer.byteLength(chunk).toString(16);
    const res = await rawRequest(
      `POST /write?db=x&precision=ms HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token ${TOKEN}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      `${size}\r\n${chunk}\r\n0\r\n\r\n`,
    );
    expect(res.status, res.text).toBe(204);
    expect(store.read('m.v', { from: 0, to: 4e12, resolution: 'raw', aggregate: 'mean' })).toHaveLength(100);
  });
});
