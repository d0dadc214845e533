import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../apps-sdk/src/build-app.ts';
import { checkApp } from '../../apps-sdk/src/check-app.ts';
import { createLocalBox } from '../../apps-sdk/src/run-locally.ts';
import { createDockerClient } from '../../box/containers/docker-client.ts';
import { ensurePythonBaseImage } from '../../box/containers/python-image.ts';
import { ContainerRuntime } from '../../box/sandbox/container/container-runtime.ts';
import { describeWithDocker } from '../helpers/services.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

/**
 * The Python example runs in the databox/python-base image (built from this host's python3)
 * under the same hardened container as the node apps, talks the app API over the unix socket with
 * nothing but the standard library, and gives the insight its README describes.
 */
const DIR = join(import.meta.dirname, '../../examples/python-daily-summary');
const manifest = JSON.parse(readFileSync(join(DIR, 'databox-app.json'), 'utf8'));
const T0 = Date.UTC(2024, 1, 1);
const H = 3_600_000;
// A reading every 10 minutes for a day: hour h (0–23) reads 100·(h+1) W, so hour 23 peaks at
// 2400 W, the mean is 1250 W, and 10 hours (15–24 ×100 W) are above a 1450 W threshold.
const power = Array.from({ length: 24 * 6 }, (_, i) => ({
  t: T0 + i * 600_000,
  v: 100 * (Math.floor(i / 6) + 1),
}));

describe('python-daily-summary, without Docker', () => {
  it('is a valid app, and app build knows a Python app has nothing to bundle', async () => {
    expect(await checkApp(DIR)).toMatchObject({ ok: true, errors: [] });
    const built = await buildApp(DIR);
    expect(built.outfile).toBe('');
    expect(built.skipped).toMatch(/nothing to build: a python container app runs its files as they are/);
  });
});

describeWithDocker('python-daily-summary in the ContainerRuntime', () => {
  const tempDir = useTempDir('databox-python-example-');
  beforeAll(async () => {
    await ensurePythonBaseImage(createDockerClient());
  }, 120_000);

  const run = (appDir: string, options: Parameters<typeof createLocalBox>[0], runId: string) => {
    const box = createLocalBox(options);
    const runtime = new ContainerRuntime({ runRoot: tempDir() });
    const outcome = runtime.run({
      runId,
      appDir,
      entry: 'databox/python-base', // untagged: the runtime picks (and if needed builds) the host python's image
      command: ['/app/main.py'],
      limits: { memoryMb: 64, timeoutMs: 30_000 },
      handle: (method, params) => box.handle(method, params),
    });
    return { box, outcome };
  };

  it('reads the granted hourly means over the socket and records the summary, with the setting', async () => {
    const { box, outcome } = run(
      DIR,
      {
        manifest,
        data: { power },
        grant: { power: { resolution: '1h' } },
        now: T0 + 24 * H,
        settings: { thresholdWatts: 1450 },
        timeZone: 'UTC', // the fixture's hours are UTC hours
      },
      'python-example',
    );
    const result = await outcome;
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('ok');
    expect(box.record.insights).toEqual([
      {
        key: 'daily-summary',
        title: "Yesterday's power",
        summary: 'Mean 1250 W; peak 2400 W at 23:00 (UTC); 10 h above 1450 W.',
        unit: 'W',
        value: 1250,
        data: { hours: 24, peakHour: 23, peakWatts: 2400, hoursAbove: 10, timeZone: 'UTC' },
      },
    ]);
    expect(box.record.logs[0].message).toMatch(/^python 3\.\d+\.\d+ read 24 hourly means$/);
  }, 120_000);

  it('names the peak hour in the household zone when shared (zoneinfo in the image), in UTC labelled when declined', async () => {
    // 10-second readings whose watts follow the hour of day in Kathmandu (+05:45): 100·(hour+1)
    const KTM = (5 * 60 + 45) * 60_000;
    const local = Array.from({ length: 24 * 360 }, (_, i) => {
      const t = T0 + i * 10_000;
      return { t, v: 100 * (Math.floor(((t + KTM) % (24 * H)) / H) + 1) };
    });
    const options = {
      manifest,
      data: { power: local },
      grant: { power: { resolution: '1h' as const } },
      now: T0 + 24 * H,
      timeZone: 'Asia/Kathmandu',
    };
    const shared = run(DIR, options, 'python-zone');
    expect((await shared.outcome).status).toBe('ok');
    // the naive model: the highest watts are in local hour 23
    expect(shared.box.record.insights[0].data).toMatchObject({
      peakHour: 23,
      peakWatts: 2400,
      timeZone: 'Asia/Kathmandu',
    });
    expect(shared.box.record.insights[0].summary).toMatch(/at 23:00 \(Asia\/Kathmandu\);/);
    const declined = run(DIR, { ...options, shareTimeZone: false }, 'python-zone-declined');
    expect((await declined.outcome).status).toBe('ok');
    // the same bucket (local 23:00 starts 17:15 UTC), named by its UTC hour
    expect(declined.box.record.insights[0].data).toMatchObject({ peakHour: 17, timeZone: 'UTC' });
    expect(declined.box.record.insights[0].summary).toMatch(/at 17:00 \(UTC\);/);
  }, 120_000);

  it('a read finer than the grant is refused with the code apps see everywhere, and the app carries on', async () => {
    const dir = join(tempDir(), 'fine');
    await mkdir(dir);
    await writeFile(join(dir, 'databox-app.json'), JSON.stringify(manifest));
    const source = readFileSync(join(DIR, 'main.py'), 'utf8').replace(
      'call("data.read", {"request": "power"})',
      'call("data.read", {"request": "power", "resolution": "raw"})',
    );
    await writeFile(join(dir, 'main.py'), source);
    const { box, outcome } = run(
      dir,
      { manifest, data: { power }, grant: { power: { resolution: '1h' } }, now: T0 + 24 * H },
      'python-refused',
    );
    const result = await outcome;
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('ok');
    expect(box.record.logs[0]).toMatchObject({
      level: 'warn',
      message: expect.stringMatching(/^power is not readable: .*raw/),
    });
    expect(box.record.insights[0].summary).toBe('No power readings in the last day.');
  }, 120_000);
});
