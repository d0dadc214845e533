import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildIsolateApp } from '../../apps-sdk/src/build-app.ts';
import { EXPORTS_KV } from '../../box/exports/export-service.ts';
import { Store } from '../../box/store/store.ts';
import {
  type BoxProcess,
  REPO_ROOT,
  runCli,
  startBoxProcess,
  stopBoxProcess,
} from '../helpers/box-process.ts';
import { describeWithChromium } from '../helpers/services.ts';
import { launchChromium, screenshot } from './browser.ts';

const PASSWORD = 'correct horse battery staple';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page (evaluated over the DevTools protocol: the page's CSP stays). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')))",
  );
}
const STEP = 5 * 60_000;
const DAYS = 100;

/**
 * 100 days of a household at 5-minute steps: the meter's power and register, and a Zigbee plug
 * (power, energy, voltage, current, named as drivers/mqtt/families/zigbee2mqtt.ts names them).
 * The meter's power is written in batches of 10 readings, as a driver flushing often would:
 * thousands of `readings.write` entries today.
 */
function writeHousehold(home: string, now: number): number {
  const store = Store.open(join(home, 'databox.db'));
  try {
    const plug = 'of Zigbee2MQTT device "kitchen-plug" (Smart plug)';
    for (const [id, kind, unit, valueType, description] of [
      ['meter.power', 'electricity.import.power', 'W', 'gauge', 'meter power'],
      ['meter.energy', 'electricity.import.energy', 'kWh', 'counter', 'meter register'],
      ['z2m.kitchen-plug.power', 'electricity.power', 'W', 'gauge', `power ${plug}`],
      ['z2m.kitchen-plug.energy', 'electricity.energy', 'kWh', 'counter', `energy ${plug}`],
      ['z2m.kitchen-plug.voltage', 'voltage', 'V', 'gauge', `voltage ${plug}`],
      ['z2m.kitchen-plug.current', 'current', 'A', 'gauge', `current ${plug}`],
    ] as const)
      store.createDatasource({ id, kind, unit, valueType, description }, 'driver:home');
    const rows: Record<string, Array<{ t: number; v: number }>> = {};
    let house = 12_000;
    let kettle = 40;
    const start = Math.floor((now - DAYS * 86_400_000) / STEP) * STEP;
    for (let t = start; t < now; t += STEP) {
      const hour = new Date(t).getUTCHours();
      const plugW = hour === 7 || hour === 18 ? 600 : 5;
      const houseW = 300 + plugW + (hour >= 17 && hour < 22 ? 1500 : 0);
      house += (houseW * STEP) / 3_600_000_000;
      kettle += (plugW * STEP) / 3_600_000_000;
      const add = (id: string, v: number) => {
        rows[id] ??= [];
        rows[id].push({ t, v });
      };
      add('meter.power', houseW);
      add('meter.energy', Math.round(house * 1000) / 1000);
      add('z2m.kitchen-plug.power', plugW);
      add('z2m.kitchen-plug.energy', Math.round(kettle * 1000) / 1000);
      add('z2m.kitchen-plug.voltage', 230);
      add('z2m.kitchen-plug.current', plugW / 230);
    }
    let powerWrites = 0;
    for (const [id, list] of Object.entries(rows)) {
      const size = id === 'meter.power' ? 10 : 5_000;
      for (let i = 0; i < list.length; i += size) {
        store.writeReadings(id, list.slice(i, i + size), 'driver:home');
        if (id === 'meter.power') powerWrites++;
      }
    }
    return powerWrites;
  } finally {
    store.close();
  }
}

