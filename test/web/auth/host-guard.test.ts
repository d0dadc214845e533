import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../box/config/config-schema.ts';
import { createHttpApp } from '../../../box/http/app.ts';
import { Store } from '../../../box/store/store.ts';
import { HostGuard } from '../../../box/web/auth/host-guard.ts';

describe('HostGuard', () => {
  it('answers to loopback, localhost, its host name and <name>.local, and nothing else by default', () => {
    const guard = new HostGuard({
      bindHost: '127.0.0.1',
      hostname: 'Pi.home.arpa',
      interfaceAddresses: () => [],
    });
    for (const host of [
      'localhost',
      'LOCALHOST.:7330',
      '127.0.0.1:7330',
      '127.0.0.2',
      '[::1]:7330',
      '[::ffff:127.0.0.1]',
      'pi.home.arpa',
      'pi',
      'pi.local:7330',
    ])
      expect(guard.allows(host), host).toBe(true);
    for (const host of [
      'attacker.example:7330',
      'localhost.attacker.example',
      '127.0.0.1.nip.io',
      '192.168.1.20', // an interface address, but the box does not listen there
      '127.0.0.1@attacker.example',
      'pi.local/evil',
      '',
      'a b',
    ])
      expect(guard.allows(host), host).toBe(false);
  });

  it('adds the addresses of every interface when bound to all of them, and the configured names', () => {
    const guard = new HostGuard({
      bindHost: '0.0.0.0',
      hostname: 'pi',
      allowedHosts: ['Databox.LAN', 'fd00::7'],
      interfaceAddresses: () => ['192.168.1.20', 'fe80::1%eth0', '127.0.0.1'],
    });
    for (const host of ['192.168.1.20:7330', '[fe80::1]', 'databox.lan', '[fd00::7]:7330', '0.0.0.0:7330'])
      expect(guard.allows(host), host).toBe(true);
    expect(guard.allows('192.168.1.21')).toBe(false);
    expect(guard.allows('other.lan')).toBe(false);
  });

  it('is checked on API requests too, with a 421 naming the Host', async () => {
    const app = createHttpApp({
      store: Store.open(':memory:'),
      adminToken: 't'.repeat(43),
      bodyLimitBytes: 1 << 20,
      status: () => ({}),
    });
    const res = await app.request('http://attacker.example:7330/healthz');
    expect(res.status).toBe(421);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unknown_host');
    expect(body.error.message).toContain('"attacker.example:7330"');
    expect(body.error.message).toContain('http.allowedHosts');
    expect((await app.request('http://127.0.0.1:7330/healthz')).status).toBe(200);
  });
});

describe('http.allowedHosts in config.json', () => {
  it('takes names and addresses, and refuses a URL or a port with a message saying what it wants', () => {
    expect(
      configSchema.parse({ http: { allowedHosts: ['databox.lan', '192.168.1.20', '[fd00::1]'] } }).http
        .allowedHosts,
    ).toHaveLength(3);
    const result = configSchema.safeParse({
      http: { allowedHosts: ['http://databox.lan', 'databox.lan:7330'] },
    });
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues).toEqual([
      'http.allowedHosts.0: a host name or IP address, without scheme or port (e.g. "databox.lan")',
      'http.allowedHosts.1: a host name or IP address, without scheme or port (e.g. "databox.lan")',
    ]);
  });
});
