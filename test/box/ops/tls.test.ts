import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Box } from '../../../box/box.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const boxes: Box[] = [];
afterEach(async () => {
  for (const box of boxes.splice(0)) await box.stop();
});

/** An HTTPS GET that trusts only `ca` (the box's own certificate): what a pinned client does. */
function get(
  url: string,
  ca: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    request(url, { ca, servername: 'localhost' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    })
      .on('error', reject)
      .end();
  });
}

describe('optional HTTPS', () => {
  it('makes a self-signed certificate at first run, serves HTTPS with it, shows its fingerprint, and keeps it across restarts', async () => {
    const home = tempDir();
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ http: { tls: { enabled: true, host: '127.0.0.1' } } }),
    );
    const box = new Box({ home, port: 0, tlsPort: 0, log: () => {} });
    boxes.push(box);
    await box.start();
    expect(box.tls?.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const cert = readFileSync(join(home, 'tls', 'cert.pem'), 'utf8');
    expect(statSync(join(home, 'tls', 'key.pem')).mode & 0o777).toBe(0o600);
    // the fingerprint the box shows is the one openssl computes for the certificate it serves
    const openssl = spawnSync(
      'openssl',
      ['x509', '-noout', '-fingerprint', '-sha256', '-in', join(home, 'tls', 'cert.pem')],
      { encoding: 'utf8' },
    );
    expect(openssl.stdout.trim().split('=')[1]).toBe(box.tls?.fingerprint);
    expect(box.status().tls).toMatchObject({ fingerprint: box.tls?.fingerprint });

    expect((await get(`${box.tls?.url}/healthz`, cert)).status).toBe(200);
    // cookies set over HTTPS are Secure; over the plain loopback listener they cannot be
    const setup = await get(`${box.tls?.url}/setup`, cert);
    expect(String(setup.headers['set-cookie'])).toMatch(/; Secure/);
    const plain = await fetch(`${box.url}/setup`);
    expect(String(plain.headers.get('set-cookie'))).not.toMatch(/Secure/);
    // a client that does not trust this certificate is refused
    await expect(get(`${box.tls?.url}/healthz`, '')).rejects.toThrow();

    const fingerprint = box.tls?.fingerprint;
    await box.stop();
    boxes.splice(0);
    const again = new Box({ home, port: 0, tlsPort: 0, log: () => {} });
    boxes.push(again);
    await again.start();
    expect(again.tls?.fingerprint).toBe(fingerprint);
  }, 60_000);
});