function cli(args: string[]): string {
  const r = runCli(args);
  expect(r.status, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

describeWithChromium('devices, the activity feed and notifications in a real browser', () => {
  let home: string;
  let box: BoxProcess;
  let browser: Browser;
  let page: Page;
  let powerWrites = 0;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'databox-devices-'));
    expect(runCli(['user', 'set-password', '--home', home], `${PASSWORD}\n`).status).toBe(0);
    cli(['time', 'set', '--home', home, '--zone', 'Europe/Amsterdam', '--locale', 'en-GB']);
    powerWrites = writeHousehold(home, Date.now());
    // a warning threshold above the disk's free space: the box must say the disk is low
    writeFileSync(join(home, 'config.json'), JSON.stringify({ store: { lowDiskMB: 1_000_000 } }));
    await buildIsolateApp(join(REPO_ROOT, 'examples', 'energy-insights'));
    const store = Store.open(join(home, 'databox.db'));
    store.kv.set(EXPORTS_KV, 'mode:energy-insights', 'review', Date.now());
    store.close();
    // consent for 10 days: within the 14-day warning
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
      '--expires',
      'P10D',
      '--yes',
    ]);
    cli(['app', 'run', 'energy-insights', '--home', home]);
    // a driver whose broker does not answer (nothing listens on port 1): it cannot connect
    cli(['driver', 'add', 'mqtt', '--id', 'garage', '--broker', 'mqtt://127.0.0.1:1', '--home', home]);
    box = await startBoxProcess(home);
    browser = await launchChromium();
    const context = await browser.newContext({ baseURL: box.url, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    await page.goto('/signin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (box) await stopBoxProcess(box);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('names a device and sets its room; the CLI and the Energy screen use the name', {
    timeout: 120_000,
  }, async () => {
    await page.goto('/devices');
    const plug = page.locator('[data-device="z2m.kitchen-plug"]');
    // one device for the plug's four datasources, under the driver's device name
    await expect(plug.locator('h3').textContent()).resolves.toContain('kitchen-plug');
    await expect(plug.locator('details li').count()).resolves.toBe(4);
    await plug.getByLabel('Name', { exact: true }).fill('Kettle');
    await plug.getByLabel('Room', { exact: true }).fill('Kitchen');
    await plug.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL((u) => u.searchParams.has('done'));
    await expect(page.locator('.notice').textContent()).resolves.toContain('Kettle in Kitchen');
    await expect(page.locator('h2', { hasText: 'Kitchen' }).count()).resolves.toBe(1);
    await screenshot(page, 'devices');

    const listed = cli(['device', 'list', '--home', home, '--json']);
    const kettle = (
      JSON.parse(listed) as Array<{ id: string; name: string; room: string; datasources: string[] }>
    ).find((d) => d.id === 'z2m.kitchen-plug');
    expect(kettle).toMatchObject({ name: 'Kettle', room: 'Kitchen' });
    expect(kettle?.datasources).toHaveLength(4);

    await page.goto('/energy?period=month');
    const row = page.locator('#h-devices + table tr', { hasText: 'Kettle' });
    await expect(row.count()).resolves.toBe(1);
    await expect(row.textContent()).resolves.toMatch(/Kitchen.*kWh/);
  });

  it('tells the day in plain words, one line per source for thousands of ingest entries', {
    timeout: 120_000,
  }, async () => {
    await page.goto('/audit');
    await page.getByRole('link', { name: /in plain words/ }).click();
    await page.waitForURL((u) => u.pathname === '/activity');
    const read = page.locator('li[data-action="readings.read"]', { hasText: 'Energy insights' });
    await expect(read.first().textContent()).resolves.toMatch(
      /Energy insights read 90 days of power of Meter at 30-minute steps/,
    );
    const ingest = page.locator('li[data-action="readings.write"]', { hasText: 'power of Meter' });
    await expect(ingest.count()).resolves.toBe(1);
    // the one line stands for every write of the meter's power today
    expect(Number(await ingest.getAttribute('data-count'))).toBe(powerWrites);
    expect(powerWrites).toBeGreaterThan(2000);
    await expect(ingest.textContent()).resolves.toContain(
      `${powerWrites.toLocaleString('en-GB')} ingest windows`,
    );
    await expect(page.locator('li[data-action="export.request"]').textContent()).resolves.toMatch(
      /Energy insights asked to send 1 monthly-summary to energy-coop\.example/,
    );
    await expect(page.locator('li[data-action="device.label"]').count()).resolves.toBe(1);
    // the householder's own sign-in reads as one, not as a refusal
    await expect(page.locator('li[data-action="user.signin"]').first().textContent()).resolves.toContain(
      'You signed in',
    );
    await screenshot(page, 'activity');
    // each line links to its raw entries on the Audit page
    await ingest.getByRole('link').click();
    await page.waitForURL((u) => u.pathname === '/audit');
    await expect(page.locator('ol.timeline > li[data-action="readings.write"]').count()).resolves.toBe(200);
    await expect(page.locator('ol.timeline > li:not([data-action="readings.write"])').count()).resolves.toBe(
      0,
    );
  });

  it('shows a badge on every page and lists the four kinds of notification', {
    timeout: 120_000,
  }, async () => {
    for (const path of ['/energy', '/devices', '/activity', '/audit']) {
      await page.goto(path);
      await expect(page.locator('header .notify').getAttribute('data-count'), path).resolves.toBe('4');
    }
    await page.locator('header .notify').click();
    await page.waitForURL((u) => u.pathname === '/notifications');
    const kinds = await page
      .locator('[data-kind]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds.sort()).toEqual(['consent-expiring', 'disk-low', 'driver-stopped', 'export-review']);
    const text = await page.locator('main').textContent();
    expect(text).toMatch(/1 export of Energy insights waits for your review/);
    expect(text).toMatch(/consent for Energy insights ends in (9|10) days/);
    expect(text).toMatch(/disk space is low/);
    await screenshot(page, 'notifications');
    // dealing with one clears it: approve the held export (the gateway may fail to send it; it no longer waits)
    await page.locator('a', { hasText: 'Review it on the Exports page' }).click();
    await page.getByRole('button', { name: 'Approve and send' }).click();
    await page.waitForURL((u) => u.searchParams.has('done'));
    await page.goto('/notifications');
    await expect(page.locator('[data-kind="export-review"]').count()).resolves.toBe(0);
    await expect(page.locator('header .notify').getAttribute('data-count')).resolves.toBe('3');
  });

  it('fits a phone and passes axe-core: the three pages at 390 px and 1280 px', {
    timeout: 120_000,
  }, async () => {
    for (const path of ['/devices', '/activity', '/notifications']) {
      await page.goto(path);
      expect(await axeViolations(page), path).toEqual([]);
    }
    const phone = await browser.newContext({
      baseURL: box.url,
      viewport: { width: 390, height: 844 },
      isMobile: true,
    });
    await phone.addCookies(await page.context().cookies());
    const small = await phone.newPage();
    for (const path of ['/devices', '/activity', '/notifications']) {
      await small.goto(path);
      const [scroll, width] = (await small.evaluate(
        '[document.documentElement.scrollWidth, window.innerWidth]',
      )) as [number, number];
      expect(scroll, path).toBeLessThanOrEqual(width);
      expect(await axeViolations(small), `${path} at 390 px`).toEqual([]);
      await screenshot(small, `phone${path.replace('/', '-')}`);
    }
    await phone.close();
  });
});
