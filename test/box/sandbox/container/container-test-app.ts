import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/**
 * A tiny app API client for test apps (CommonJS, runs in the node base image): `call(method, params,
 * token?)` POSTs to `/v1/call` over `DATABOX_API_SOCKET` and resolves with `{ status, body }`, so
 * tests see refusals as data. Written here rather than taken from apps-sdk so the runtime's tests
 * depend only on the wire contract.
 */
export const CLIENT_CJS = `
const http = require('http');
exports.call = (method, params, token = process.env.DATABOX_RUN_TOKEN) => new Promise((resolve, reject) => {
  const body = JSON.stringify({ method, params });
  const req = http.request({
    socketPath: process.env.DATABOX_API_SOCKET, path: '/v1/call', method: 'POST',
    headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json',
      'content-length': Buffer.byteLength(body) },
  }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => { text += chunk; });
    res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
  });
  req.on('error', reject);
  req.end(body);
});
`;

/**
 * Makes app folders for container tests: each holds `client.cjs` plus the given files, readable by
 * uid 65534 (folder 0755, files 0644); all are removed after each test.
 *
 * @example
 * const app = useTestApps();
 * const dir = app({ 'main.cjs': "require('./client.cjs').call('log', {}).then(console.log)" });
 */
export function useTestApps(): (files: Record<string, string>) => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (files) => {
    const dir = mkdtempSync(join(tmpdir(), 'databox-test-app-'));
    dirs.push(dir);
    chmodSync(dir, 0o755);
    for (const [name, text] of Object.entries({ 'client.cjs': CLIENT_CJS, ...files })) {
      writeFileSync(join(dir, name), text, { mode: 0o644 });
    }
    return dir;
  };
}
