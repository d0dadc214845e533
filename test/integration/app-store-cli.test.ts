import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_SCHEMAS } from '../../box/audit/action-schemas.ts';
import { Store } from '../../box/store/store.ts';
import {
  bundleDir,
  exampleBundles,
  type StoreServer,
  serve,
  startStoreServer,
  storeIndex,
} from '../box/apps/catalogue/store-server.ts';
import { databoxBin, REPO_ROOT } from '../helpers/box-process.ts';

/** The CLI in a child process without blocking this one (the store server answers meanwhile). */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [databoxBin(), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Issue 14 point 6 from the householder's terminal: a real store on 127.0.0.1 serves an index and
 * the energy-insights bundle; `databox store add` approves it, `store install` fetches, checks the
 * digest and installs through the ordinary .tgz install with the consent flags of `app install`.
 */
describe('databox store, against a store on 127.0.0.1', () => {
  let home: string;
  let server: StoreServer;
  const dir = bundleDir();
  let fingerprint: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'databox-store-cli-'));
    // the gateway's dev mode: the only mode in which the box fetches from loopback
    writeFileSync(join(home, 'config.json'), JSON.stringify({ gateway: { devMode: true } }));
    const store = Store.open(join(home, 'databox.db'));
    store.createDatasource(
      { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    store.close();
    // packed and signed by its developer, as `databox app pack` makes it
    const bundle = (await exampleBundles(dir)).signed;
    fingerprint = bundle.fingerprint ?? '';
    server = await startStoreServer();
    serve(server, '/apps/energy-insights-1.0.0.tgz', bundle.bytes, 'application/gzip');
    serve(
      server,
      '/apps/index.json',
      storeIndex([{ href: 'energy-insights-1.0.0.tgz', sha256: bundle.sha256, publisherKey: fingerprint }]),
    );
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds the store, lists its app, installs it with consent, and audits each step', {
    timeout: 60_000,
  }, async () => {
    const add = await cli([
      'store',
      'add',
      server.url('/apps/index.json'),
      '--name',
      'local',
      '--home',
      home,
    ]);
    expect(add.stderr).toBe('');
    expect(add.stdout).toContain('added store local: Test store');
    const list = await cli(['store', 'list', '--home', home]);
    expect(list.stdout).toMatch(/local +http:\/\/127\.0\.0\.1:\d+\/apps\/index\.json/);
    expect(list.stdout).toMatch(
      /energy-insights +1\.0\.0 +Energy insights +publisher Databox examples key SHA256:/,
    );
    expect(list.stdout).toContain(`key ${fingerprint}`);

    const install = await cli([
      'store',
      'install',
      'energy-insights',
      '--home',
      home,
      '--grant',
      'power=meter.power@30min/P90D',
      '--yes',
    ]);
    expect(install.stderr).toBe('');
    expect(install.stdout).toContain('SHA-256 as the index says');
    expect(install.stdout).toMatch(/installed energy-insights 1\.0\.0; consent receipt [0-9a-f-]{36}/);
    expect(server.requests).toEqual(['/apps/index.json', '/apps/energy-insights-1.0.0.tgz']);
    const apps = await cli(['app', 'list', '--home', home]);
    expect(apps.stdout).toMatch(/energy-insights +1\.0\.0 +isolate/);
    // the CLI consented at once: no fetched bundle is left waiting
    const cache = join(home, 'app-stores', 'bundles');
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);

    expect((await cli(['store', 'remove', 'local', '--home', home])).stdout).toContain('removed store local');
    const store = Store.open(join(home, 'databox.db'));
    try {
      const entries = store.audit.query({}).filter((e) => /^(appstore\.|app\.install)/.test(e.action));
      expect(entries.map((e) => e.action)).toEqual([
        'appstore.add',
        'appstore.fetch',
        'app.install',
        'appstore.remove',
      ]);
      const ajv = new Ajv2020({ strict: true, strictRequired: false });
      for (const e of entries)
        expect(ajv.validate(ACTION_SCHEMAS[e.action].details, e.details), e.action).toBe(true);
    } finally {
      store.close();
    }
  });

  it('refuses a store URL that is not http(s), and a loopback store outside dev mode', {
    timeout: 60_000,
  }, async () => {
    const ftp = await cli(['store', 'add', 'ftp://127.0.0.1/index.json', '--home', home]);
    expect(ftp.status).toBe(1);
    expect(ftp.stderr).toContain('databox store: refused: store URL scheme "ftp:" is not https:');
    const plain = mkdtempSync(join(tmpdir(), 'databox-store-cli-strict-'));
    try {
      const before = server.requests.length;
      const strict = await cli(['store', 'add', server.url('/apps/index.json'), '--home', plain]);
      expect(strict.status).toBe(1);
      expect(strict.stderr).toContain('scheme "http:" is not allowed (https: only)');
      expect(server.requests.length).toBe(before);
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});
