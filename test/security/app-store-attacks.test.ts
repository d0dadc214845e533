import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppStores } from '../../box/apps/catalogue/app-stores.ts';
import { STORE_RELS } from '../../box/apps/catalogue/store-index.ts';
import { ACTION_SCHEMAS } from '../../box/audit/action-schemas.ts';
import { Store } from '../../box/store/store.ts';
import {
  bundleDir,
  exampleBundles,
  type StoreServer,
  serve,
  startStoreServer,
  storeIndex,
  type TestBundle,
} from '../box/apps/catalogue/store-server.ts';

/**
 * Issue 14 point 6, played by a hostile app store against the box's real store client: real HTTP
 * servers on 127.0.0.1, a real SQLite store, the export gateway's SSRF-safe client in its dev
 * mode (loopback allowed, as the gateway's tests run it). Every attack must be refused with a
 * message naming what was wrong, and the hosts the box must not contact must see no request.
 */
const client = { devMode: true, connectTimeoutMs: 1000, totalTimeoutMs: 3000 };
let bundle: TestBundle;
let unsigned: TestBundle;
let otherKey: TestBundle;
const dirs = [bundleDir(), bundleDir()];
let home: string;
let store: Store;
let stores: AppStores;
let evil: StoreServer;
let other: StoreServer;

