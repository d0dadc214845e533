import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildIsolateApp } from '../../apps-sdk/src/build-app.ts';
import { AppRegistry } from '../../box/apps/app-registry.ts';
import { EXPORTS_KV } from '../../box/exports/export-service.ts';
import { Store } from '../../box/store/store.ts';
import { saveTimeSettings } from '../../box/time/time-settings.ts';
import {
  type BoxProcess,
  REPO_ROOT,
  runCli,
  startBoxProcess,
  stopBoxProcess,
} from '../helpers/box-process.ts';
import { describeWithChromium } from '../helpers/services.ts';
import { launchChromium, screenshot } from './browser.ts';

/**
 * Issue 12 point 10 on a real box in real Chromium: the consent screen speaks plain words (no
 * ISO durations or resolution names), gives each data kind its own risk text (a bedroom
 * thermometer is not a smart meter; occupancy says the house is empty), shows the GB licence note
 * only where it applies, says beside each choice what declining costs, and offers the export
 * mode. energy-insights installed with its destination declined runs and ends `ok`.
 */

const PASSWORD = 'correct horse battery staple';
const ENERGY = join(REPO_ROOT, 'examples', 'energy-insights');
const COMFORT = join(REPO_ROOT, 'examples', 'comfort-occupancy');
const DETECTOR = join(REPO_ROOT, 'examples', 'appliance-detector');
/** Machine words a person must not read: ISO 8601 durations, resolution names, the reference's Δt. */
const MACHINE_WORDS = /\bP\d+[YMWD]\b|\bPT\d|Δt|\b\d+(min|h|d)\b|\braw\b/;
const METER_RESEARCH = /Beckel|Molina-Markham|Kleiminger|Greveler|Razavi|Hopf|Smart Energy Code/;

