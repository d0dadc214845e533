import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildIsolateApp } from '../../apps-sdk/src/build-app.ts';
import { Store } from '../../box/store/store.ts';
import {
  type BoxProcess,
  REPO_ROOT,
  runCli,
  startBoxProcess,
  stopBoxProcess,
} from '../helpers/box-process.ts';
import { describeWithChromium } from '../helpers/services.ts';
import { itWithSharedFixtures, sharedFixture } from '../helpers/shared-fixtures.ts';
import { focused, launchChromium, screenshot } from './browser.ts';

const PASSWORD = 'correct horse battery staple';
const EXAMPLE = join(REPO_ROOT, 'examples', 'energy-insights');

/** Writes to the running box's store from the test process (SQLite WAL allows a second writer). */
function withStore(home: string, fn: (store: Store) => void): void {
  const store = Store.open(join(home, 'databox.db'));
  try {
    fn(store);
  } finally {
    store.close();
  }
}

/**
 * Starts a manual run from the app page once no run of the app is in progress, and waits for its
 * result. The box's scheduler starts an interval app that never ran at its next tick (every 10 s)
 * after install, so a scheduled run may be going on (the page then shows "Running…" instead of
 * "Run now", and does not refresh by itself), or may start between the page and the click (409).
 */
async function runNow(page: Page, appId: string): Promise<string> {
  const button = page.getByRole('button', { name: 'Run now' });
  for (;;) {
    await expect
      .poll(
        async () => {
          await page.goto(`/apps/${appId}`);
          return button.count();
        },
        { timeout: 90_000, interval: 1_000 },
      )
      .toBe(1);
    await Promise.all([
      page.waitForURL(
        (u) => u.pathname === `/apps/${appId}/run` || /^Run /.test(u.searchParams.get('done') ?? ''),
      ),
      button.click(),
    ]);
    if (new URL(page.url()).pathname !== `/apps/${appId}/run`) return page.url();
    // refused because a scheduled run had just started: wait for it, then try again
    expect(await page.getByRole('alert').textContent()).toContain('already running');
  }
}

