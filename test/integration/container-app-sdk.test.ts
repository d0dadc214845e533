import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { buildContainerApp } from '../../apps-sdk/src/build-app.ts';
import { createDockerClient } from '../../box/containers/docker-client.ts';
import { ensureNodeBaseImage } from '../../box/containers/node-image.ts';
import { ForbiddenError } from '../../box/errors.ts';
import { ContainerRuntime } from '../../box/sandbox/container/container-runtime.ts';
import { describeWithDocker } from '../helpers/services.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const DEFINE_APP = join(dirname(fileURLToPath(import.meta.url)), '../../apps-sdk/src/define-app.ts');

const MANIFEST = {
  id: 'mean-power',
  name: 'Mean power',
  version: '1.0.0',
  description: 'Reports the mean power over the granted window.',
  author: 'Databox tests',
  runtime: { type: 'container', image: 'databox/node-base', command: ['/app/dist/app.js'] },
  requests: [
    {
      name: 'power',
      kind: 'electricity.import.power',
      required: true,
      resolutions: [{ resolution: '30min', purpose: 'average use' }],
      history: 'P1D',
      aggregates: ['mean'],
    },
  ],
  insights: [{ key: 'mean-power', title: 'Mean power', description: 'Mean power over the window' }],
};

// The app as a developer writes it with the SDK: bundled by buildContainerApp into dist/app.js.
const SOURCE = `
import { defineApp } from ${JSON.stringify(DEFINE_APP)};
export default defineApp(async (ctx) => {
  const { points } = await ctx.data.read('power', { resolution: process.argv[2] });
  const mean = points.reduce((sum, p) => sum + p.v, 0) / points.length;
  await ctx.insight.emit({ key: 'mean-power', title: 'Mean power', value: mean, unit: 'W' });
});
`;

describeWithDocker('an SDK container app in the ContainerRuntime', () => {
  const tempDir = useTempDir('databox-sdk-app-');

  beforeAll(async () => {
    await ensureNodeBaseImage(createDockerClient());
  });

  async function buildApp(): Promise<string> {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'databox-app.json'), JSON.stringify(MANIFEST));
    writeFileSync(join(dir, 'src/index.ts'), SOURCE);
    await buildContainerApp(dir);
    chmodSync(join(dir, 'dist'), 0o755);
    return dir;
  }

  /** Half-hourly power over two hours: 300, 500, 700, 900 W — mean 600 W. */
  const handle = (calls: Array<[string, unknown]>) => async (method: string, params: unknown) => {
    calls.push([method, params]);
    if (method === 'data.read') {
      const resolution = (params as { resolution?: string }).resolution;
      if (resolution !== '30min')
        throw new ForbiddenError(`resolution ${resolution} is finer than the granted 30min`);
      const t0 = Date.UTC(2024, 0, 1);
      return {
        request: 'power',
        kind: 'electricity.import.power',
        unit: 'W',
        resolution: '30min',
        aggregate: 'mean',
        from: t0,
        to: t0 + 4 * 1_800_000,
        points: [300, 500, 700, 900].map((v, i) => ({ t: t0 + i * 1_800_000, v, n: 30 })),
      };
    }
    if (method === 'insight.emit') return { ok: true };
    throw new Error(`unexpected ${method}`);
  };

  it('reads through the socket transport, emits the insight and exits 0', async () => {
    const dir = await buildApp();
    const calls: Array<[string, unknown]> = [];
    const outcome = await new ContainerRuntime({ runRoot: tempDir() }).run({
      runId: 'sdk-ok',
      appDir: dir,
      entry: MANIFEST.runtime.image,
      command: [...MANIFEST.runtime.command, '30min'],
      limits: { memoryMb: 128, timeoutMs: 20_000 },
      handle: handle(calls),
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('ok');
    expect(calls).toEqual([
      ['data.read', { request: 'power', resolution: '30min' }],
      ['insight.emit', { key: 'mean-power', title: 'Mean power', value: 600, unit: 'W' }],
    ]);
  }, 60_000);

  it('fails the run with the box’s refusal when the app asks for finer data than granted', async () => {
    const dir = await buildApp();
    const calls: Array<[string, unknown]> = [];
    const outcome = await new ContainerRuntime({ runRoot: tempDir() }).run({
      runId: 'sdk-refused',
      appDir: dir,
      entry: MANIFEST.runtime.image,
      command: [...MANIFEST.runtime.command, '1min'],
      limits: { memoryMb: 128, timeoutMs: 20_000 },
      handle: handle(calls),
    });
    // the SDK reports what the app threw (run.fail) before it exits 1: the refusal's words and code
    expect(outcome).toMatchObject({
      status: 'error',
      error: 'resolution 1min is finer than the granted 30min',
      errorCode: 'forbidden',
    });
    expect(outcome.logs.join('\n')).toContain('app failed: AppApiError: resolution 1min is finer');
    expect(calls.map(([method]) => method)).toEqual(['data.read']);
  }, 60_000);
});
