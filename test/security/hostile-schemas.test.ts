import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManifestInput } from '../../apps-sdk/src/manifest.ts';
import { testManifest, writeAppFolder } from '../box/apps/app-fixtures.ts';
import { writeApp } from '../box/sandbox/isolate/app-bundle.ts';
import { type BoxProcess, runCli, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

// The attacker writes the app: its manifest's schemas are the weapon. `^(a+)+$` against "aaa…a!"
// backtracks exponentially (2^n steps); `^\d*\d*\d*\d*x$` passes the static rule (no nesting) but
// is polynomial, O(n^4): both froze the daemon's event loop for tens of seconds before.
const EXPONENTIAL = '^(a+)+$';
const POLYNOMIAL = '^\\d*\\d*\\d*\\d*x$';
// sized so that, run on the event loop, each check stalls the box for seconds (not forever)
const EXP_INPUT = `${'a'.repeat(25)}!`;
const POLY_INPUT = `${'1'.repeat(250)}!`;

const tempDir = useTempDir();
let box: BoxProcess | undefined;
afterEach(async () => {
  if (box) await stopBoxProcess(box, 'SIGKILL');
  box = undefined;
});

function hostileManifest(pattern: string): ManifestInput {
  return testManifest({
    id: 'hostile-schema',
    requests: [],
    insights: [
      {
        key: 'evil',
        title: 'Evil',
        description: 'data checked against an attacker-chosen pattern',
        schema: { type: 'object', properties: { name: { type: 'string', pattern } } },
      },
      { key: 'report', title: 'Report', description: 'what the app saw' },
    ],
    exports: [
      {
        id: 'out',
        url: 'https://example.org/in',
        reason: 'smuggle',
        schema: {
          type: 'object',
          additionalProperties: false,
          properties: { name: { type: 'string', maxLength: 1000, pattern } },
        },
        maxBytes: 2000,
        maxPerDay: 5,
      },
    ],
  });
}

/** The parts of the box's answers these tests read. */
interface Answer {
  error: { details: Array<{ path: string; message: string }> };
  run: { status: string; logs: string[]; insights: number };
  apps: unknown[];
}

function api(home: string, running: BoxProcess) {
  const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${running.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Answer };
  };
}

/**
 * The box stayed responsive: 95% of status answers within 200 ms and none over 1 s (the machine
 * is shared, so a lone slow answer is scheduling; a regex on the event loop stalls for seconds).
 */
function expectResponsive(latencies: number[]): void {
  expect(latencies.length).toBeGreaterThan(5);
  const sorted = [...latencies].sort((a, b) => a - b);
  expect(sorted[Math.floor(sorted.length * 0.95)]).toBeLessThan(200);
  expect(sorted[sorted.length - 1]).toBeLessThan(1000);
}

