import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packApp } from '../../box/apps/bundle/pack-app.ts';
import { Store } from '../../box/store/store.ts';
import { type BoxProcess, runCli, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { describeWithChromium } from '../helpers/services.ts';
import { hostileIsolateApp } from '../security/hostile-box.ts';
import { launchChromium, screenshot } from './browser.ts';

/**
 * Issue 14 point 5 on the dashboard, in real Chromium on a real box: the consent screen of a
 * signed bundle names its publisher's fingerprint; an unsigned one says so, is refused at
 * approval with why, and installs only once "Install although it is not validly signed" is ticked.
 */

const PASSWORD = 'correct horse battery staple';

describeWithChromium('installing bundles from the dashboard', () => {
  let root: string;
  let home: string;
  let box: BoxProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'databox-bundle-web-'));
    home = join(root, 'home');
    mkdirSync(home);
    expect(runCli(['user', 'set-password', '--home', home], `${PASSWORD}\n`).status).toBe(0);
    const store = Store.open(join(home, 'databox.db'));
    try {
      store.createDatasource(
        { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
        'user',
      );
    } finally {
      store.close();
    }
    box = await startBoxProcess(home);
    browser = await launchChromium();
    const context = await browser.newContext({ baseURL: box.url });
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
    rmSync(root, { recursive: true, force: true });
  });

  it('shows the fingerprint of a signed bundle', { timeout: 60_000 }, async () => {
    mkdirSync(join(root, 'signed'));
    const folder = hostileIsolateApp(join(root, 'signed'), 'web-signed', 'await report({ ok: 1 });');
    const packed = await packApp(folder, { keyFile: join(root, 'key.pem'), out: join(root, 'signed.tgz') });
    await page.goto(`/apps/install?source=${encodeURIComponent(packed.out)}`);
    const block = page.getByTestId('publisher');
    expect(await block.textContent()).toContain(`Signed by publisher key ${packed.publisher.fingerprint}`);
    expect(await page.getByLabel('Install although it is not validly signed').count()).toBe(0);
  });

  it('refuses an unsigned bundle until the box is ticked, then installs it marked unsigned', {
    timeout: 60_000,
  }, async () => {
    mkdirSync(join(root, 'unsigned'));
    const folder = hostileIsolateApp(join(root, 'unsigned'), 'web-unsigned', 'await report({ ok: 1 });');
    const archive = join(root, 'unsigned.tgz');
    execFileSync('tar', ['-czf', archive, '-C', folder, '.']);
    await page.goto(`/apps/install?source=${encodeURIComponent(archive)}`);
    expect(await page.getByTestId('publisher').textContent()).toMatch(/Not validly signed: it is unsigned/);

    await page.getByRole('button', { name: 'Approve and install' }).click();
    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toMatch(/was refused: it is unsigned.*Nothing was installed/);
    await screenshot(page, 'install-unsigned-refused');
    const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
    const info = () =>
      fetch(`${box.url}/api/v1/apps/web-unsigned`, { headers: { authorization: `Bearer ${token}` } });
    expect((await info()).status).toBe(404);

    await page.getByLabel('Install although it is not validly signed').check();
    await page.getByRole('button', { name: 'Approve and install' }).click();
    await page.waitForURL((u) => u.pathname === '/apps/web-unsigned');
    const app = ((await (await info()).json()) as { app: { publisher: unknown } }).app;
    expect(app.publisher).toMatchObject({ signed: false, code: 'bundle_unsigned' });
  });
});
