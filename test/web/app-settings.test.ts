import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Store } from '../../box/store/store.ts';
import { writeSdkApp } from '../box/apps/sdk-app.ts';
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
 * App settings in the dashboard: the form on the app's page is generated from the manifest's
 * settings JSON Schema (a number with bounds, a choice, an on/off, a text), saving is validated
 * against that schema (a bad value is refused, naming the setting, and nothing is stored), a
 * setting returns to its default, the app reads what was saved, and each change is audited by
 * name, never by value. The HTTP route does the same with the admin token.
 */
const PASSWORD = 'correct horse battery staple';
const SDK = join(REPO_ROOT, 'apps-sdk/src/app.ts');
const MANIFEST = {
  id: 'tuned',
  name: 'Tuned app',
  version: '1.0.0',
  description: 'Says what its settings are',
  author: 'Test',
  runtime: { type: 'isolate', entry: 'dist/app.js' },
  insights: [{ key: 'settings', title: 'Settings seen', description: 'what settings.get gave' }],
  settings: {
    type: 'object',
    properties: {
      thresholdWatts: {
        type: 'number',
        minimum: 0,
        maximum: 100000,
        default: 2000,
        title: 'Threshold (W)',
        description: 'Hours above this are counted',
      },
      mode: { type: 'string', enum: ['eco', 'comfort'], default: 'eco', title: 'Mode' },
      notify: { type: 'boolean', default: false, title: 'Notify me' },
      label: { type: 'string', maxLength: 20, default: 'home' },
    },
  },
};
const SOURCE = `import { defineApp } from ${JSON.stringify(SDK)};
export default defineApp(async (ctx) => {
  const s = await ctx.settings.get();
  await ctx.insight.emit({ key: 'settings', title: 'Settings seen', summary: 'seen ' + JSON.stringify(s) });
});
`;

describeWithChromium('app settings in a real browser', () => {
  let home: string;
  let box: BoxProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'databox-settings-'));
    const dir = await writeSdkApp(join(home, 'src-app'), MANIFEST, SOURCE, 'isolate');
    expect(runCli(['user', 'set-password', '--home', home], `${PASSWORD}\n`).status).toBe(0);
    const installed = runCli(['app', 'install', dir, '--home', home, '--yes', '--allow-unsigned']);
    expect(installed.status, installed.stderr).toBe(0);
    box = await startBoxProcess(home);
    browser = await launchChromium();
    const context = await browser.newContext({ baseURL: box.url });
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

  const field = (label: string | RegExp) => page.getByLabel(label, { exact: typeof label === 'string' });
  const save = async () => {
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForLoadState();
  };

  it('shows a form made from the schema, saves it, and the app reads the values', {
    timeout: 120_000,
  }, async () => {
    await page.goto('/apps/tuned');
    const threshold = field('Threshold (W)');
    expect(await threshold.getAttribute('type')).toBe('number');
    expect(await threshold.getAttribute('min')).toBe('0');
    expect(await threshold.getAttribute('max')).toBe('100000');
    expect(await threshold.inputValue()).toBe('2000');
    expect(await page.getByText('Hours above this are counted').count()).toBe(1);
    expect(await field('Mode').locator('option').allTextContents()).toEqual(['eco', 'comfort']);
    expect(await field('Notify me').isChecked()).toBe(false);
    expect(await field('label').inputValue()).toBe('home');

    await threshold.fill('1500');
    await field('Mode').selectOption({ label: 'comfort' });
    await field('Notify me').check();
    await save();
    expect(await page.locator('body').textContent()).toContain('Saved: thresholdWatts, mode, notify.');
    expect(await field('Threshold (W)').inputValue()).toBe('1500');
    expect(await field('Notify me').isChecked()).toBe(true);
    await screenshot(page, 'app-settings');

    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForLoadState();
    await page.goto('/apps/tuned');
    expect(await page.getByTestId('insight-settings').textContent()).toContain(
      'seen {"thresholdWatts":1500,"mode":"comfort","notify":true,"label":"home"}',
    );
  });

  it('refuses a value the schema does not allow, naming it, and keeps what was stored', {
    timeout: 60_000,
  }, async () => {
    await page.goto('/apps/tuned');
    // the browser's own checks (min, maxlength) are a convenience: the box must refuse by itself
    await page.locator('form.settings-form').evaluate((form) => {
      (form as unknown as { noValidate: boolean }).noValidate = true;
    });
    await field('Threshold (W)').fill('-5');
    await save();
    const refused = await page.locator('body').textContent();
    expect(refused).toContain('thresholdWatts');
    expect(refused).toMatch(/must be >= 0/);
    await page.goto('/apps/tuned');
    expect(await field('Threshold (W)').inputValue()).toBe('1500');
    await page.locator('form.settings-form').evaluate((form) => {
      (form as unknown as { noValidate: boolean }).noValidate = true;
    });
    await field('label').evaluate((input) => input.removeAttribute('maxlength'));
    await field('label').fill('x'.repeat(30));
    await save();
    expect(await page.locator('body').textContent()).toMatch(/label.*must NOT have more than 20 characters/);
  });

  it('returns a setting to its default', { timeout: 60_000 }, async () => {
    await page.goto('/apps/tuned');
    await page.locator('input[name="reset"][value="thresholdWatts"]').check();
    await save();
    expect(await page.locator('body').textContent()).toContain('Saved: thresholdWatts.');
    expect(await field('Threshold (W)').inputValue()).toBe('2000');
  });

  it('the HTTP route reads and changes them with the admin token, validated the same way', {
    timeout: 60_000,
  }, async () => {
    const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
    const api = (method: string, body?: unknown) =>
      fetch(`${box.url}/api/v1/apps/tuned/settings`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const got = await api('GET');
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({
      settings: { thresholdWatts: 2000, mode: 'comfort', notify: true, label: 'home' },
      schema: { type: 'object' },
    });
    const bad = await api('PUT', { set: { mode: 'turbo' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/mode.*must be equal to one of the allowed values/);
    const unknown = await api('PUT', { set: { colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(await unknown.json())).toContain('has no setting \\"colour\\"');
    const noToken = await fetch(`${box.url}/api/v1/apps/tuned/settings`, { method: 'PUT', body: '{}' });
    expect(noToken.status).toBe(401);
    const ok = await api('PUT', { set: { mode: 'eco' }, reset: ['notify'] });
    expect(await ok.json()).toEqual({
      settings: { thresholdWatts: 2000, mode: 'eco', notify: false, label: 'home' },
    });
  });

  it('audited every change by name, never by value', { timeout: 60_000 }, async () => {
    await stopBoxProcess(box);
    const store = Store.open(join(home, 'databox.db'));
    try {
      const entries = store.audit.query({ action: 'app.settings' });
      expect(entries.map((e) => e.details)).toEqual([
        { set: ['mode', 'notify', 'thresholdWatts'], reset: [] },
        { set: [], reset: ['thresholdWatts'] },
        { set: ['mode'], reset: ['notify'] },
      ]);
      expect(entries.every((e) => e.actor === 'user' && e.subject === 'tuned')).toBe(true);
      expect(JSON.stringify(entries)).not.toContain('1500');
    } finally {
      store.close();
    }
  });
});
