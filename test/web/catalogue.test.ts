import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Store } from '../../box/store/store.ts';
import {
  bundleDir,
  exampleBundles,
  type StoreServer,
  serve,
  startStoreServer,
  storeIndex,
} from '../box/apps/catalogue/store-server.ts';
import { type BoxProcess, runCli, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { describeWithChromium } from '../helpers/services.ts';
import { launchChromium, screenshot } from './browser.ts';
import { axeViolations, overflowing, sidewaysScroll } from './page-crawl.ts';

const PASSWORD = 'correct horse battery staple';

/** Readable and reachable on a desktop and a phone: no sideways scroll, no axe violation. */
async function noLayoutOrAxeProblem(page: Page): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    expect(await sidewaysScroll(page), (await overflowing(page)).join('\n')).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/**
 * Issue 14 point 6 in real Chromium against a real box (gateway dev mode, so it may fetch from
 * 127.0.0.1): the householder adds a store on the Catalogue page, sees its app with version,
 * publisher, key fingerprint and digest, and installs it through the ordinary consent screen.
 * A store whose index redirects is refused on the page, naming why.
 */
describeWithChromium('the Catalogue page in a real browser', () => {
  let home: string;
  let box: BoxProcess;
  let server: StoreServer;
  let browser: Browser;
  let page: Page;
  let fingerprint: string;
  const dir = bundleDir();

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'databox-web-catalogue-'));
    writeFileSync(join(home, 'config.json'), JSON.stringify({ gateway: { devMode: true } }));
    expect(runCli(['user', 'set-password', '--home', home], `${PASSWORD}\n`).status).toBe(0);
    const store = Store.open(join(home, 'databox.db'));
    store.createDatasource(
      { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    store.close();
    const bundle = (await exampleBundles(dir)).signed;
    fingerprint = bundle.fingerprint ?? '';
    server = await startStoreServer();
    serve(server, '/energy-insights-1.0.0.tgz', bundle.bytes, 'application/gzip');
    serve(
      server,
      '/index.json',
      storeIndex([{ href: 'energy-insights-1.0.0.tgz', sha256: bundle.sha256, publisherKey: fingerprint }]),
    );
    server.routes.set('/moved.json', (_req, res) =>
      res.writeHead(302, { location: server.url('/index.json') }).end(),
    );
    box = await startBoxProcess(home);
    browser = await launchChromium();
    const context = await browser.newContext({ baseURL: box.url, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    await page.goto('/');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (box) await stopBoxProcess(box);
    await server?.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a store whose index redirects, saying so', { timeout: 60_000 }, async () => {
    await page.getByRole('link', { name: 'Catalogue' }).click();
    await page.waitForURL((u) => u.pathname === '/catalogue');
    expect(await page.getByText('No store added yet.').count()).toBe(1);
    await noLayoutOrAxeProblem(page);
    await page.getByLabel('Store index URL, or an index file on this box').fill(server.url('/moved.json'));
    await page.getByRole('button', { name: 'Add store' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toMatch(/answered 302 .*redirects are never followed/);
    expect(server.requests).toEqual(['/moved.json']);
    await screenshot(page, 'catalogue-01-redirect-refused');
  });

  it('adds a store, lists its app and installs it through the consent screen', {
    timeout: 120_000,
  }, async () => {
    await page.goto('/catalogue');
    await page.getByLabel('Store index URL, or an index file on this box').fill(server.url('/index.json'));
    await page.getByRole('button', { name: 'Add store' }).click();
    await page.waitForURL((u) => u.searchParams.has('done'));
    expect(await page.getByRole('status').first().textContent()).toContain(
      'Store 127.0.0.1 added: 1 app version.',
    );
    const row = page.locator('tr[data-app="energy-insights"]');
    expect(await row.textContent()).toMatch(/Energy insights.*1\.0\.0.*Databox examples/s);
    expect(await row.textContent()).toContain(fingerprint);
    await screenshot(page, 'catalogue-02-listed');
    await noLayoutOrAxeProblem(page);

    await page.getByRole('button', { name: 'Install Energy insights 1.0.0' }).click();
    await page.waitForURL((u) => u.pathname === '/apps/install');
    expect(new URL(page.url()).searchParams.get('source')).toMatch(
      /app-stores\/bundles\/energy-insights-1\.0\.0-[0-9a-f]{16}\.tgz$/,
    );
    expect(await page.locator('h1').textContent()).toBe('Install Energy insights');
    expect(server.requests.at(-1)).toBe('/energy-insights-1.0.0.tgz');
    // the consent screen verified the bundle's signature itself: the key the index named
    expect(await page.locator('main').textContent()).toContain(`by publisher key ${fingerprint}`);
    await screenshot(page, 'catalogue-03-consent');
    await page.getByRole('button', { name: 'Approve and install' }).click();
    await page.waitForURL((u) => u.pathname === '/apps/energy-insights');
    expect(await page.getByRole('status').first().textContent()).toContain('Consent recorded');
  });

  it("shows a hostile index file's text as text, running none of it", { timeout: 60_000 }, async () => {
    const markup = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>';
    const file = join(home, 'hostile.json');
    writeFileSync(
      file,
      storeIndex([
        {
          href: server.url('/x.tgz'),
          appId: 'hostile-app',
          sha256: 'b'.repeat(64),
          name: markup,
          description: markup,
        },
      ]),
    );
    await page.goto('/catalogue');
    await page.getByLabel('Store index URL, or an index file on this box').fill(file);
    await page.getByRole('button', { name: 'Add store' }).click();
    await page.waitForURL((u) => u.searchParams.has('done'));
    const row = page.locator('tr[data-app="hostile-app"]');
    expect(await row.textContent()).toContain(markup);
    expect(await row.locator('img, script').count()).toBe(0);
    expect(await page.title()).toBe('Catalogue · Databox');
  });

  it('a box outside the gateway dev mode refuses the same loopback store, contacting nothing', {
    timeout: 120_000,
  }, async () => {
    const strictHome = mkdtempSync(join(tmpdir(), 'databox-web-catalogue-strict-'));
    let strict: BoxProcess | undefined;
    try {
      expect(runCli(['user', 'set-password', '--home', strictHome], `${PASSWORD}\n`).status).toBe(0);
      strict = await startBoxProcess(strictHome);
      const context = await browser.newContext({ baseURL: strict.url });
      const other = await context.newPage();
      await other.goto('/catalogue');
      await other.getByLabel('Password').fill(PASSWORD);
      await other.keyboard.press('Enter');
      await other.waitForURL((u) => u.pathname === '/catalogue');
      const before = server.requests.length;
      await other.getByLabel('Store index URL, or an index file on this box').fill(server.url('/index.json'));
      await other.getByRole('button', { name: 'Add store' }).click();
      await expect
        .poll(() => other.getByRole('alert').textContent())
        .toContain('scheme "http:" is not allowed (https: only)');
      expect(server.requests.length).toBe(before);
      await context.close();
    } finally {
      if (strict) await stopBoxProcess(strict);
      rmSync(strictHome, { recursive: true, force: true });
    }
  });
});