/** Asks `/api/v1/status` every 50 ms over real HTTP until `done` settles; returns each latency. */
async function probeWhile(home: string, running: BoxProcess, done: Promise<unknown>): Promise<number[]> {
  const call = api(home, running);
  const latencies: number[] = [];
  let over = false;
  void done.finally(() => {
    over = true;
  });
  while (!over) {
    const start = performance.now();
    expect((await call('GET', '/api/v1/status')).status).toBe(200);
    latencies.push(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return latencies;
}

// The app's run: the hostile insight and export, each refusal logged, then a harmless insight.
const HOSTILE_RUN = (input: string) => `
for (const [method, params] of [
  ['insight.emit', { key: 'evil', title: 'x', data: { name: ${JSON.stringify(input)} } }],
  ['export.request', { destination: 'out', payload: { name: ${JSON.stringify(input)} } }],
]) {
  try { await call(method, params); await call('log', { level: 'info', message: method + ' accepted' }); }
  catch (e) { await call('log', { level: 'info', message: method + ' refused: ' + e.message }); }
}
await report({ fine: true });
`;

async function installAndRun(home: string, dir: string, tamper?: (db: Database.Database) => void) {
  box = await startBoxProcess(home);
  const call = api(home, box);
  const installed = await call('POST', '/api/v1/apps', { source: dir, grants: {}, destinations: ['out'] });
  expect(installed.status).toBe(201);
  if (tamper) {
    // what a crafted install would leave behind: the stored manifest carries the evil pattern
    const db = new Database(join(home, 'databox.db'));
    try {
      tamper(db);
    } finally {
      db.close();
    }
  }
  const run = call('POST', '/api/v1/apps/hostile-schema/runs');
  const latencies = await probeWhile(home, box, run);
  return {
    run: (await run).body.run as { status: string; logs: string[]; insights: number },
    latencies,
    call,
  };
}

describe('hostile JSON Schemas in an app manifest', () => {
  it('install refuses an exponential pattern, naming its manifest path (box API and app check)', async () => {
    const home = tempDir();
    const dir = writeAppFolder(tempDir(), hostileManifest(EXPONENTIAL));
    box = await startBoxProcess(home);
    const refused = await api(home, box)('POST', '/api/v1/apps', {
      source: dir,
      grants: {},
      destinations: [],
    });
    expect(refused.status).toBe(400);
    const paths = (refused.body.error.details as Array<{ path: string; message: string }>).map((d) => d.path);
    expect(paths).toEqual([
      'insights[0].schema.properties.name.pattern',
      'exports[0].schema.properties.name.pattern',
    ]);
    expect(refused.body.error.details[0].message).toContain('nests the quantifier "a+"');
    expect((await api(home, box)('GET', '/api/v1/apps')).body).toMatchObject({ apps: [] });

    const check = runCli(['app', 'check', dir]);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain(
      'error insights[0].schema.properties.name.pattern: "^(a+)+$" nests the quantifier',
    );
  }, 60_000);

  it('a crafted install with an exponential pattern: the checks are refused on time, the box stays responsive', async () => {
    const home = tempDir();
    const dir = writeAppFolder(tempDir(), hostileManifest('^[a-z]+$'));
    writeApp(dir, HOSTILE_RUN(EXP_INPUT));
    const { run, latencies, call } = await installAndRun(home, dir, (db) => {
      const row = db.prepare("SELECT manifest FROM app_installs WHERE app_id = 'hostile-schema'").get() as {
        manifest: string;
      };
      db.prepare("UPDATE app_installs SET manifest = ? WHERE app_id = 'hostile-schema'").run(
        row.manifest.replaceAll('^[a-z]+$', EXPONENTIAL),
      );
    });
    expect(run.logs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^info: insight\.emit refused: .*took longer than 250 ms/),
        expect.stringMatching(/^info: export\.request refused: .*took longer than 250 ms/),
      ]),
    );
    expect(run.logs.some((l) => l.includes('accepted'))).toBe(false);
    // a fresh worker took the next check: the harmless insight was stored
    expect(run).toMatchObject({ status: 'ok' });
    expect(run.insights).toBeGreaterThanOrEqual(1);
    expectResponsive(latencies);
    const refusals = await call('GET', '/api/v1/audit?action=export.refuse');
    expect(JSON.stringify(refusals.body)).toContain('took longer than 250 ms');
  }, 90_000);

  it('a polynomial pattern that passes the static rule is still cut off at the time limit', async () => {
    const home = tempDir();
    const dir = writeAppFolder(tempDir(), hostileManifest(POLYNOMIAL));
    writeApp(dir, HOSTILE_RUN(POLY_INPUT));
    const { run, latencies } = await installAndRun(home, dir);
    expect(run.logs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^info: insight\.emit refused: .*took longer than 250 ms/),
        expect.stringMatching(/^info: export\.request refused: .*took longer than 250 ms/),
      ]),
    );
    expect(run.logs.some((l) => l.includes('accepted'))).toBe(false);
    expect(run).toMatchObject({ status: 'ok' });
    expect(run.insights).toBeGreaterThanOrEqual(1);
    expectResponsive(latencies);
  }, 90_000);
});
