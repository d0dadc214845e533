import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileBox, hostileIsolateApp, startHostileBox } from './hostile-box.ts';

/**
 * Issue 9 point 5, isolate side: an app that fires calls without awaiting them queued unbounded
 * work in its isolate host and in the daemon. The attacker fires 5,000 `data.grants` calls at once
 * while the test probes the daemon's status; at most 8 may wait for the box at a time.
 */
let box: HostileBox;
beforeAll(async () => {
  box = await startHostileBox();
  await box.seedPower(1);
}, 60_000);
afterAll(async () => {
  await box?.stop();
});

describe('an isolate app flooding the box with calls it does not await', () => {
  it('gets the ninth concurrent call refused at once, and the daemon keeps answering', async () => {
    const folder = hostileIsolateApp(
      box.scratch(),
      'call-flood',
      `
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5000 }, () => __databoxCall('data.grants', '{}')),
      );
      const refused = outcomes.filter((o) => o.status === 'rejected');
      const answered = outcomes.length - refused.length;
      const sample = refused[0] ? String(refused[0].reason && refused[0].reason.message) : '';
      await report({ answered, refused: refused.length, sample });
      `,
    );
    expect((await box.install(folder, { power: '30min' })).status).toBe(201);
    const probes: number[] = [];
    let running = true;
    const probing = (async () => {
      while (running) {
        const started = performance.now();
        const status = await box.api('GET', '/api/v1/status');
        expect(status.status).toBe(200);
        probes.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const run = await box.run('call-flood');
    running = false;
    await probing;
    expect(run.status, run.error ?? '').toBe('ok');
    const [report] = (await box.reports('call-flood')) as Array<{
      answered: number;
      refused: number;
      sample: string;
    }>;
    // all but a handful are refused: at most 8 wait at once, and the first ones are answered
    expect(report.answered + report.refused).toBe(5_000);
    expect(report.refused).toBeGreaterThan(4_900);
    expect(report.sample).toMatch(/already has 8 calls waiting for the box/);
    expect(probes.length).toBeGreaterThan(0);
    expect(Math.max(...probes)).toBeLessThan(2_000);
  });
});
