import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildIsolateApp } from '../../apps-sdk/src/build-app.ts';
import { EXPORTS_KV } from '../../box/exports/export-service.ts';
import { Store } from '../../box/store/store.ts';
import { LocalTime } from '../../box/time/local-time.ts';
import {
  type BoxProcess,
  REPO_ROOT,
  runCli,
  startBoxProcess,
  stopBoxProcess,
} from '../helpers/box-process.ts';
import { describeWithChromium } from '../helpers/services.ts';
import { launchChromium, SCREENSHOTS, screenshot } from './browser.ts';
import {
  type AxeViolation,
  axeViolations,
  chartsSettled,
  crawlPages,
  overflowing,
  sidewaysScroll,
} from './page-crawl.ts';

const PASSWORD = 'correct horse battery staple';
// 5 minutes: a 30-minute bucket needs 3 readings to be served to an app
const STEP = 5 * 60_000;
const YEAR = 365 * 86_400_000;

/** A household's year at 5-minute steps: power, its energy register, a room's temperature and occupancy. */
function writeYear(home: string, now: number): void {
  const store = Store.open(join(home, 'databox.db'));
  try {
    for (const [id, kind, unit, valueType] of [
      ['meter.power', 'electricity.import.power', 'W', 'gauge'],
      ['meter.energy', 'electricity.import.energy', 'kWh', 'counter'],
      ['hall.temperature', 'temperature', '°C', 'gauge'],
      ['hall.occupancy', 'occupancy', '', 'gauge'],
    ] as const)
      store.createDatasource({ id, kind, unit, valueType, description: `${id} (test household)` }, 'user');
    const series: Record<string, Array<{ t: number; v: number }>> = {
      'meter.power': [],
      'meter.energy': [],
      'hall.temperature': [],
      'hall.occupancy': [],
    };
    let kwh = 12_000;
    const start = Math.floor((now - YEAR) / STEP) * STEP;
    const flush = () => {
      for (const [id, rows] of Object.entries(series)) store.writeReadings(id, rows.splice(0), 'user');
    };
    for (let t = start; t < now; t += STEP) {
      const hour = new Date(t).getUTCHours();
      const watts = (hour >= 17 && hour < 22 ? 1800 : 350) + ((t / STEP) % 7) * 20;
      kwh += (watts * STEP) / 3_600_000_000;
      series['meter.power'].push({ t, v: watts });
      series['meter.energy'].push({ t, v: Math.round(kwh * 1000) / 1000 });
      series['hall.temperature'].push({ t, v: 18 + (hour >= 7 && hour < 23 ? 2.5 : 0) });
      series['hall.occupancy'].push({ t, v: hour >= 7 && hour < 23 ? 1 : 0 });
      if (series['meter.power'].length === 10_000) flush();
    }
    flush();
  } finally {
    store.close();
  }
}

function cli(args: string[]): void {
  const r = runCli(args);
  expect(r.stderr, args.join(' ')).not.toMatch(/error/i);
  expect(r.status, `${args.join(' ')}\n${r.stderr}`).toBe(0);
}

