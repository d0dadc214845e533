import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../../../box/errors.ts';
import { IsolateRuntime } from '../../../../box/sandbox/isolate/isolate-runtime.ts';
import { useTempDir } from '../../../helpers/temp-dir.ts';
import { recordingHandle } from './app-bundle.ts';

const DEFINE_APP = resolve('apps-sdk/src/define-app.ts');

/**
 * An app written against apps-sdk's `defineApp`, bundled the way `buildIsolateApp` bundles
 * (esbuild, IIFE, platform neutral), runs unchanged in the isolate runtime: the SDK finds
 * `__databoxCall`, sets `__databoxRun`, and its calls reach the run's handle.
 */
describe('IsolateRuntime with an apps-sdk bundle', () => {
  const tempDir = useTempDir('databox-isolate-sdk-');
  const runtime = new IsolateRuntime();
  beforeAll(() => runtime.start());
  afterAll(() => runtime.stop());

  it('runs a defineApp app: reads 30 days at 30 min, uses kv and logs, emits an insight and an export request', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'src'));
    writeFileSync(
      join(dir, 'src/index.ts'),
      `import { defineApp } from ${JSON.stringify(DEFINE_APP)};
export default defineApp(async (ctx) => {
  const grants = await ctx.data.grants();
  const { points, unit } = await ctx.data.read('power');
  const mean = points.reduce((sum, p) => sum + p.v, 0) / points.length;
  const peak = Math.max(...points.map((p) => p.v));
  const runs = ((await ctx.kv.get<number>('runs')) ?? 0) + 1;
  await ctx.kv.set('runs', runs);
  try {
    await ctx.data.read('power', { resolution: '1min' });
  } catch (error) {
    await ctx.log.warn('fine data refused: ' + (error as Error).message);
  }
  await ctx.insight.emit({ key: 'power-summary', title: 'Power', value: mean, unit, data: { peak, grants: grants.length, runs } });
  await ctx.export.request('summary', { mean });
});
`,
    );
    await build({
      absWorkingDir: dir,
      entryPoints: [join(dir, 'src/index.ts')],
      outfile: join(dir, 'dist/app.js'),
      bundle: true,
      format: 'iife',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      target: 'es2022',
      logLevel: 'silent',
    });
    // 30 days at 30 min = 1440 points; v = 100 + 10·(i mod 48) W, so the mean is
    // 100 + 10·23.5 = 335 W and the peak 100 + 10·47 = 570 W.
    const points = Array.from({ length: 1440 }, (_, i) => ({
      t: i * 1_800_000,
      v: 100 + 10 * (i % 48),
      n: 180,
    }));
    const { calls, handle } = recordingHandle({
      'data.grants': () => [
        {
          request: 'power',
          kind: 'electricity.import.power',
          unit: 'W',
          resolution: '30min',
          historyMs: 2_592_000_000,
          aggregates: ['mean'],
        },
      ],
      'data.read': (params) => {
        if ((params as { resolution?: string }).resolution === '1min') {
          throw new ForbiddenError('resolution 1min is finer than the granted 30min');
        }
        return {
          request: 'power',
          kind: 'electricity.import.power',
          unit: 'W',
          resolution: '30min',
          aggregate: 'mean',
          from: 0,
          to: 2_592_000_000,
          points,
        };
      },
      'kv.get': () => 4,
      'export.request': () => ({ id: 'exp-1', status: 'pending' }),
    });
    const outcome = await runtime.run({
      runId: 'sdk-1',
      appDir: dir,
      entry: 'dist/app.js',
      limits: { memoryMb: 64, timeoutMs: 10_000 },
      handle,
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('ok');
    expect(calls).toEqual([
      { method: 'data.grants', params: {} },
      { method: 'data.read', params: { request: 'power' } },
      { method: 'kv.get', params: { key: 'runs' } },
      { method: 'kv.set', params: { key: 'runs', value: 5 } },
      { method: 'data.read', params: { resolution: '1min', request: 'power' } },
      {
        method: 'log',
        params: {
          level: 'warn',
          message: 'fine data refused: resolution 1min is finer than the granted 30min',
        },
      },
      {
        method: 'insight.emit',
        params: {
          key: 'power-summary',
          title: 'Power',
          value: 335,
          unit: 'W',
          data: { peak: 570, grants: 1, runs: 5 },
        },
      },
      { method: 'export.request', params: { destination: 'summary', payload: { mean: 335 } } },
    ]);
    expect(outcome.logs.filter((line) => !line.startsWith('[isolate] info: waited'))).toEqual([
      'warn: fine data refused: resolution 1min is finer than the granted 30min',
    ]);
  });
});
