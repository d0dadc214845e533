import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { STORE_RELS } from '../../box/apps/catalogue/store-index.ts';
import { Store } from '../../box/store/store.ts';
import { type StoreServer, serve, startStoreServer } from '../box/apps/catalogue/store-server.ts';
import {
  type BoxProcess,
  REPO_ROOT,
  runCli,
  startBoxProcess,
  stopBoxProcess,
} from '../helpers/box-process.ts';
import { describeWithChromium } from '../helpers/services.ts';
import { launchChromium, screenshot } from '../web/browser.ts';
import { chooseGrant, developer, lastRun, liveGrants, showApp } from './developer-journey-steps.ts';

/**
 * Issue 14's end-to-end test, played by a third-party developer and a householder: `databox app
 * new` in an empty folder, `npm test` passes, `databox app pack` signs a bundle, a real HTTP store
 * on 127.0.0.1 serves it in a HyperCat index, the householder adds the store and installs the app
 * from the Catalogue through the consent screen in Chromium (the publisher fingerprint shown is
 * `databox app key`'s), the app runs; v2 asks for one more datasource, the store lists it, the
 * dashboard upgrade shows the permission diff and keeps the unchanged grant; `databox app
 * rollback` restores v1 with its grant. Real state (grant rows, installed files) at every step.
 */

const PASSWORD = 'correct horse battery staple';
const APP = 'hello-journey';
// the householder grants less than v1 asks (1 h, 1 day instead of 30 min, 7 days): a kept grant
// is then told apart from the consent screen's defaults
const V1_GRANT = { request: 'power', datasource: 'meter.power', resolution: '1h', history: 'P1D' };
const TEMPERATURE = {
  name: 'temperature',
  kind: 'temperature',
  required: false,
  resolutions: [{ resolution: '1h', purpose: 'compare power with the indoor temperature' }],
  history: 'P7D',
};

/** A HyperCat app-store index as docs/app-developers.md "Catalogue" has the developer write it. */
function hypercat(items: Array<{ version: string; sha256: string; key: string }>): string {
  return JSON.stringify({
    'catalogue-metadata': [
      { rel: STORE_RELS.contentType, val: 'application/vnd.hypercat.catalogue+json' },
      { rel: STORE_RELS.description, val: 'A developer store on loopback' },
    ],
    items: items.map((i) => ({
      href: `${APP}-${i.version}.tgz`,
      'item-metadata': [
        { rel: STORE_RELS.description, val: 'Mean power and the busiest half hour' },
        { rel: STORE_RELS.contentType, val: 'application/gzip' },
        { rel: STORE_RELS.appId, val: APP },
        { rel: STORE_RELS.version, val: i.version },
        { rel: STORE_RELS.name, val: 'Hello journey' },
        { rel: STORE_RELS.publisher, val: 'A developer' },
        { rel: STORE_RELS.publisherKey, val: i.key },
        { rel: STORE_RELS.sha256, val: i.sha256 },
        { rel: STORE_RELS.runtime, val: 'isolate' },
      ],
    })),
  });
}

