import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataboxApp } from '../../../apps-sdk/src/define-app.ts';
import { runLocally } from '../../../apps-sdk/src/run-locally.ts';
import { createDockerClient } from '../../../box/containers/docker-client.ts';
import { ensureNodeBaseImage } from '../../../box/containers/node-image.ts';
import { REPO_ROOT, runCli } from '../../helpers/box-process.ts';
import { describeWithDocker } from '../../helpers/services.ts';
import { type HostileBox, startHostileBox } from '../../security/hostile-box.ts';
import { writeSdkApp } from './sdk-app.ts';

/**
 * Issue 14, point 1: event and kv datasources could be granted but never read. A real box
 * (`databox start`) holds a door's events (written over the HTTP events route) and a house mode
 * kv (written with `databox write` from another process); an SDK app pages the events 2 at a
 * time, lists and gets the kv, and tries a numeric read of the events. Isolate, container and
 * runLocally must give the same answer; the box audits each read and the refusal.
 */

const SDK = join(REPO_ROOT, 'apps-sdk/src/app.ts');
const HOUR = 3_600_000;

const SOURCE = `
import { AppApiError, defineApp } from ${JSON.stringify(SDK)};
export default defineApp(async (ctx) => {
  const pages = [];
  let cursor;
  do {
    const page = await ctx.data.events('doors', { limit: 2, ...(cursor ? { cursor } : {}) });
    pages.push(page.events.map((e) => [e.t, e.data]));
    cursor = page.next ?? undefined;
  } while (cursor && pages.length < 10);
  const kv = await ctx.data.kv('mode');
  const heating = await ctx.data.kvGet('mode', 'heating');
  const missing = await ctx.data.kvGet('mode', 'nope');
  let wrong = null;
  try {
    await ctx.data.read('doors');
  } catch (e) {
    wrong = { appApiError: e instanceof AppApiError, code: e.code, message: e.message };
  }
  await ctx.insight.emit({ key: 'report', title: 'report', data: {
    pages, kv: kv.entries.map((e) => [e.key, e.value]), heating, missing, wrong,
  } });
});
`;

function manifest(id: string, runtime: 'isolate' | 'container') {
  return {
    id,
    name: `Records ${id}`,
    version: '1.0.0',
    description: 'Reads events and kv',
    author: 'Test',
    runtime:
      runtime === 'isolate'
        ? { type: 'isolate', entry: 'dist/app.js' }
        : { type: 'container', image: 'databox/node-base', command: ['/app/dist/app.js'] },
    requests: [
      {
        name: 'doors',
        kind: 'door.contact',
        resolutions: [{ resolution: 'raw', purpose: 'see when the door opens' }],
        history: 'P1D',
      },
      {
        name: 'mode',
        kind: 'house.mode',
        resolutions: [{ resolution: 'raw', purpose: 'know the heating mode' }],
        history: 'P1D',
      },
    ],
    insights: [{ key: 'report', title: 'Report', description: 'what the app read' }],
    limits: { memoryMb: 64, timeoutMs: 60_000 },
  };
}

function writeApp(dir: string, id: string, runtime: 'isolate' | 'container'): Promise<string> {
  return writeSdkApp(dir, manifest(id, runtime), SOURCE, runtime);
}

let box: HostileBox;
let now: number;
let events: Array<{ t: number; data: unknown }>;

beforeAll(async () => {
  box = await startHostileBox();
  for (const source of [
    { id: 'front.door', kind: 'door.contact', unit: '', valueType: 'event' },
    { id: 'house.state', kind: 'house.mode', unit: '', valueType: 'kv' },
  ]) {
    const made = await box.api('POST', '/api/v1/datasources', source);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
  }
  now = Date.now();
  events = [
    { t: now - 3 * 24 * HOUR, data: { door: 'open', note: 'before the window' } },
    { t: now - 5 * HOUR, data: { door: 'open' } },
    { t: now - 5 * HOUR, data: { door: 'closed', note: 'same ms as the one before' } },
    { t: now - 4 * HOUR, data: { door: 'open' } },
    { t: now - HOUR, data: { door: 'closed' } },
  ];
  const wrote = await box.api('POST', '/api/v1/datasources/front.door/events', events);
  expect(wrote.body).toEqual({ written: 5 });
  const cli = runCli(
    ['write', 'house.state', '--home', box.home],
    '{"key":"heating","value":"eco"}\n{"key":"away","value":{"until":"sunday"}}\n',
  );
  expect(cli.status, cli.stderr).toBe(0);
  expect(cli.stderr).toContain('2 kv entries stored');
}, 120_000);