/** The calendar month (UTC) before now: the one energy-insights exports once its every day is stored. */
function previousMonth(now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

describeWithChromium('the dashboard in a real browser', () => {
  let home: string;
  let box: BoxProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let previewPoints = 0;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'databox-web-'));
    await buildIsolateApp(EXAMPLE);
    const set = runCli(['user', 'set-password', '--home', home], `${PASSWORD}\n`);
    expect(set.stderr).toBe('');
    expect(set.status).toBe(0);
    box = await startBoxProcess(home);
    browser = await launchChromium();
    context = await browser.newContext({ baseURL: box.url, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    if (box) await stopBoxProcess(box);
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses a wrong password, then signs in with the keyboard only', { timeout: 120_000 }, async () => {
    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/signin');
    const field = page.getByLabel('Password');
    await field.waitFor();
    expect(await focused(page)).toBe('password');
    await page.keyboard.type('not the password');
    await page.keyboard.press('Enter');
    await page.waitForLoadState();
    expect(await page.getByRole('alert').textContent()).toContain('not right');
    await screenshot(page, '01-sign-in-refused');

    // tab order: password field, then the button (hidden fields are skipped)
    await page.getByLabel('Password').focus();
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Sign in');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/');
    expect(await page.locator('h1').textContent()).toBe('Overview');
    const cookie = (await context.cookies()).find((c) => c.name === 'databox_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await screenshot(page, '02-overview-empty');
  });

  it('adds the simulator driver with 63 days of history and charts its power', {
    timeout: 480_000,
  }, async () => {
    await page.goto('/drivers');
    await page.getByLabel('Backfill history (ISO 8601, e.g. P7D)').fill('P63D');
    await page.getByRole('button', { name: 'Add simulator' }).click();
    await page.waitForURL((u) => u.searchParams.has('done'));
    expect(await page.getByRole('status').first().textContent()).toContain('Driver sim added');
    // the backfill writes in the background: wait until the last 62 days have data (about 50 s on
    // an idle 2-core machine; more than 200 s at a load average of 20)
    await expect
      .poll(
        async () => {
          await page.goto(
            '/data/sim.power?resolution=1d&from=' +
              new Date(Date.now() - 62 * 86_400_000).toISOString().slice(0, 16),
          );
          return Number(
            await page
              .locator('figcaption')
              .first()
              .evaluate((el) => /^(\d+)/.exec(el.textContent ?? '')?.[1] ?? 0),
          );
        },
        { timeout: 420_000, interval: 2_000 },
      )
      .toBeGreaterThanOrEqual(62);
    // 62 daily buckets can include today's live data while yesterday's last hours are still being
    // backfilled; the preview and the run below must see the same history, so wait for all of it
    await expect
      .poll(() => box.output(), { timeout: 420_000, interval: 1_000 })
      .toMatch(/driver sim: backfill done/);
    await page.goto('/data/sim.power');
    await page.locator('[data-chart][data-drawn="true"]').waitFor();
    await screenshot(page, '03-data-sim-power');
  });

  itWithSharedFixtures('imports an Octopus file with a progress bar', { timeout: 120_000 }, async () => {
    await page.goto('/drivers');
    await page.getByLabel('What kind of file').selectOption('octopus');
    await page
      .getByLabel('File', { exact: true })
      .setInputFiles(sharedFixture('octopus/octopus_api_electricity_consumption_page1.json'));
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.waitForURL((u) => u.searchParams.has('done'));
    // SOURCES.md: page 1 of the API holds 99 half-hour readings
    expect(await page.getByRole('status').first().textContent()).toContain(
      '99 readings into octopus.electricity.import.interval',
    );
    await screenshot(page, '04-drivers');
  });

  it('installs energy-insights at 30 minutes after seeing exactly what it would get', {
    timeout: 120_000,
  }, async () => {
    await page.goto('/apps/install');
    await page.getByLabel('App folder or .tgz on this box').fill(EXAMPLE);
    await page.getByRole('button', { name: 'Read its request' }).click();
    const caption = async () =>
      ((await page.getByTestId('preview-caption').textContent()) ?? '').replace(/\s+/g, ' ');
    await page.getByLabel('How detailed (the app asks for every 30 minutes)').selectOption('1h');
    await expect.poll(caption).toContain('values of sim.power, one mean value every hour');
    await page.getByLabel('How detailed (the app asks for every 30 minutes)').selectOption('30min');
    await expect.poll(caption).toContain('values of sim.power, one mean value every 30 minutes');
    // 63 days of data inside the 90-day window: 48 half hours a day
    const points = Number(await page.getByTestId('preview-points').textContent());
    previewPoints = points;
    expect(points).toBeGreaterThanOrEqual(62 * 48);
    expect(points).toBeLessThanOrEqual(64 * 48);
    expect(await page.locator('.inference').textContent()).toContain(
      'Beckel et al., Energy and Buildings 2014',
    );
    await page.locator('[data-chart][data-drawn="true"]').waitFor();
    expect(await page.locator('pre.payload').textContent()).toContain('"kWh"');
    await page.getByLabel('Allow sending to https://energy-coop.example/api/v1/monthly').check();
    // chosen on the consent screen, so the app's first run (scheduled or not) already waits for review
    expect(await page.getByLabel('Exports of this app').inputValue()).toBe('review');
    await screenshot(page, '05-install-consent');
    await page.getByRole('button', { name: 'Approve and install' }).click();
    await page.waitForURL((u) => u.pathname === '/apps/energy-insights');
    expect(await page.getByRole('status').first().textContent()).toContain('Consent recorded');
    const receipt = await page.request.get('/apps/energy-insights/receipt');
    expect(receipt.headers()['content-disposition']).toContain('attachment');
    expect(JSON.stringify(await receipt.json())).toContain('monthly-summary');
  });

  it('runs the app in review mode and shows its insights', { timeout: 180_000 }, async () => {
    // chosen before install (see there); the page shows it and saving it again says so
    expect(await page.getByLabel('Exports of this app').inputValue()).toBe('review');
    await page.getByLabel('Exports of this app').selectOption('review');
    // wait for the page this click leads to: the URL already had a `done` before it
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('done') === 'Exports now wait for your review.'),
      page.getByRole('button', { name: 'Save' }).click(),
    ]);
    await runNow(page, 'energy-insights');
    // the export of last month comes from the first run (this one, or a scheduled one before it)
    expect(await page.getByRole('status').first().textContent()).toMatch(
      /Run finished: 3 insights, [01] export requests/,
    );
    const exportsPerRun = await page
      .locator('section[aria-labelledby="h-runs"] tbody tr')
      .evaluateAll((rows) => rows.map((r) => Number(r.querySelectorAll('td')[5]?.textContent)));
    expect(exportsPerRun.reduce((a, b) => a + b, 0)).toBe(1);
    await page.getByTestId('insight-daily-use').waitFor();
    expect(await page.locator('.insight').count()).toBe(3);
    // the run read exactly as many values as the consent preview said it would (one more bucket
    // may have closed between the preview and the run)
    const rows = await page
      .locator('section[aria-labelledby="h-runs"] tbody tr')
      .first()
      .locator('td')
      .nth(3)
      .textContent();
    const rowsRead = Number(/\((\d+)\)/.exec(rows ?? '')?.[1]);
    expect(Math.abs(rowsRead - previewPoints)).toBeLessThanOrEqual(1);
    await screenshot(page, '06-app');
  });

  it('approves the export in review and finds it in the ledger and the audit timeline', {
    timeout: 120_000,
  }, async () => {
    await page.goto('/exports');
    const payload = JSON.parse((await page.getByTestId('review-payload').textContent()) ?? '{}');
    expect(payload.month).toBe(previousMonth());
    expect(payload.kWh).toBeGreaterThan(0);
    await screenshot(page, '07-exports-review');
    await page.getByRole('button', { name: 'Approve and send' }).click();
    await page.waitForURL((u) => u.searchParams.has('done'));
    expect(await page.getByRole('status').first().textContent()).toContain(
      'Approved: energy-insights → monthly-summary is pending',
    );
    const ledger = page.locator('section[aria-labelledby="h-ledger"] tbody tr');
    expect(await ledger.count()).toBe(1);
    expect(await ledger.first().textContent()).toContain('decided by user');
    await screenshot(page, '08-exports-ledger');

    await page.goto('/audit');
    await page.getByLabel('Action').fill('export.*');
    await page.getByLabel('Action').press('Enter');
    await page.waitForURL((u) => u.searchParams.get('action') === 'export.*');
    const actions = await page
      .locator('.timeline li')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
    expect(actions).toContain('export.approve');
    await page.getByRole('link', { name: 'Verify chain' }).click();
    expect(await page.getByTestId('verify').textContent()).toContain('Chain intact');
    await screenshot(page, '09-audit');
    const csv = await page.request.get('/audit/export?format=csv&action=export.approve');
    expect((await csv.text()).split('\n').filter((l) => l.includes('export.approve'))).toHaveLength(1);
  });

  it('fits a phone screen', { timeout: 60_000 }, async () => {
    const phone = await browser.newContext({
      baseURL: box.url,
      viewport: { width: 390, height: 844 },
      isMobile: true,
    });
    const small = await phone.newPage();
    await small.goto('/signin');
    await small.getByLabel('Password').fill(PASSWORD);
    await small.getByLabel('Password').press('Enter');
    await small.waitForURL((u) => u.pathname === '/');
    const overflow = async () =>
      small.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(small, '11-phone-overview');
    await small.goto('/apps/install?app=energy-insights');
    // changing grants starts from the consent as it stands
    expect(
      await small.getByLabel('Allow sending to https://energy-coop.example/api/v1/monthly').isChecked(),
    ).toBe(true);
    expect(await small.getByLabel('How detailed (the app asks for every 30 minutes)').inputValue()).toBe(
      '30min',
    );
    await small.locator('[data-chart][data-drawn="true"]').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(small, '12-phone-consent');
    await phone.close();
  });

  it('refuses a POST without the form token and one from a foreign origin', {
    timeout: 120_000,
  }, async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'databox_session');
    const headers = {
      cookie: `databox_session=${cookie?.value}`,
      'content-type': 'application/x-www-form-urlencoded',
    };
    const noToken = await fetch(`${box.url}/drivers/sim/disable`, {
      method: 'POST',
      headers: { ...headers, origin: box.url },
      body: '',
      redirect: 'manual',
    });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('form token is missing');
    const csrf = await page
      .goto('/drivers')
      .then(() => page.locator('input[name="_csrf"]').first().inputValue());
    const foreign = await fetch(`${box.url}/drivers/sim/disable`, {
      method: 'POST',
      headers: { ...headers, origin: 'http://evil.example' },
      body: `_csrf=${encodeURIComponent(csrf)}`,
      redirect: 'manual',
    });
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toContain('came from http://evil.example');
    await page.goto('/drivers');
    expect(await page.locator('#driver-sim').textContent()).not.toContain('(disabled)');
  });

  it('sends an expired session back to sign-in', { timeout: 120_000 }, async () => {
    withStore(home, (store) => {
      for (const { key, value } of store.kv.list('web:sessions'))
        store.kv.set('web:sessions', key, { ...(value as object), expiresAt: Date.now() - 1 }, Date.now());
    });
    await page.goto('/apps');
    expect(new URL(page.url()).pathname).toBe('/signin');
    expect(await page.getByRole('alert').textContent()).toContain('session has ended');
    await screenshot(page, '10-session-ended');
  });
});