describeWithChromium('a developer ships an app through a store, upgrades it and rolls it back', () => {
  let root: string;
  let home: string;
  let box: BoxProcess;
  let server: StoreServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'databox-journey-'));
    home = join(root, 'box');
    mkdirSync(home);
    // the gateway's dev mode: the documented way to fetch from a store on 127.0.0.1
    writeFileSync(join(home, 'config.json'), JSON.stringify({ gateway: { devMode: true } }));
    expect(runCli(['user', 'set-password', '--home', home], `${PASSWORD}\n`).status).toBe(0);
    const store = Store.open(join(home, 'databox.db'));
    try {
      store.createDatasource(
        { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
        'user',
      );
      store.createDatasource(
        { id: 'hall.temperature', kind: 'temperature', unit: '°C', valueType: 'gauge' },
        'user',
      );
      const now = Date.now();
      const power = [];
      for (let t = now - 6 * 3_600_000; t < now; t += 60_000) power.push({ t, v: 400 + (t % 613) });
      store.writeReadings('meter.power', power, 'user');
    } finally {
      store.close();
    }
    server = await startStoreServer();
    box = await startBoxProcess(home);
    browser = await launchChromium();
    const context = await browser.newContext({ baseURL: box.url, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    await page.goto('/signin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL((u) => u.pathname !== '/signin');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (box) await stopBoxProcess(box);
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('app new → npm test → pack → store → install in the dashboard → v2 keeps the grant → rollback', {
    timeout: 240_000,
  }, async () => {
    const dev = developer(root);
    const started = Date.now();

    // 1. an empty folder, the scaffold, its own test
    mkdirSync(dev.workspace);
    expect(readdirSync(dev.workspace)).toEqual([]);
    const made = dev.databox(['app', 'new', APP]);
    expect(made.status, made.stderr).toBe(0);
    const dir = join(dev.workspace, APP);
    const install = dev.run('npm', ['install', '--no-audit', '--no-fund', '--offline', '--omit=dev'], dir);
    expect(install.status, install.stderr).toBe(0);
    // the developer's own tools (vitest, node's types), as they would have them: from this checkout
    mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules', 'vitest'), join(dir, 'node_modules', 'vitest'));
    symlinkSync(
      join(REPO_ROOT, 'node_modules', '@types', 'node'),
      join(dir, 'node_modules', '@types', 'node'),
    );
    symlinkSync('../vitest/vitest.mjs', join(dir, 'node_modules', '.bin', 'vitest'));
    const test = dev.run('npm', ['test'], dir);
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/Tests\s+2 passed/);

    // 2. a signed bundle and the developer's key
    const packed = dev.databox(['app', 'pack'], dir);
    expect(packed.status, packed.stderr).toBe(0);
    const key = JSON.parse(dev.databox(['app', 'key', '--json'], dir).stdout) as { fingerprint: string };
    expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(packed.stdout).toContain(`wrote ${APP}-0.1.0.tgz`);
    expect(packed.stdout).toContain(`signed by ${key.fingerprint}`);

    // 3. the store: the bundle and a HyperCat index with its SHA-256, over real HTTP on 127.0.0.1
    const published: Array<{ version: string; sha256: string; key: string }> = [];
    const publish = (version: string) => {
      const bytes = readFileSync(join(dir, `${APP}-${version}.tgz`));
      serve(server, `/store/${APP}-${version}.tgz`, bytes, 'application/gzip');
      published.push({
        version,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        key: key.fingerprint,
      });
      serve(server, '/store/index.json', hypercat(published));
    };
    publish('0.1.0');

    // 4. the householder adds the store on the Catalogue page and installs the app with consent
    await page.getByRole('link', { name: 'Catalogue' }).click();
    await page.waitForURL((u) => u.pathname === '/catalogue');
    await page
      .getByLabel('Store index URL, or an index file on this box')
      .fill(server.url('/store/index.json'));
    await page.getByRole('button', { name: 'Add store' }).click();
    await page.waitForURL((u) => u.searchParams.has('done'));
    expect(await page.getByRole('status').first().textContent()).toContain(
      'Store 127.0.0.1 added: 1 app version.',
    );
    const row = page.locator(`tr[data-app="${APP}"][data-version="0.1.0"]`);
    expect(await row.textContent()).toContain(key.fingerprint);
    await page.getByRole('button', { name: 'Install Hello journey 0.1.0' }).click();
    await page.waitForURL((u) => u.pathname === '/apps/install');
    expect(server.requests).toEqual(['/store/index.json', `/store/${APP}-0.1.0.tgz`]);
    expect(await page.getByTestId('publisher').textContent()).toContain(
      `by publisher key ${key.fingerprint}`,
    );
    await chooseGrant(page, V1_GRANT.resolution, V1_GRANT.history);
    await screenshot(page, 'developer-journey-01-consent-v1');
    await page.getByRole('button', { name: 'Approve and install' }).click();
    await page.waitForURL((u) => u.pathname === `/apps/${APP}`);
    expect(await page.getByRole('status').first().textContent()).toContain('Consent recorded');
    const v1 = showApp(home, APP);
    expect(v1.version).toBe('0.1.0');
    expect(v1.publisher).toMatchObject({ signed: true, publisher: { fingerprint: key.fingerprint } });
    expect(liveGrants(v1)).toEqual([V1_GRANT]);

    // 5. the app runs on the box and its insight is stored
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL((u) => u.searchParams.has('done'));
    expect(await page.getByRole('status').first().textContent()).toContain('Run finished: 1 insights');
    // the box ran v1 and stored its insight; the app itself says it got the granted hours
    const first = lastRun(home, APP);
    expect(first).toMatchObject({ runs: 1, run: { appVersion: '0.1.0', status: 'ok', reads: 1 } });
    expect(first.insight).toMatchObject({ runId: first.run.runId, key: 'week-power', unit: 'W' });
    expect(first.insight.data.resolution).toBe(V1_GRANT.resolution);

    // 6. v2: one more request, a new version, packed and listed by the store
    const manifestFile = join(dir, 'databox-app.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    writeFileSync(
      manifestFile,
      `${JSON.stringify({ ...manifest, version: '0.2.0', requests: [...manifest.requests, TEMPERATURE] }, null, 2)}\n`,
    );
    expect(dev.run('npm', ['run', 'types'], dir).status).toBe(0);
    const packed2 = dev.databox(['app', 'pack'], dir);
    expect(packed2.status, packed2.stderr).toBe(0);
    expect(packed2.stdout).toContain(`signed by ${key.fingerprint}`);
    publish('0.2.0');

    // 7. the upgrade from the dashboard: the diff names only the new request, the grant is kept
    await page.goto('/catalogue');
    await page.getByRole('button', { name: 'Refresh 127.0.0.1' }).click();
    await page.waitForURL((u) => u.searchParams.has('done'));
    expect(await page.getByRole('status').first().textContent()).toContain('read again: 2 app versions');
    await page.getByRole('button', { name: 'Install Hello journey 0.2.0' }).click();
    await page.waitForURL((u) => u.pathname === '/apps/install');
    const diff = page.getByTestId('permission-diff');
    expect(await diff.textContent()).toContain('0.1.0 → 0.2.0');
    expect(await diff.locator('[data-change="added"]').allTextContents()).toEqual([
      expect.stringContaining('temperature'),
    ]);
    expect(await diff.locator('[data-change="unchanged"]').allTextContents()).toEqual([
      expect.stringContaining('power'),
    ]);
    expect(await diff.locator('[data-change="changed"], [data-change="removed"]').count()).toBe(0);
    // the unchanged request is filled in with what was granted, not with the app's asks
    expect(await page.locator('#power-resolution').inputValue()).toBe(V1_GRANT.resolution);
    expect(await page.locator('#power-history').inputValue()).toBe(V1_GRANT.history);
    expect(await page.locator('#temperature-datasource').inputValue()).toBe('hall.temperature');
    await screenshot(page, 'developer-journey-02-upgrade-diff');
    await page.getByRole('button', { name: 'Approve and install' }).click();
    await page.waitForURL((u) => u.pathname === `/apps/${APP}`);
    const v2 = showApp(home, APP);
    expect(v2.version).toBe('0.2.0');
    expect(liveGrants(v2)).toEqual([
      V1_GRANT,
      { request: 'temperature', datasource: 'hall.temperature', resolution: '1h', history: 'P7D' },
    ]);
    expect(v2.consent).not.toBe(v1.consent);

    // 8. rollback restores v1: its version, its files, and only the grant v1 asked for
    const back = runCli(['app', 'rollback', APP, '--home', home]);
    expect(back.status, back.stderr).toBe(0);
    expect(back.stdout).toContain('request power: unchanged (kept)');
    expect(back.stdout).toContain(`rolled ${APP} back to 0.1.0`);
    const rolled = showApp(home, APP);
    expect(rolled.version).toBe('0.1.0');
    expect(rolled.filesDigest).toBe(v1.filesDigest);
    expect(liveGrants(rolled)).toEqual([V1_GRANT]);
    await page.goto(`/apps/${APP}`);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL((u) => u.searchParams.has('done'));
    expect(await page.getByRole('status').first().textContent()).toContain('Run finished: 1 insights');
    const again = lastRun(home, APP);
    expect(again).toMatchObject({ runs: 2, run: { appVersion: '0.1.0', status: 'ok' } });
    expect(again.insight.data.resolution).toBe(V1_GRANT.resolution);
    await screenshot(page, 'developer-journey-03-rolled-back');
    console.log(`developer journey: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});