beforeAll(async () => {
  ({ signed: bundle, unsigned } = await exampleBundles(dirs[0]));
  // the same app packed by someone holding another key
  otherKey = (await exampleBundles(dirs[1])).signed;
}, 120_000);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'databox-appstore-'));
  store = Store.open(join(home, 'databox.db'));
  stores = new AppStores({ store, home, client, maxIndexBytes: 64 * 1024, maxBundleBytes: 4 * 1024 * 1024 });
  evil = await startStoreServer();
  other = await startStoreServer();
});
afterEach(async () => {
  store.close();
  await evil.close();
  await other.close();
  rmSync(home, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the attack was not refused').toBeInstanceOf(Error);
  return (error as Error).message;
}
const bundlesCached = () => {
  const dir = join(home, 'app-stores', 'bundles');
  return existsSync(dir) ? readdirSync(dir) : [];
};

describe('an app store on 127.0.0.1 (gateway dev mode)', () => {
  it('is added, lists the app, and a bundle whose digest matches is fetched; every entry validates', async () => {
    serve(evil, '/energy-insights-1.0.0.tgz', bundle.bytes, 'application/gzip');
    serve(
      evil,
      '/index.json',
      storeIndex([
        { href: 'energy-insights-1.0.0.tgz', sha256: bundle.sha256, publisherKey: bundle.fingerprint },
      ]),
    );
    const added = await stores.add(evil.url('/index.json'));
    expect(added).toMatchObject({ id: '127.0.0.1', approvedOrigins: [evil.origin] });
    expect(added.entries[0]).toMatchObject({
      appId: 'energy-insights',
      url: evil.url('/energy-insights-1.0.0.tgz'),
    });
    const fetched = await stores.fetchBundle('energy-insights');
    expect(fetched.bytes).toBe(bundle.bytes.length);
    expect(existsSync(fetched.path)).toBe(true);
    expect((await stores.refresh('127.0.0.1')).entries).toHaveLength(1);
    stores.remove('127.0.0.1');
    const ajv = new Ajv2020({ strict: true, strictRequired: false });
    const entries = store.audit.query({}).filter((e) => e.action.startsWith('appstore.'));
    expect(entries.map((e) => e.action)).toEqual([
      'appstore.add',
      'appstore.fetch',
      'appstore.refresh',
      'appstore.remove',
    ]);
    for (const e of entries)
      expect(ajv.validate(ACTION_SCHEMAS[e.action].details, e.details), e.action).toBe(true);
  });
});

describe('a hostile app store is refused', () => {
  it('an index that redirects: refused, the redirect target never contacted', async () => {
    serve(other, '/index.json', storeIndex([]));
    evil.routes.set('/index.json', (_req, res) =>
      res.writeHead(302, { location: other.url('/index.json') }).end(),
    );
    const message = await refusal(stores.add(evil.url('/index.json')));
    expect(message).toMatch(/answered 302 .*redirects are never followed/);
    expect(other.requests).toEqual([]);
    expect(stores.list()).toEqual([]);
  });

  it('an index over the size cap: refused without reading the rest', async () => {
    const huge = storeIndex([{ href: 'x.tgz', sha256: bundle.sha256 }]).replace(
      'Test store',
      'x'.repeat(200_000),
    );
    serve(evil, '/index.json', huge);
    const message = await refusal(stores.add(evil.url('/index.json')));
    expect(message).toMatch(/index .* is larger than 65536 bytes/);
    expect(stores.list()).toEqual([]);
  });

  it('a bundle whose SHA-256 differs from the index: refused, not kept, audited', async () => {
    const altered = Buffer.from(bundle.bytes);
    altered[altered.length - 1] ^= 1;
    serve(evil, '/energy-insights-1.0.0.tgz', altered, 'application/gzip');
    serve(evil, '/index.json', storeIndex([{ href: '/energy-insights-1.0.0.tgz', sha256: bundle.sha256 }]));
    await stores.add(evil.url('/index.json'));
    const message = await refusal(stores.fetchBundle('energy-insights'));
    expect(message).toContain(`but the index says ${bundle.sha256}; nothing was installed`);
    expect(bundlesCached()).toEqual([]);
    const [refused] = store.audit.query({ action: 'appstore.refuse' });
    expect(refused.details).toMatchObject({ check: 'digest', version: '1.0.0' });
  });

  it('an entry whose href is on another host: refused before that host is contacted', async () => {
    serve(other, '/energy-insights-1.0.0.tgz', bundle.bytes, 'application/gzip');
    serve(
      evil,
      '/index.json',
      storeIndex([{ href: other.url('/energy-insights-1.0.0.tgz'), sha256: bundle.sha256 }]),
    );
    await stores.add(evil.url('/index.json'));
    const message = await refusal(stores.fetchBundle('energy-insights'));
    expect(message).toContain(
      `is at ${other.origin}, which is not the store's approved ${evil.origin}; nothing was fetched`,
    );
    expect(other.requests).toEqual([]);
  });

  it('an entry pointing at 10.x: refused as another host, and from a file store by the address policy', async () => {
    const target = 'http://10.1.2.3:8080/energy-insights-1.0.0.tgz';
    serve(evil, '/index.json', storeIndex([{ href: target, sha256: bundle.sha256 }]));
    await stores.add(evil.url('/index.json'));
    expect(await refusal(stores.fetchBundle('energy-insights'))).toMatch(
      /is at http:\/\/10\.1\.2\.3:8080, which is not the store's approved/,
    );
    // a file index approves the hosts it names, but the gateway's address rules still hold
    const file = join(home, 'lan-store.json');
    writeFileSync(file, storeIndex([{ href: target, sha256: bundle.sha256 }]));
    await stores.add(file);
    const message = await refusal(stores.fetchBundle('energy-insights', { store: 'lan-store' }));
    expect(message).toContain('address 10.1.2.3 is private (not approved as on the home network)');
  });

  it("an index within the size cap that would not fit the box's record of it: refused, clearly", async () => {
    // short relative hrefs under a long index path grow into long absolute URLs when kept
    const path = `/${'p'.repeat(200)}/index.json`;
    const minimal = (i: number) => ({
      href: 'a.tgz',
      'item-metadata': [
        { rel: STORE_RELS.description, val: 'd' },
        { rel: STORE_RELS.appId, val: 'energy-insights' },
        { rel: STORE_RELS.version, val: `1.0.${i}` },
        { rel: STORE_RELS.sha256, val: bundle.sha256 },
      ],
    });
    const index = JSON.parse(storeIndex([]));
    index.items = Array.from({ length: 760 }, (_, i) => minimal(i));
    const text = JSON.stringify(index);
    expect(text.length).toBeLessThan(256 * 1024);
    serve(evil, path, text);
    const roomy = new AppStores({ store, home, client });
    const message = await refusal(roomy.add(evil.url(path)));
    expect(message).toMatch(
      /refused: store "127\.0\.0\.1" lists 760 entries, \d+ bytes as kept; the box keeps at most 262144 bytes per store/,
    );
    expect(roomy.list()).toEqual([]);
  });

  it('an index that never finishes: given up after the total timeout', async () => {
    // headers at once, then a byte a second: only a whole-request deadline ends it
    evil.routes.set('/index.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 1000);
      res.on('close', () => clearInterval(timer));
    });
    const slow = new AppStores({ store, home, client: { ...client, totalTimeoutMs: 1500 } });
    const started = Date.now();
    expect(await refusal(slow.add(evil.url('/index.json')))).toContain('no complete response within 1500 ms');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a store URL that is not http(s): refused, naming the scheme', async () => {
    for (const url of [
      'file:///etc/passwd',
      'ftp://127.0.0.1/index.json',
      'javascript:alert(1)',
      'gopher://127.0.0.1:70/',
    ]) {
      const message = await refusal(stores.add(url));
      expect(message, url).toMatch(/refused: store URL scheme "[a-z]+:" is not https:/);
    }
    expect(stores.list()).toEqual([]);
  });

  it('a loopback store when dev mode is off: refused, never contacted', async () => {
    serve(evil, '/index.json', storeIndex([]));
    const strict = new AppStores({ store, home, client: { ...client, devMode: false } });
    expect(await refusal(strict.add(evil.url('/index.json')))).toMatch(
      /scheme "http:" is not allowed \(https: only\)/,
    );
    const https = evil.url('/index.json').replace('http:', 'https:');
    expect(await refusal(strict.add(https))).toMatch(/address 127\.0\.0\.1 is loopback \(dev mode is off\)/);
    expect(evil.requests).toEqual([]);
  });

  it('a bundle that redirects, or is over the cap: refused', async () => {
    evil.routes.set('/a.tgz', (_req, res) => res.writeHead(301, { location: other.url('/a.tgz') }).end());
    serve(evil, '/b.tgz', Buffer.alloc(5 * 1024 * 1024, 7), 'application/gzip');
    serve(
      evil,
      '/index.json',
      storeIndex([
        { href: '/a.tgz', sha256: bundle.sha256 },
        { href: '/b.tgz', version: '2.0.0', sha256: bundle.sha256 },
      ]),
    );
    await stores.add(evil.url('/index.json'));
    expect(await refusal(stores.fetchBundle('energy-insights', { version: '1.0.0' }))).toMatch(
      /answered 301 .*never followed/,
    );
    expect(await refusal(stores.fetchBundle('energy-insights'))).toMatch(
      /bundle of energy-insights 2\.0\.0 .* is larger than 4194304 bytes/,
    );
    expect(other.requests).toEqual([]);
  });

  it('a bundle listed as one app that holds another: refused', async () => {
    serve(evil, '/tariff.tgz', bundle.bytes, 'application/gzip');
    serve(
      evil,
      '/index.json',
      storeIndex([{ href: '/tariff.tgz', appId: 'tariff-helper', sha256: bundle.sha256 }]),
    );
    await stores.add(evil.url('/index.json'));
    expect(await refusal(stores.fetchBundle('tariff-helper'))).toContain(
      'the bundle listed as tariff-helper 1.0.0 holds energy-insights 1.0.0',
    );
    expect(bundlesCached()).toEqual([]);
  });

  it('a bundle not signed by the publisher key the index names: refused', async () => {
    serve(evil, '/b.tgz', otherKey.bytes, 'application/gzip');
    serve(evil, '/u.tgz', unsigned.bytes, 'application/gzip');
    const key = bundle.fingerprint;
    serve(evil, '/index.json', storeIndex([{ href: '/b.tgz', sha256: otherKey.sha256, publisherKey: key }]));
    await stores.add(evil.url('/index.json'));
    expect(await refusal(stores.fetchBundle('energy-insights'))).toContain(
      `is signed by the key ${otherKey.fingerprint}, but the index says ${key}`,
    );
    const file = join(home, 'claims-signed.json');
    writeFileSync(
      file,
      storeIndex([{ href: evil.url('/u.tgz'), sha256: unsigned.sha256, publisherKey: key }]),
    );
    await stores.add(file);
    const message = await refusal(stores.fetchBundle('energy-insights', { store: 'claims-signed' }));
    expect(message).toContain('is not validly signed (');
    expect(message).toContain(`but the index says it is signed by ${key}`);
    expect(bundlesCached()).toEqual([]);
    const checks = store.audit.query({ action: 'appstore.refuse' }).map((e) => e.details.check);
    expect(checks).toEqual(['publisher', 'publisher']);
  });
});
