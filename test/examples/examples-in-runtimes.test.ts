import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContainerApp, buildIsolateApp } from '../../apps-sdk/src/build-app.ts';
import type { DataboxApp } from '../../apps-sdk/src/define-app.ts';
import { createLocalBox, type RunLocallyOptions, runLocally } from '../../apps-sdk/src/run-locally.ts';
import { createDockerClient } from '../../box/containers/docker-client.ts';
import { ensureNodeBaseImage } from '../../box/containers/node-image.ts';
import { ContainerRuntime } from '../../box/sandbox/container/container-runtime.ts';
import { IsolateRuntime } from '../../box/sandbox/isolate/isolate-runtime.ts';
import { HouseholdSimulator } from '../../drivers/simulator/index.ts';
import applianceDetector from '../../examples/appliance-detector/src/index.ts';
import comfortOccupancy from '../../examples/comfort-occupancy/src/index.ts';
import containerHello from '../../examples/container-hello/src/index.ts';
import energyInsights from '../../examples/energy-insights/src/index.ts';
import { describeWithDocker } from '../helpers/services.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

/**
 * The examples give the same insights, exports and kv in the real runtimes as in runLocally, fed
 * the same simulator data and grant: runLocally's promise to developers.
 */
const EXAMPLES = join(import.meta.dirname, '../../examples');
const from = Date.UTC(2024, 0, 8);
const to = from + 3 * 86_400_000;
const sim = new HouseholdSimulator({ seed: 11 });
const series = new Map<string, Array<{ t: number; v: number }>>();
for (const batch of sim.batches(from, to, { batchSize: 50_000 })) {
  const list = series.get(batch.sourceId) ?? [];
  list.push(...batch.readings);
  series.set(batch.sourceId, list);
}
interface ExampleManifest {
  runtime: { entry: string; image: string; command: string[] };
}
const manifest = (name: string): ExampleManifest =>
  JSON.parse(readFileSync(join(EXAMPLES, name, 'databox-app.json'), 'utf8'));

const CASES: Array<{
  name: string;
  app: DataboxApp;
  options: RunLocallyOptions & { manifest: ExampleManifest };
}> = [
  {
    name: 'energy-insights',
    app: energyInsights,
    options: {
      manifest: manifest('energy-insights'),
      data: { power: series.get('sim.power')! },
      grant: { power: { resolution: '30min' } },
      now: to,
    },
  },
  {
    name: 'appliance-detector',
    app: applianceDetector,
    options: {
      manifest: manifest('appliance-detector'),
      data: { power: series.get('sim.power')! },
      grant: { power: { resolution: 'raw' } },
      now: to,
    },
  },
  {
    name: 'comfort-occupancy',
    app: comfortOccupancy,
    options: {
      manifest: manifest('comfort-occupancy'),
      data: {
        temperature: series.get('sim.kitchen.temperature')!,
        occupancy: series.get('sim.kitchen.occupancy')!,
      },
      grant: { temperature: { resolution: '15min' }, occupancy: { resolution: '1h' } },
      now: to,
    },
  },
];

describe('isolate examples in the IsolateRuntime', () => {
  const runtime = new IsolateRuntime();
  beforeAll(() => runtime.start());
  afterAll(() => runtime.stop());

  for (const { name, app, options } of CASES) {
    it(`${name} gives the same results as runLocally`, async () => {
      const dir = join(EXAMPLES, name);
      await buildIsolateApp(dir);
      const local = await runLocally(app, options);
      expect(local.error).toBeUndefined();
      expect(local.insights.length).toBeGreaterThan(0);
      const box = createLocalBox(options);
      const outcome = await runtime.run({
        runId: `example-${name}`,
        appDir: dir,
        entry: options.manifest.runtime.entry,
        limits: { memoryMb: 64, timeoutMs: 20_000 },
        handle: (method, params) => box.handle(method, params),
      });
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('ok');
      expect(box.record.insights).toEqual(local.insights);
      expect(box.record.exports).toEqual(local.exports);
      expect(box.record.kv).toEqual(local.kv);
    }, 60_000);
  }
});

describeWithDocker('container-hello in the ContainerRuntime', () => {
  const tempDir = useTempDir('databox-example-run-');
  beforeAll(async () => {
    await ensureNodeBaseImage(createDockerClient());
  });

  it('gives the same insight as runLocally, through the socket transport in the hardened container', async () => {
    const dir = join(EXAMPLES, 'container-hello');
    await buildContainerApp(dir);
    const options: RunLocallyOptions & { manifest: ExampleManifest } = {
      manifest: manifest('container-hello'),
      data: { power: series.get('sim.power')! },
      grant: { power: { resolution: '1h' } },
      now: to,
    };
    const local = await runLocally(containerHello, options);
    const box = createLocalBox(options);
    const outcome = await new ContainerRuntime({ runRoot: tempDir() }).run({
      runId: 'example-container-hello',
      appDir: dir,
      entry: options.manifest.runtime.image,
      command: options.manifest.runtime.command,
      limits: { memoryMb: 128, timeoutMs: 30_000 },
      handle: (method, params) => box.handle(method, params),
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('ok');
    expect(box.record.insights).toEqual(local.insights);
    expect(box.record.insights[0].value).toBeGreaterThan(0);
  }, 120_000);
});