function withStoreValue<T>(home: string, fn: (store: Store) => T): T {
  const store = Store.open(join(home, 'databox.db'));
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function withStore(home: string, fn: (store: Store) => void): void {
  const store = Store.open(join(home, 'databox.db'));
  try {
    fn(store);
  } finally {
    store.close();
  }
}

/** The text a person reads on the page (not option values, not the sample payload's JSON). */
function visibleText(page: Page): Promise<string> {
  // a string, evaluated in the page (which has a DOM; this file is type-checked without one)
  return page.evaluate(
    "(() => { const b = document.body.cloneNode(true); for (const el of b.querySelectorAll('pre, script, code')) el.remove(); return b.innerText; })()",
  );
}

describeWithChromium('the consent screen in plain words, on a real box', () => {
  let home: string;
  let box: BoxProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'databox-consent-'));
    await buildIsolateApp(ENERGY);
    await buildIsolateApp(COMFORT);
    await buildIsolateApp(DETECTOR);
    expect(runCli(['user', 'set-password', '--home', home], `${PASSWORD}\n`).status).toBe(0);
    const now = Date.now();
    withStore(home, (store) => {
      // a household meter of unknown origin (like the simulator's), a bedroom thermometer, a hall PIR
      store.createDatasource(
        {
          id: 'house.power',
          kind: 'electricity.import.power',
          unit: 'W',
          valueType: 'gauge',
          location: 'meter',
        },
        'user',
      );
      store.createDatasource(
        {
          id: 'bedroom.temperature',
          kind: 'temperature',
          unit: '°C',
          valueType: 'gauge',
          location: 'bedroom',
        },
        'user',
      );
      store.createDatasource(
        { id: 'bedroom.occupancy', kind: 'occupancy', unit: '', valueType: 'gauge', location: 'bedroom' },
        'user',
      );
      const step = 10 * 60_000;
      const from = Math.floor((now - 70 * 86_400_000) / step) * step;
      const power = [];
      const temp = [];
      const occ = [];
      for (let t = from; t < now; t += step) {
        power.push({ t, v: 400 + (t % 7) * 50 });
        temp.push({ t, v: 19 + ((t / step) % 6) * 0.3 });
        occ.push({ t, v: (t / step) % 3 === 0 ? 1 : 0 });
      }
      store.writeReadings('house.power', power, 'user');
      store.writeReadings('bedroom.temperature', temp, 'user');
      store.writeReadings('bedroom.occupancy', occ, 'user');
      saveTimeSettings(store, { timeZone: 'Europe/Amsterdam', locale: 'en-GB' });
    });
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
    rmSync(home, { recursive: true, force: true });
  });

  it('words energy-insights plainly, with meter research and no GB note in Amsterdam', {
    timeout: 120_000,
  }, async () => {
    await page.goto(`/apps/install?source=${encodeURIComponent(ENERGY)}`);
    const text = await visibleText(page);
    expect(text).not.toMatch(MACHINE_WORDS);
    expect(text).toContain('runs every day');
    const detail = page.getByLabel('How detailed (the app asks for every 30 minutes)');
    expect(await detail.locator('option').allTextContents()).toEqual([
      'every 30 minutes (asked)',
      'every hour',
      'every day',
    ]);
    const back = page.getByLabel('How far back (the app asks for 90 days)');
    expect(await back.locator('option').allTextContents()).toEqual([
      '1 day',
      '7 days',
      '30 days',
      '90 days (asked)',
    ]);
    const caption = async () =>
      ((await page.getByTestId('preview-caption').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(await caption()).toContain('one mean value every 30 minutes');
    await detail.selectOption('1h');
    await expect.poll(caption).toContain('one mean value every hour');
    const risk = page.getByTestId('risk');
    expect(await risk.getAttribute('data-family')).toBe('electricity');
    expect(await risk.textContent()).toContain('What an app could learn from electricity use every hour');
    expect(await risk.textContent()).toContain('Hopf et al. 2018');
    // a meter of unknown origin on a Dutch box: the GB licence condition does not apply
    expect(await page.getByTestId('regulatory-note').count()).toBe(0);
    // what declining the destination costs, beside the choice; review is the default mode
    const loss = (await page.getByTestId('loss-monthly-summary').textContent()) ?? '';
    expect(loss).toContain('nothing is sent to energy-coop.example');
    expect(loss).toContain('Energy insights keeps working on this box');
    expect(await page.getByLabel('Exports of this app').inputValue()).toBe('review');
    expect(
      await page.getByLabel('Allow sending to https://energy-coop.example/api/v1/monthly').isChecked(),
    ).toBe(false);
    expect(
      await page.getByLabel('This consent expires after').locator('option').first().textContent(),
    ).toMatch(/^1 month \(until \d{1,2} \w{3} \d{4}\)$/);
    // the optional time zone request: the box's zone named, why, what it reveals, what declining
    // costs; not shared unless ticked
    const zone = page.getByTestId('time-zone');
    const zoneText = ((await zone.textContent()) ?? '').replace(/\s+/g, ' ');
    expect(zoneText).toContain('Your time zone (Europe/Amsterdam) (optional)');
    expect(zoneText).toContain("So that 'evening' means your evening");
    expect(zoneText).toContain('It tells the app roughly where in the world you live');
    expect(await page.getByTestId('loss-time-zone').textContent()).toContain(
      'Energy insights works in UTC and labels its times "(UTC)"',
    );
    expect(await page.getByLabel('Let the app know my time zone').isChecked()).toBe(false);
    await screenshot(page, 'consent-plain-words');
  });

  it('shows the GB note for the same meter once the box is in Great Britain, not at one value a day', {
    timeout: 60_000,
  }, async () => {
    withStore(home, (store) => saveTimeSettings(store, { timeZone: 'Europe/London' }));
    await page.goto(`/apps/install?source=${encodeURIComponent(ENERGY)}`);
    expect(await page.getByTestId('regulatory-note').textContent()).toContain('supply licence condition 47');
    // choosing re-submits the preview (a POST to /apps/install): wait for that page, or the
    // count below reads the page going away and the next test's navigation is cut short by it
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/apps/install' && !u.searchParams.has('source')),
      page.getByLabel('How detailed (the app asks for every 30 minutes)').selectOption('1d'),
    ]);
    expect(await page.getByLabel('How detailed (the app asks for every 30 minutes)').inputValue()).toBe('1d');
    expect(await page.getByTestId('regulatory-note').count()).toBe(0);
  });

  it("says 'every 10 seconds' for a 10 s request, granted as every reading, with the meter's own rate", {
    timeout: 60_000,
  }, async () => {
    await page.goto(`/apps/install?source=${encodeURIComponent(DETECTOR)}`);
    expect(await visibleText(page)).not.toMatch(MACHINE_WORDS);
    const detail = page.getByLabel('How detailed (the app asks for every 10 seconds)');
    expect(await detail.locator('option:checked').textContent()).toBe('every reading as it arrives (asked)');
    const caption = ((await page.getByTestId('preview-caption').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(caption).toContain('every reading as it arrives');
    expect(caption).toContain('(about one every 10 minutes)');
    expect(await page.getByTestId('risk').textContent()).toContain('TV channel');
  });

  it('gives a bedroom thermometer and an occupancy sensor their own risk, never the meter research', {
    timeout: 60_000,
  }, async () => {
    await page.goto(`/apps/install?source=${encodeURIComponent(COMFORT)}`);
    const text = await visibleText(page);
    expect(text).not.toMatch(MACHINE_WORDS);
    expect(text).toContain('runs when new data arrives, at most every 6 hours');
    const risks = page.getByTestId('risk');
    expect(await risks.evaluateAll((els) => els.map((e) => e.getAttribute('data-family')))).toEqual([
      'temperature',
      'occupancy',
    ]);
    const [temperature, occupancy] = await risks.allTextContents();
    expect(temperature).toContain('in a bedroom, when someone sleeps there');
    expect(temperature).not.toMatch(METER_RESEARCH);
    expect(occupancy).toMatch(/reveals when the house \(or this room\) is empty/);
    expect(occupancy).not.toMatch(METER_RESEARCH);
    // in Great Britain, but not electricity: no licence note
    expect(await page.getByTestId('regulatory-note').count()).toBe(0);
    await screenshot(page, 'consent-bedroom-sensors');
  });

  it('installs energy-insights with the destination declined and the mode chosen; its run ends ok', {
    timeout: 120_000,
  }, async () => {
    await page.goto(`/apps/install?source=${encodeURIComponent(ENERGY)}`);
    await page.getByLabel('Exports of this app').selectOption('auto');
    await page.getByRole('button', { name: 'Approve and install' }).click();
    await page.waitForURL((u) => u.pathname === '/apps/energy-insights');
    expect(await page.getByRole('status').first().textContent()).toContain('Consent recorded');
    expect(await page.getByLabel('Exports of this app').inputValue()).toBe('auto');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.has('done')),
      page.getByRole('button', { name: 'Run now' }).click(),
    ]);
    expect(await page.getByRole('status').first().textContent()).toContain(
      'Run finished: 3 insights, 0 export requests',
    );
    withStore(home, (store) => {
      const [run] = new AppRegistry(store.db).listRuns('energy-insights', 1);
      expect(run).toMatchObject({ status: 'ok', error: null });
      // a whole month was there to send: the app met the typed refusal and went on
      expect(run.logs.join('\n')).toMatch(/monthly-summary is not approved: \d{4}-\d{2} was not sent/);
      expect(store.kv.get(EXPORTS_KV, 'mode:energy-insights')).toBe('auto');
      const refused = store.audit.query({ action: 'export.refuse', actor: 'app:energy-insights' });
      expect(refused).toHaveLength(1);
    });
  });

  it('shares the time zone only when ticked: the app page says so, and the next run names local hours', {
    timeout: 120_000,
  }, async () => {
    // installed above without ticking it
    await page.goto('/apps/energy-insights');
    expect(await page.getByTestId('time-zone-grant').textContent()).toContain(
      'not shared (the app works in UTC)',
    );
    const peak = () =>
      withStoreValue(home, (store) =>
        // newest first
        new AppRegistry(store.db).listInsights('energy-insights').find((x) => x.key === 'peak-hours'),
      )?.summary;
    expect(peak()).toMatch(/ \(UTC\)$/);
    await page.goto('/apps/install?app=energy-insights');
    const box = page.getByLabel('Let the app know my time zone');
    expect(await box.isChecked()).toBe(false);
    await box.check();
    await page.getByRole('button', { name: 'Approve new grants' }).click();
    await page.waitForURL((u) => u.pathname === '/apps/energy-insights');
    expect(await page.getByTestId('time-zone-grant').textContent()).toContain('shared (the app is told');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.has('done')),
      page.getByRole('button', { name: 'Run now' }).click(),
    ]);
    // the box is in Europe/London by now (the GB test above)
    expect(peak()).toMatch(/ \(Europe\/London\)$/);
    // a change of grants shows the answer as it stands
    await page.goto('/apps/install?app=energy-insights');
    expect(await page.getByLabel('Let the app know my time zone').isChecked()).toBe(true);
  });
});