afterAll(async () => {
  await box?.stop();
});

const EXPECTED_REPORT = () => ({
  pages: [
    [
      [now - 5 * HOUR, { door: 'open' }],
      [now - 5 * HOUR, { door: 'closed', note: 'same ms as the one before' }],
    ],
    [
      [now - 4 * HOUR, { door: 'open' }],
      [now - HOUR, { door: 'closed' }],
    ],
  ],
  kv: [
    ['away', { until: 'sunday' }],
    ['heating', 'eco'],
  ],
  heating: 'eco',
  missing: null,
  wrong: {
    appApiError: true,
    code: 'bad_request',
    message:
      'the datasource granted for "doors" holds event values, not numeric readings (read it with data.events)',
  },
});

async function installAndRun(id: string, runtime: 'isolate' | 'container') {
  const dir = await writeApp(box.scratch(), id, runtime);
  const installed = await box.api('POST', '/api/v1/apps', {
    source: dir,
    grants: {
      doors: { datasource: 'front.door', resolution: 'raw', history: 'P1D' },
      mode: { datasource: 'house.state', resolution: 'raw', history: 'P1D' },
    },
  });
  expect(installed.status, JSON.stringify(installed.body)).toBe(201);
  const run = await box.run(id);
  expect(run.status, `${run.error}\n${run.logs.join('\n')}`).toBe('ok');
  return run;
}

async function audit(appId: string, action: string) {
  const res = await box.api('GET', `/api/v1/audit?actor=app:${appId}&action=${action}&order=asc&limit=100`);
  return res.body.entries as Array<{ subject: string; details: Record<string, unknown> }>;
}

function checkBoxRun(runtime: 'isolate' | 'container') {
  it(`${runtime}: pages events, lists and gets kv, refuses a numeric read; audited`, async () => {
    const id = `records-${runtime}`;
    const run = await installAndRun(id, runtime);
    expect(await box.reports(id)).toEqual([EXPECTED_REPORT()]);
    const reads = await audit(id, 'events.read');
    expect(reads.map((e) => [e.subject, e.details.rows, e.details.run])).toEqual([
      ['front.door', 2, run.runId],
      ['front.door', 2, run.runId],
    ]);
    expect(reads[0].details.from).toBeGreaterThanOrEqual(now - 24 * HOUR);
    const kv = await audit(id, 'kv.read');
    expect(kv.map((e) => [e.subject, e.details.rows, e.details.oneKey])).toEqual([
      ['house.state', 2, false],
      ['house.state', 1, true],
      ['house.state', 0, true],
    ]);
    // kv.read entries never carry a key or a value
    expect(JSON.stringify(kv.map((e) => e.details))).not.toMatch(/heating|sunday|"eco"/);
    const refused = await audit(id, 'readings.refuse');
    expect(refused.map((e) => e.details.reason)).toEqual(['wrong_value_type']);
  }, 180_000);
}

describe('event and kv reads on a real box', () => {
  it('runLocally gives the same report from the same data', async () => {
    const dir = await writeApp(box.scratch(), 'records-local', 'isolate');
    const app = (await import(join(dir, 'src/index.ts'))).default as DataboxApp;
    const result = await runLocally(app, {
      manifest: manifest('records-local', 'isolate'),
      data: { doors: { events }, mode: { kv: { heating: 'eco', away: { until: 'sunday' } } } },
      grant: { doors: { resolution: 'raw' }, mode: { resolution: 'raw' } },
      now: now + 1000,
    });
    expect(result.status, result.error).toBe('ok');
    expect(result.insights[0].data).toEqual(EXPECTED_REPORT());
  });

  checkBoxRun('isolate');

  it('an entry set before the granted history window is served as absent', async () => {
    const dir = await writeApp(box.scratch(), 'records-window', 'isolate');
    const app = (await import(join(dir, 'src/index.ts'))).default as DataboxApp;
    const result = await runLocally(app, {
      manifest: manifest('records-window', 'isolate'),
      data: {
        doors: { events },
        mode: { kv: [{ key: 'heating', value: 'eco', updatedAt: now - 2 * 24 * HOUR }] },
      },
      grant: { doors: { resolution: 'raw' }, mode: { resolution: 'raw' } },
      now,
    });
    expect(result.insights[0].data).toMatchObject({ kv: [], heating: null });
  });
});

describeWithDocker('event and kv reads in a container', () => {
  beforeAll(async () => {
    await ensureNodeBaseImage(createDockerClient());
  }, 180_000);
  checkBoxRun('container');
});
