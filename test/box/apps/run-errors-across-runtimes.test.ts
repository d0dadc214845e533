import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataboxApp } from '../../../apps-sdk/src/define-app.ts';
import { createLocalBox, runLocally } from '../../../apps-sdk/src/run-locally.ts';
import { createDockerClient } from '../../../box/containers/docker-client.ts';
import { ensureNodeBaseImage } from '../../../box/containers/node-image.ts';
import { ContainerRuntime } from '../../../box/sandbox/container/container-runtime.ts';
import { IsolateRuntime } from '../../../box/sandbox/isolate/isolate-runtime.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';
import { describeWithDocker } from '../../helpers/services.ts';
import { writeSdkApp } from './sdk-app.ts';

/**
 * One app, one failure, one wording: the same SDK app fails the same way (its own error, a
 * thrown non-Error, a refused read it lets through, its time limit, its memory limit) in runLocally, an isolate and a
 * node container, and each gives the same status, message and code. runLocally runs in this
 * process and cannot bound memory, so the memory case compares the two sandboxes.
 */
const SDK = join(REPO_ROOT, 'apps-sdk/src/app.ts');
const SOURCE = `import { defineApp } from ${JSON.stringify(SDK)};

export default defineApp(async (ctx) => {
  const { mode } = await ctx.settings.get();
  if (mode === 'throw') throw new Error('the tariff table is empty');
  if (mode === 'string') throw 'no tariff';
  if (mode === 'refused') await ctx.data.read('power', { resolution: '1min' });
  if (mode === 'time') {
    // an isolate has no timers: there it waits on app API calls instead
    const pause = typeof setTimeout === 'function' ? () => new Promise((r) => setTimeout(r, 50)) : () => ctx.kv.get('tick');
    for (;;) await pause();
  }
  if (mode === 'memory') {
    const keep = [];
    for (;;) keep.push(new Float64Array(2 * 1024 * 1024).fill(Math.random()));
  }
});
`;
const TIMEOUT_MS = 2500;
const MEMORY_MB = 64;
const manifest = (runtime: 'isolate' | 'container') => ({
  id: `fails-${runtime}`,
  name: 'Fails on purpose',
  version: '1.0.0',
  description: 'Fails the way its setting says',
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
  settings: { type: 'object', properties: { mode: { type: 'string', default: 'ok' } } },
  limits: { memoryMb: MEMORY_MB, timeoutMs: TIMEOUT_MS },
});
const now = Date.UTC(2024, 0, 2);
const power = Array.from({ length: 600 }, (_, i) => ({ t: now - 6 * 3_600_000 + i * 30_000, v: 500 }));
const options = (runtime: 'isolate' | 'container', mode: string) => ({
  manifest: manifest(runtime),
  data: { power },
  grant: { power: { resolution: '30min' as const } },
  now,
  settings: { mode },
});
type Seen = { status: string; error?: string; errorCode?: string };
const seen = (r: Seen): Seen => ({ status: r.status, error: r.error, errorCode: r.errorCode });

const EXPECTED: Record<string, Seen> = {
  throw: { status: 'error', error: 'the tariff table is empty', errorCode: 'app_error' },
  string: { status: 'error', error: 'the app threw a non-Error value: no tariff', errorCode: 'app_error' },
  refused: {
    status: 'error',
    error: expect.stringMatching(/1min is finer than .*30min/),
    errorCode: 'forbidden',
  },
  time: {
    status: 'timeout',
    error: `the app went over its time limit of ${TIMEOUT_MS} ms`,
    errorCode: 'time_limit',
  },
  memory: {
    status: 'killed',
    error: `the app went over its memory limit of ${MEMORY_MB} MB`,
    errorCode: 'memory_limit',
  },
};

// one folder for the whole file: the apps are built once and run many times
const scratch = mkdtempSync(join(tmpdir(), 'databox-run-errors-'));
const isolate = new IsolateRuntime();
let isolateDir: string;
let local: DataboxApp;

async function inIsolate(mode: string): Promise<Seen> {
  const box = createLocalBox(options('isolate', mode));
  return seen(
    await isolate.run({
      runId: `fails-isolate-${mode}`,
      appDir: isolateDir,
      entry: 'dist/app.js',
      limits: { memoryMb: MEMORY_MB, timeoutMs: TIMEOUT_MS },
      handle: (method, params) => box.handle(method, params),
    }),
  );
}

beforeAll(async () => {
  isolateDir = await writeSdkApp(join(scratch, 'isolate'), manifest('isolate'), SOURCE, 'isolate');
  local = (await import(join(isolateDir, 'src/index.ts'))).default as DataboxApp;
  await isolate.start();
}, 60_000);
afterAll(async () => {
  await isolate.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('runLocally and the isolate word each failure the same', () => {
  for (const mode of ['throw', 'string', 'refused', 'time']) {
    it(mode, async () => {
      const locally = seen(await runLocally(local, options('isolate', mode)));
      expect(locally).toEqual(EXPECTED[mode]);
      expect(await inIsolate(mode)).toEqual(locally);
    }, 30_000);
  }
  it('memory (the isolate; runLocally cannot bound memory)', async () => {
    expect(await inIsolate('memory')).toEqual(EXPECTED.memory);
  }, 30_000);
});

describeWithDocker('a node container words each failure as runLocally and the isolate do', () => {
  let containerDir: string;
  beforeAll(async () => {
    await ensureNodeBaseImage(createDockerClient());
    containerDir = await writeSdkApp(join(scratch, 'container'), manifest('container'), SOURCE, 'container');
  }, 180_000);

  for (const mode of ['throw', 'string', 'refused', 'time', 'memory']) {
    it(mode, async () => {
      const box = createLocalBox(options('container', mode));
      const outcome = await new ContainerRuntime({ runRoot: scratch }).run({
        runId: `fails-container-${mode}`,
        appDir: containerDir,
        entry: 'databox/node-base',
        command: ['/app/dist/app.js'],
        limits: { memoryMb: MEMORY_MB, timeoutMs: TIMEOUT_MS },
        handle: (method, params) => box.handle(method, params),
      });
      const isolated = await inIsolate(mode);
      expect(seen(outcome)).toEqual(isolated);
      if (mode !== 'memory')
        expect(seen(outcome)).toEqual(seen(await runLocally(local, options('isolate', mode))));
    }, 60_000);
  }
});