describeWithChromium('every page, at desktop and phone sizes', () => {
  let home: string;
  let box: BoxProcess;
  let browser: Browser;
  let pages: string[] = [];

  async function signedIn(width: number, height: number): Promise<Page> {
    const context = await browser.newContext({
      baseURL: box.url,
      viewport: { width, height },
      isMobile: width < 600,
    });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    await page.goto('/signin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL((u) => u.pathname === '/');
    return page;
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'databox-pages-'));
    expect(runCli(['user', 'set-password', '--home', home], `${PASSWORD}\n`).status).toBe(0);
    cli(['time', 'set', '--home', home, '--zone', 'Europe/Amsterdam', '--locale', 'nl-NL']);
    writeYear(home, Date.now());
    // every example the pages reach is built (a fresh clone has no dist/; the consent page of
    // appliance-detector is visited without installing it)
    for (const app of ['energy-insights', 'comfort-occupancy', 'appliance-detector'])
      await buildIsolateApp(join(REPO_ROOT, 'examples', app));
    const store = Store.open(join(home, 'databox.db'));
    store.kv.set(EXPORTS_KV, 'mode:energy-insights', 'review', Date.now());
    store.close();
    cli([
      'app',
      'install',
      join(REPO_ROOT, 'examples', 'energy-insights'),
      '--home',
      home,
      '--grant',
      'power=meter.power@30min/P90D',
      '--approve-destination',
      'monthly-summary',
      '--yes',
    ]);
    cli([
      'app',
      'install',
      join(REPO_ROOT, 'examples', 'comfort-occupancy'),
      '--home',
      home,
      '--grant',
      'temperature=hall.temperature',
      '--grant',
      'occupancy=hall.occupancy',
      '--yes',
    ]);
    // runs, insights and an export waiting for review, so the app and exports pages are not empty
    cli(['app', 'run', 'energy-insights', '--home', home]);
    cli(['app', 'run', 'comfort-occupancy', '--home', home]);
    box = await startBoxProcess(home);
    browser = await launchChromium();
    const page = await signedIn(1280, 900);
    // a driver, so the Drivers page lists one (the broker need not answer: its error is shown)
    await page.goto('/drivers');
    await page.getByRole('button', { name: 'Add MQTT' }).click();
    await page.waitForURL((u) => u.searchParams.has('done'));
    pages = await crawlPages(page);
    mkdirSync(SCREENSHOTS, { recursive: true });
    writeFileSync(join(SCREENSHOTS, 'pages-crawled.json'), JSON.stringify(pages, null, 2));
    await page.context().close();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (box) await stopBoxProcess(box);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('finds the pages through the navigation and their links', () => {
    // the main navigation's pages and the detail pages they link to
    for (const path of ['/', '/energy', '/overview', '/audit', '/apps/install'])
      expect(pages).toContain(path);
    expect(pages.some((p) => p.startsWith('/data/meter.'))).toBe(true);
    expect(pages).toContain('/apps/energy-insights');
    expect(pages.some((p) => p.startsWith('/apps/install?app='))).toBe(true);
  });

  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ])
    it(`has no sideways scroll and no axe violation at ${width} px`, { timeout: 600_000 }, async () => {
      const page = await signedIn(width, height);
      const problems: Array<{ path: string; scroll?: number; wide?: string[]; axe?: AxeViolation[] }> = [];
      // the crawled pages, and the consent screen of an app not yet installed (a POST result)
      const visits: Array<[string, () => Promise<unknown>]> = pages.map((p) => [p, () => page.goto(p)]);
      visits.push([
        'consent for appliance-detector',
        async () => {
          await page.goto('/apps/install');
          await page
            .getByLabel('App folder or .tgz on this box')
            .fill(join(REPO_ROOT, 'examples', 'appliance-detector'));
          await page.getByRole('button', { name: 'Read its request' }).click();
          await page.getByRole('button', { name: 'Approve and install' }).waitFor();
        },
      ]);
      for (const [path, visit] of visits) {
        await visit();
        await chartsSettled(page);
        const scroll = await sidewaysScroll(page);
        const axe = await axeViolations(page);
        if (scroll > 0 || axe.length > 0)
          problems.push({ path, ...(scroll > 0 ? { scroll, wide: await overflowing(page) } : {}), axe });
        const name = path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'home';
        await screenshot(page, `pages-${width}-${name}`);
      }
      // the whole list beside the screenshots, to read when this fails
      writeFileSync(join(SCREENSHOTS, `pages-${width}-problems.json`), JSON.stringify(problems, null, 2));
      expect(problems).toEqual([]);
      expect(visits.length).toBeGreaterThanOrEqual(12);
      await page.context().close();
    });

  it('lets the keyboard choose a resolution without reloading the page at each arrow key', {
    timeout: 120_000,
  }, async () => {
    const page = await signedIn(1280, 900);
    await page.goto('/apps/install?app=energy-insights');
    // the consent screen's resolution picker of the app's one request
    const select = page.locator('select[name="power.resolution"]');
    expect(await select.inputValue()).toBe('30min');
    const caption = () => page.getByTestId('preview-caption').textContent();
    const before = await caption();
    let loads = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) loads++;
    });
    await select.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    // Chromium changes a closed select at each arrow key; the page stays, and says how to go on
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Press Enter' }).count()).toBe(1);
    await page.waitForTimeout(1_000);
    expect(loads).toBe(0);
    expect(await select.inputValue()).toBe('1d');
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    expect(loads).toBe(1);
    expect(await select.inputValue()).toBe('1d');
    // the preview now shows what the app would get at the chosen resolution
    expect(await caption()).not.toBe(before);
    // the mouse (or a phone's picker) still updates the preview at once
    await Promise.all([page.waitForEvent('load'), select.selectOption('1h')]);
    expect(loads).toBe(2);
    expect(await select.inputValue()).toBe('1h');
    await page.context().close();
  });

  it('draws charts people can read: units, local 24-hour times, bars from 0, a single point in range', {
    timeout: 120_000,
  }, async () => {
    const page = await signedIn(1280, 900);
    const lt = new LocalTime({ timeZone: 'Europe/Amsterdam', locale: 'nl-NL' });
    const day = (daysAgo: number) => lt.input(Date.now() - daysAgo * 86_400_000).slice(0, 10);
    const axes = async (id: string) => {
      const chart = page.locator(`[data-chart="${id}"]`);
      await expect.poll(() => chart.getAttribute('data-x-ticks')).not.toBeNull();
      const json = async (name: string) => JSON.parse((await chart.getAttribute(name)) ?? '[]') as string[];
      return {
        x: await json('data-x-ticks'),
        y: await json('data-y-ticks'),
        xLabel: await chart.getAttribute('data-x-label'),
        yLabel: await chart.getAttribute('data-y-label'),
      };
    };
    // a day of power by the hour: watts on the y axis, Amsterdam's winter zone on the x axis,
    // ticks on the 24-hour clock (a tick at midnight names the day, "2 dec")
    await page.goto('/data/meter.power?resolution=1h');
    const power = await axes('chart-meter.power');
    expect(power.yLabel).toBe('W');
    expect(power.xLabel).toBe('CET');
    expect(power.x.length).toBeGreaterThan(2);
    for (const tick of power.x) expect(tick).toMatch(/^([01]\d|2[0-3]):[0-5]\d$|^\d{1,2} \p{L}+\.?$/u);
    expect(power.x.join(' ')).not.toMatch(/AM|PM/);
    // the table behind it has a row per hour, headed with the zone and the unit
    const table = page.locator('details.chart-table table');
    expect(await table.locator('thead').textContent()).toContain('(W)');
    expect(await table.locator('thead').textContent()).toContain('Europe/Amsterdam');
    expect(await table.locator('tbody tr').count()).toBeGreaterThanOrEqual(24);

    // ten days of energy: bars, so the axis starts at 0 (not at the lowest day)
    await page.goto(`/data/meter.energy?resolution=1d&from=${day(10)}T00:00&to=${day(0)}T00:00`);
    const days = await axes('chart-meter.energy');
    expect(days.yLabel).toBe('kWh');
    expect(days.y[0]).toBe('0');

    // a single day: one bar, still on an axis from 0 with more than one tick, and a table row
    await page.goto(`/data/meter.energy?resolution=1d&from=${day(3)}T00:00&to=${day(2)}T00:00`);
    const one = await axes('chart-meter.energy');
    expect(await page.locator('details.chart-table tbody tr').count()).toBe(1);
    expect(one.y[0]).toBe('0');
    expect(one.y.length).toBeGreaterThan(2);
    expect(one.x.length).toBeGreaterThanOrEqual(1);
    // the axis spans that day (hours, or the day's name), not years around it
    for (const tick of one.x) expect(tick).toMatch(/^([01]\d|2[0-3]):[0-5]\d$|^\d{1,2} \p{L}+\.?$/u);
    await page.locator('[data-chart][data-drawn="true"]').waitFor();
    await screenshot(page, 'chart-single-day');
    await page.context().close();
  });
});
