import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIsolateApp } from '../../../apps-sdk/src/build-app.ts';
import { AppManager } from '../../../box/apps/app-manager.ts';
import { AppRunner } from '../../../box/apps/app-runner.ts';
import { createHttpApp } from '../../../box/http/app.ts';
import { IsolateRuntime } from '../../../box/sandbox/isolate/isolate-runtime.ts';
import { Store } from '../../../box/store/store.ts';
import { saveTimeSettings } from '../../../box/time/time-settings.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

/**
 * Issue 12 (apps in local time): an app may ask for the household's zone; the householder may
 * decline. A real store, the real app manager and HTTP API, energy-insights built and run in the
 * real isolate host, a box in Asia/Kathmandu (+05:45, no DST). The isolate host is started with
 * this process's TZ set to Asia/Kathmandu, as a box machine in Nepal would be: an app must not be
 * able to read it from `Date` or `Intl`.
 */

const tempDir = useTempDir();
const EXAMPLE = join(REPO_ROOT, 'examples', 'energy-insights');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const KATHMANDU = (5 * 60 + 45) * 60_000;
const NOW = Date.UTC(2024, 2, 10, 12, 0);
const TOKEN = 'tz-admin-token';

// The box machine's own zone: what an isolate would inherit without the sandbox's TZ=UTC.
const savedTz = process.env.TZ;
process.env.TZ = 'Asia/Kathmandu';
const runtime = new IsolateRuntime();
beforeAll(async () => {
  await buildIsolateApp(EXAMPLE);
  await runtime.start();
});
afterAll(async () => {
  await runtime.stop();
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** Watts at instant t: 300 W, but 3000 W at 19:00–20:00, 4000 W at 20:00–21:00, 3500 W at 21:00–22:00 Kathmandu time. */
function watts(t: number): number {
  const localHour = Math.floor(((((t + KATHMANDU) % DAY) + DAY) % DAY) / HOUR);
  return localHour === 19 ? 3000 : localHour === 20 ? 4000 : localHour === 21 ? 3500 : 300;
}

/** 10-second readings over ten days before NOW. */
function readings(): Array<{ t: number; v: number }> {
  const out = [];
  for (let t = NOW - 10 * DAY; t < NOW; t += 10_000) out.push({ t, v: watts(t) });
  return out;
}

/**
 * The naive model: each raw reading put in its hour by adding a fixed offset (Kathmandu has had
 * +05:45 since 1986), mean per hour of day, the three highest; and kWh per whole local day.
 */
function naive(offsetMs: number, raw: Array<{ t: number; v: number }>, to: number) {
  const sums = new Array(24).fill(0);
  const counts = new Array(24).fill(0);
  const days = new Map<string, number>();
  for (const r of raw) {
    const local = r.t + offsetMs;
    const h = Math.floor((local % DAY) / HOUR);
    sums[h] += r.v;
    counts[h]++;
    const date = new Date(local - (local % DAY)).toISOString().slice(0, 10);
    days.set(date, (days.get(date) ?? 0) + (r.v * 10) / 3_600_000);
  }
  const peak = sums
    .map((s, h) => ({ w: s / counts[h], h }))
    .sort((a, b) => b.w - a.w || a.h - b.h)
    .slice(0, 3)
    .map((x) => x.h);
  // whole days only: started at or after the first reading, over before `to`
  const first = raw[0].t;
  const whole = [...days].filter(([date]) => {
    const start = Date.parse(`${date}T00:00:00Z`) - offsetMs;
    return start >= first && start + DAY <= to;
  });
  return { peak, days: whole.map(([date, kWh]) => ({ date, kWh })) };
}

function box() {
  const home = tempDir();
  const store = Store.open(join(home, 'databox.db'), { clock: () => NOW });
  saveTimeSettings(store, { timeZone: 'Asia/Kathmandu' });
  store.createDatasource(
    { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  store.writeReadings('meter.power', readings(), 'user');
  const runner = new AppRunner({ store, runtimes: { isolate: runtime } });
  const apps = new AppManager(store, { appsDir: join(home, 'apps'), tokens: runner.tokens });
  const http = createHttpApp({
    store,
    adminToken: TOKEN,
    bodyLimitBytes: 1 << 20,
    status: () => ({}),
    apps,
    appRunner: runner,
  });
  const call = (method: string, path: string, body?: unknown) =>
    http.request(path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { store, apps, runner, call, home };
}

const GRANT = { power: { datasource: 'meter.power', resolution: '30min', history: 'P30D' } };

async function insightsOfRun(runner: AppRunner, appId: string) {
  const run = await runner.run(appId);
  expect(run.status, `${run.error}\n${run.logs.join('\n')}`).toBe('ok');
  const byKey = new Map(
    runner.registry
      .listInsights(appId)
      .filter((i) => i.runId === run.runId)
      .map((i) => [i.key, i] as const),
  );
  return { run, byKey };
}

describe('energy-insights and the household time zone, in the real isolate', () => {
  it('granted: peak hours and days in Kathmandu local time, as the naive model finds them; a zone change shows on the next run', async () => {
    const { store, runner, call } = box();
    const res = await call('POST', '/api/v1/apps', { source: EXAMPLE, grants: GRANT, timeZone: true });
    expect(res.status, await res.clone().text()).toBe(201);
    const { byKey } = await insightsOfRun(runner, 'energy-insights');
    const model = naive(KATHMANDU, readings(), NOW);
    expect(model.peak).toEqual([20, 21, 19]);
    const peak = byKey.get('peak-hours');
    expect(peak?.data).toMatchObject({ peak: model.peak, timeZone: 'Asia/Kathmandu' });
    expect(peak?.summary).toBe('You use most between 20:00, 21:00, 19:00 (Asia/Kathmandu)');
    const days =
      (byKey.get('daily-use')?.data as { days?: Array<{ date: string; kWh: number }> })?.days ?? [];
    expect(days.length).toBeGreaterThan(5);
    expect(days.map((d) => d.date)).toEqual(model.days.map((d) => d.date));
    days.forEach((d, i) => {
      expect(d.kWh).toBeCloseTo(model.days[i].kWh, 2);
    });

    // the choice is in the receipt and the audit trail
    const receipt = (await (await call('GET', '/api/v1/apps/energy-insights/receipt')).json()) as {
      timeZone: unknown;
    };
    expect(receipt.timeZone).toMatchObject({ granted: true });
    const [grant] = store.audit.query({ action: 'app.grant', subject: 'energy-insights' });
    expect(grant.details.timeZone).toBe(true);

    // the box's zone changes: the app is told the new one at its next run
    saveTimeSettings(store, { timeZone: 'Europe/Amsterdam' });
    const again = await insightsOfRun(runner, 'energy-insights');
    expect(again.byKey.get('peak-hours')?.summary).toMatch(/\(Europe\/Amsterdam\)$/);
    store.close();
  }, 120_000);

  it('declined: the same data in UTC hours, labelled (UTC), and the run ends ok', async () => {
    const { store, runner, call } = box();
    const res = await call('POST', '/api/v1/apps', { source: EXAMPLE, grants: GRANT });
    expect(res.status).toBe(201);
    const { run, byKey } = await insightsOfRun(runner, 'energy-insights');
    expect(run.error).toBeNull();
    const model = naive(0, readings(), NOW);
    expect(model.peak).toEqual([14, 15, 13]);
    expect(byKey.get('peak-hours')?.summary).toBe('You use most between 14:00, 15:00, 13:00 (UTC)');
    expect(byKey.get('peak-hours')?.data).toMatchObject({ peak: model.peak, timeZone: 'UTC' });
    const [grant] = store.audit.query({ action: 'app.grant', subject: 'energy-insights' });
    expect(grant.details.timeZone).toBe(false);
    store.close();
  }, 120_000);
});

/** An attacker's app: every way it can think of to learn the zone, reported as an insight. */
const PROBE = `import { defineApp } from ${JSON.stringify(join(REPO_ROOT, 'apps-sdk/src/app.ts'))};
export default defineApp(async (ctx) => {
  let direct;
  try {
    // the API route itself, around the SDK
    direct = JSON.parse(await globalThis.__databoxCall('box.timeZone', '{}'));
  } catch (e) {
    direct = 'threw ' + String(e && e.message);
  }
  await ctx.insight.emit({
    key: 'probe',
    title: 'probe',
    data: {
      sdk: await ctx.timeZone(),
      direct,
      intl: Intl.DateTimeFormat().resolvedOptions().timeZone,
      offsetJan: new Date(2024, 0, 1).getTimezoneOffset(),
      offsetJul: new Date(2024, 6, 1).getTimezoneOffset(),
      dateText: new Date(0).toString(),
      localHour: new Date(0).getHours(),
    },
  });
});
`;

async function probeApp(asks: boolean): Promise<string> {
  const dir = join(tempDir(), 'probe');
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(
    join(dir, 'databox-app.json'),
    JSON.stringify({
      id: 'zone-probe',
      name: 'Zone probe',
      version: '1.0.0',
      description: 'Tries to learn the box zone',
      author: 'Attacker',
      runtime: { type: 'isolate', entry: 'dist/app.js' },
      insights: [{ key: 'probe', title: 'Probe', description: 'what it found' }],
      ...(asks ? { timeZone: { reason: 'to say evening' } } : {}),
    }),
  );
  writeFileSync(join(dir, 'src/index.ts'), PROBE);
  await buildIsolateApp(dir);
  return dir;
}

const UTC_ONLY = {
  sdk: null,
  direct: { timeZone: null },
  intl: 'UTC',
  offsetJan: 0,
  offsetJul: 0,
  localHour: 0,
};

describe('an app without the grant learns no zone (attacker)', () => {
  it('that did not ask: the SDK and the raw API give null, and Date and Intl in the isolate say UTC, not the host zone', async () => {
    const { store, runner, apps } = box();
    apps.install(await probeApp(false), { requests: {} });
    const { byKey } = await insightsOfRun(runner, 'zone-probe');
    const data = byKey.get('probe')?.data as Record<string, unknown>;
    expect(data).toMatchObject(UTC_ONLY);
    expect(String(data.dateText)).not.toMatch(/Nepal|\+0545/);
    // a householder cannot share it with an app that did not ask either
    expect(() => apps.grant('zone-probe', { requests: {}, timeZone: true })).toThrow(/cannot be recorded/);
    store.close();
  }, 120_000);

  it('that asked but was declined: null through the SDK and the raw API; granted later it gets the zone', async () => {
    const { store, runner, apps } = box();
    apps.install(await probeApp(true), { requests: {}, timeZone: false });
    const declined = (await insightsOfRun(runner, 'zone-probe')).byKey.get('probe')?.data;
    expect(declined).toMatchObject(UTC_ONLY);
    apps.grant('zone-probe', { requests: {}, timeZone: true });
    const granted = (await insightsOfRun(runner, 'zone-probe')).byKey.get('probe')?.data;
    // the box's zone by grant; the isolate's own clock stays UTC
    expect(granted).toMatchObject({
      ...UTC_ONLY,
      sdk: 'Asia/Kathmandu',
      direct: { timeZone: 'Asia/Kathmandu' },
    });
    store.close();
  }, 120_000);
});
