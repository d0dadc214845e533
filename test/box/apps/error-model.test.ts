import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataboxApp } from '../../../apps-sdk/src/define-app.ts';
import { runLocally } from '../../../apps-sdk/src/run-locally.ts';
import { createDockerClient } from '../../../box/containers/docker-client.ts';
import { ensureNodeBaseImage } from '../../../box/containers/node-image.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';
import { describeWithDocker } from '../../helpers/services.ts';
import { type HostileBox, startHostileBox } from '../../security/hostile-box.ts';
import { writeSdkApp } from './sdk-app.ts';

/**
 * Issue 14, point 2: one error model. The same SDK app runs in runLocally, an isolate and a
 * container on a real box: every refusal it meets (a finer resolution, an undeclared request,
 * bad params, an undeclared insight, a declined export destination) must be the same `AppApiError` with the same code and
 * message everywhere; its one log line is recorded once; its code runs once per run; and the
 * stack of the error it throws points at `src/index.ts`, not into `dist/app.js`.
 */

const SDK = join(REPO_ROOT, 'apps-sdk/src/app.ts');
const SOURCE = `import { AppApiError, defineApp } from ${JSON.stringify(SDK)};

async function attempt(fn) {
  try {
    await fn();
    return { refused: false };
  } catch (e) {
    return { appApiError: e instanceof AppApiError, code: e.code, message: e.message };
  }
}

export default defineApp(async (ctx) => {
  const runs = ((await ctx.kv.get('runs')) ?? 0) + 1;
  await ctx.kv.set('runs', runs);
  await ctx.log.info('hello once');
  const refusals = [
    await attempt(() => ctx.data.read('power', { resolution: '1min' })),
    await attempt(() => ctx.data.read('gas')),
    await attempt(() => ctx.data.read('power', { from: 'yesterday' })),
    await attempt(() => ctx.insight.emit({ key: 'nope', title: 'x' })),
    await attempt(() => ctx.export.request('summary', { n: 1 })),
  ];
  await ctx.insight.emit({ key: 'report', title: 'report', data: { runs, refusals } });
  throw new Error('boom after the report');
});
`;
const THROW_LINE = SOURCE.split('\n').findIndex((l) => l.includes("throw new Error('boom")) + 1;

function manifest(id: string, runtime: 'isolate' | 'container') {
  return {
    id,
    name: `Errors ${id}`,
    version: '1.0.0',
    description: 'Meets every refusal',
    author: 'Test',
    runtime:
      runtime === 'isolate'
        ? { type: 'isolate', entry: 'dist/app.js' }
        : { type: 'container', image: 'databox/node-base', command: ['/app/dist/app.js'] },
    requests: [
      {
        name: 'power',
        kind: 'electricity.import.power',
        resolutions: [{ resolution: '30min', purpose: 'tariffs' }],
        history: 'P1D',
      },
    ],
    insights: [{ key: 'report', title: 'Report', description: 'what the app met' }],
    // declared, never approved: the typed refusal destination_declined everywhere
    exports: [
      {
        id: 'summary',
        url: 'https://example.org/upload',
        reason: 'a test destination',
        schema: {
          type: 'object',
          additionalProperties: false,
          properties: { n: { type: 'number' } },
        },
        maxBytes: 100,
        maxPerDay: 5,
      },
    ],
    limits: { memoryMb: 64, timeoutMs: 60_000 },
  };
}

function writeApp(dir: string, id: string, runtime: 'isolate' | 'container'): Promise<string> {
  return writeSdkApp(dir, manifest(id, runtime), SOURCE, runtime);
}

let box: HostileBox;
let local: Awaited<ReturnType<typeof runLocally>>;

beforeAll(async () => {
  box = await startHostileBox();
  await box.seedPower(2);
  const dir = await writeApp(box.scratch(), 'errors-local', 'isolate');
  const app = (await import(join(dir, 'src/index.ts'))).default as DataboxApp;
  const now = Date.now();
  const power = Array.from({ length: 600 }, (_, i) => ({ t: now - 2 * 3_600_000 + i * 10_000, v: 500 }));
  local = await runLocally(app, {
    manifest: manifest('errors-local', 'isolate'),
    data: { power },
    grant: { power: { resolution: '30min' } },
    approve: [],
  });
}, 120_000);

afterAll(async () => {
  await box?.stop();
});

describe('runLocally', () => {
  it('reports the refusals as AppApiErrors, the error and its stack in the source', () => {
    expect(local.status).toBe('error');
    expect(local.error).toBe('boom after the report');
    expect(local.stack).toContain(`src/index.ts:${THROW_LINE}:`);
    const { refusals } = local.insights[0].data as { refusals: unknown[] };
    expect(refusals.every((r) => (r as { appApiError: boolean }).appApiError)).toBe(true);
    expect(refusals.map((r) => (r as { code: string }).code)).toEqual([
      'forbidden',
      'not_found',
      'bad_request',
      'bad_request',
      'destination_declined',
    ]);
  });
});

function inBox(runtime: 'isolate' | 'container') {
  it(`${runtime}: the same refusals, one log line, one execution, a stack in src/index.ts`, async () => {
    const id = `errors-${runtime}`;
    const dir = await writeApp(box.scratch(), id, runtime);
    expect(readFileSync(join(dir, 'dist/app.js.map'), 'utf8')).toContain('"mappings"');
    const installed = await box.install(dir, { power: '30min' });
    expect(installed.status, JSON.stringify(installed.body)).toBe(201);
    const run = await box.run(id);
    expect(run.status).toBe('error');
    expect(run.error).toContain('boom after the report');
    // the refusals the app met are exactly those runLocally gave it
    expect(await box.reports(id)).toEqual([local.insights[0].data]);
    expect(run.logs.filter((line) => line.includes('hello once'))).toEqual(['info: hello once']);
    const stack = [run.error, ...run.logs].join('\n');
    expect(stack).toMatch(new RegExp(`src/index\\.ts:${THROW_LINE}:\\d+ \\(dist/app\\.js:\\d+:\\d+\\)`));
  }, 180_000);
}

describe('on a real box', () => {
  inBox('isolate');
});

describeWithDocker('in a container on a real box', () => {
  beforeAll(async () => {
    await ensureNodeBaseImage(createDockerClient());
  }, 180_000);
  inBox('container');
});
