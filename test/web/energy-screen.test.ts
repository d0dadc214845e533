import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Store } from '../../box/store/store.ts';
import { type BoxProcess, runCli, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { describeWithChromium } from '../helpers/services.ts';
import { launchChromium, screenshot } from './browser.ts';

const PASSWORD = 'correct horse battery staple';
// 2026-10-20 .. 2026-10-31 UTC: Amsterdam's clocks go back on 2026-10-25 (a 25-hour day)
const FROM = Date.UTC(2026, 9, 20);
const TO = Date.UTC(2026, 10, 1);

/** The CLI's local-day value for `date` (its only row), as the householder would read it. */
function cliDay(home: string, date: string, zone: string, resolution = '1d'): number {
  const r = runCli([
    'read',
    'meter.energy',
    '--home',
    home,
    '--from',
    date,
    '--to',
    `${date}T00:01`,
    '--resolution',
    resolution,
    '--tz',
    zone,
    '--format',
    'csv',
  ]);
  expect(r.stderr).toBe('');
  const [, row] = r.stdout.trim().split('\n');
  return Number(row.split(',')[1]);
}

describeWithChromium('the energy screen in a real browser', () => {
  let home: string;
  let box: BoxProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'databox-energy-'));
    expect(runCli(['user', 'set-password', '--home', home], `${PASSWORD}\n`).status).toBe(0);
    const store = Store.open(join(home, 'databox.db'));
    store.createDatasource(
      { id: 'meter.energy', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
      'user',
    );
    // a register read every 10 s, using more in the evening
    let kwh = 5000;
    const batch: Array<{ t: number; v: number }> = [];
    for (let t = FROM; t < TO; t += 10_000) {
      const hour = new Date(t).getUTCHours();
      kwh += (hour >= 16 && hour < 21 ? 2000 : 300) / 360_000;
      batch.push({ t, v: Math.round(kwh * 1e6) / 1e6 });
      if (batch.length === 20_000) store.writeReadings('meter.energy', batch.splice(0), 'user');
    }
    store.writeReadings('meter.energy', batch, 'user');
    store.close();
    expect(
      runCli(['time', 'set', '--home', home, '--zone', 'Europe/Amsterdam', '--locale', 'nl-NL']).status,
    ).toBe(0);
    box = await startBoxProcess(home);
    browser = await launchChromium();
    const context = await browser.newContext({ baseURL: box.url, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    await page.goto('/signin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/');
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (box) await stopBoxProcess(box);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('shows the 25-hour day, a week and a month with the totals the CLI gives', {
    timeout: 180_000,
  }, async () => {
    for (const [period, date, resolution] of [
      ['day', '2026-10-25', '1d'],
      ['day', '2026-10-24', '1d'],
      ['week', '2026-10-19', '1w'],
      ['month', '2026-10-01', '1mo'],
    ] as const) {
      await page.goto(`/energy?period=${period}&at=${date}`);
      const heading = await page.locator('#h-period').textContent();
      const bars = await page.locator('td[data-bar]').allTextContents();
      const sum = bars.reduce((a, b) => a + Number(b), 0);
      const cli = cliDay(home, date, 'Europe/Amsterdam', resolution);
      expect(cli, `${period} ${date}`).toBeGreaterThan(0);
      // bars are rounded to 3 decimals in the table; their sum matches the CLI's total
      expect(sum).toBeCloseTo(cli, 1);
      expect(heading).toContain(
        new Intl.NumberFormat('nl-NL', { maximumFractionDigits: cli < 10 ? 2 : 1 }).format(cli),
      );
      if (period === 'day' && date === '2026-10-25') {
        // 25 local hours, the table labelled in the box zone
        expect(bars).toHaveLength(25);
        expect(await page.locator('th', { hasText: 'Europe/Amsterdam' }).count()).toBeGreaterThan(0);
        await page.locator('[data-chart="energy-bars"][data-drawn="true"]').waitFor();
        await screenshot(page, 'energy-25-hour-day');
      }
    }
  });

  it('follows a change of zone: Kathmandu local days', { timeout: 120_000 }, async () => {
    await page.goto('/energy/settings');
    await page.getByLabel(/^Time zone/).fill('Asia/Kathmandu');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.has('done'));
    await page.goto('/energy?period=day&at=2026-10-22');
    const bars = await page.locator('td[data-bar]').allTextContents();
    expect(bars).toHaveLength(24);
    const sum = bars.reduce((a, b) => a + Number(b), 0);
    expect(sum).toBeCloseTo(cliDay(home, '2026-10-22', 'Asia/Kathmandu'), 1);
  });
});
