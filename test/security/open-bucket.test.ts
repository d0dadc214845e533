import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataboxApp } from '../../apps-sdk/src/define-app.ts';
import { runLocally } from '../../apps-sdk/src/run-locally.ts';
import { createDockerClient } from '../../box/containers/docker-client.ts';
import { ensureNodeBaseImage } from '../../box/containers/node-image.ts';
import { describeWithDocker } from '../helpers/services.ts';
import { installPoller, POLL_BODY, type PollReport, pollerManifest } from './bucket-poller.ts';
import { type HostileBox, startHostileBox } from './hostile-box.ts';

/**
 * Issue 9, point 2: an app granted `1d` (or `30min`) means polled the bucket still being filled
 * and rebuilt every new 10 s reading from `v·n − v'·n'`. Here the attacker polls a real
 * `databox start` daemon while new, distinctive readings are written between its polls, in the
 * isolate and the container runtime, and under `runLocally`; it must recover nothing: no bucket
 * that is still filling, no `n` without `count`, no bucket whose value moves between polls.
 */

const WIDTH: Record<string, number> = { '30min': 1_800_000, '1d': 86_400_000 };
const ROUNDS = 4;

/** Distinctive values, far from the seeded 500–1500 W, so a leak is unmistakable. */
const secret = (i: number) => 7000 + i * 13.37;

interface Poller {
  id: string;
  resolution: '30min' | '1d';
  history: string;
  aggregates: string[];
}

const POLLERS: Poller[] = [
  { id: 'day', resolution: '1d', history: 'P2D', aggregates: ['mean'] },
  { id: 'half', resolution: '30min', history: 'P1D', aggregates: ['mean'] },
  // declaring count gets n, but still only of closed buckets: nothing to difference
  { id: 'half-count', resolution: '30min', history: 'P1D', aggregates: ['mean', 'count'] },
];

function assertRecoveredNothing(report: PollReport, poller: Poller, readAt: number, secrets: number[]) {
  const width = WIDTH[poller.resolution];
  expect(report.resolution).toBe(poller.resolution);
  expect(report.recovered, 'readings rebuilt from v·n − v′·n′').toEqual([]);
  expect(report.changed, 'buckets whose mean moved between polls').toEqual([]);
  expect(report.points.length, 'closed buckets are still served').toBeGreaterThan(0);
  for (const p of report.points) {
    // a bucket is served only once it has closed, by the time of the read at the latest
    expect(p.t + width).toBeLessThanOrEqual(readAt);
    if (poller.aggregates.includes('count')) expect(p.n).toBeGreaterThanOrEqual(3);
    else expect(p).not.toHaveProperty('n');
  }
  const seen = [...report.points.map((p) => p.v), ...report.recovered];
  for (const s of secrets) expect(seen.some((v) => Math.abs(v - s) < 1e-6)).toBe(false);
}

function attackOnBox(runtime: 'isolate' | 'container', timeoutMs: number) {
  let box: HostileBox;
  beforeAll(async () => {
    if (runtime === 'container') await ensureNodeBaseImage(createDockerClient());
    box = await startHostileBox();
    await box.seedPower(30);
    for (const p of POLLERS) await installPoller(box, { ...p, id: `${runtime}-${p.id}`, runtime });
  }, 180_000);
  afterAll(async () => {
    await box?.stop();
  });

  it(
    'polling while 10 s readings arrive rebuilds no reading from v·n − v′·n′ or moving means',
    async () => {
      const secrets: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const t = Date.now();
        secrets.push(secret(round));
        const wrote = await box.api('POST', '/api/v1/datasources/meter.power/readings', [
          { t, v: secret(round) },
        ]);
        expect(wrote.status).toBeLessThan(300);
        for (const p of POLLERS) {
          const id = `${runtime}-${p.id}`;
          const run = await box.run(id);
          const readAt = Date.now();
          expect(run.status, `${run.error}\n${run.logs.join('\n')}`).toBe('ok');
          const reports = (await box.reports(id)) as PollReport[];
          expect(reports).toHaveLength(round + 1);
          assertRecoveredNothing(reports[round], p, readAt, secrets);
        }
      }
      // the refusal to serve the open bucket is not a refusal of the read: every read was granted
      const refused = await box.api('GET', '/api/v1/audit?action=readings.refuse');
      expect(refused.body.entries).toEqual([]);
    },
    timeoutMs,
  );
}

describe('red team: polling the open bucket, isolate runtime, real box', () => {
  attackOnBox('isolate', 120_000);
});

describeWithDocker('red team: polling the open bucket, container runtime, real box', () => {
  attackOnBox('container', 300_000);
});

describe('red team: polling the open bucket under runLocally', () => {
  it('sees the same nothing a developer would see', async () => {
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
    const poll = new AsyncFunction('call', 'report', POLL_BODY);
    // the raw call function a runtime gives, as the box's runtimes give it to the same code
    const app: DataboxApp = {
      main: async () => {},
      run: (call) =>
        poll(call, (data: unknown) => call('insight.emit', { key: 'report', title: 'report', data })),
    };
    // 30 hours of 10 s readings up to a moment inside a half hour, then one new reading per poll
    const end = Date.UTC(2024, 3, 10, 9, 47, 3);
    const seeded: Array<{ t: number; v: number }> = [];
    for (let t = end - 30 * 3_600_000; t < end; t += 10_000) seeded.push({ t, v: 500 + (t % 997) });
    for (const p of POLLERS) {
      const readings = [...seeded];
      let kv: Record<string, unknown> = {};
      const secrets: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const t = end + round * 10_000;
        readings.push({ t, v: secret(round) });
        secrets.push(secret(round));
        const result = await runLocally(app, {
          manifest: pollerManifest(p.id, p.resolution, p.history, p.aggregates),
          data: { power: readings },
          grant: { power: { resolution: p.resolution, history: p.history } },
          now: t + 1,
          kv,
        });
        expect(result.status, result.error).toBe('ok');
        kv = result.kv;
        assertRecoveredNothing(result.insights[0].data as PollReport, p, t + 1, secrets);
      }
    }
  });

  it('gets no bucket built from one or two readings: its mean would be the reading', async () => {
    // a meter that reports every 20 minutes: each half hour holds one or two readings
    const end = Date.UTC(2024, 3, 10, 12);
    const sparse = [];
    for (let i = 0; i < 36; i++) sparse.push({ t: end - 12 * 3_600_000 + i * 1_200_000, v: secret(i) });
    const p = POLLERS[1];
    const app: DataboxApp = {
      main: async () => {},
      run: async (call) => {
        const read = (await call('data.read', { request: 'power' })) as PollReport;
        await call('insight.emit', { key: 'report', title: 'report', data: read });
      },
    };
    const result = await runLocally(app, {
      manifest: pollerManifest(p.id, p.resolution, p.history, p.aggregates),
      data: { power: sparse },
      grant: { power: { resolution: p.resolution } },
      now: end,
    });
    expect(result.status, result.error).toBe('ok');
    const served = (result.insights[0].data as PollReport).points;
    expect(served).toEqual([]);
  });
});
