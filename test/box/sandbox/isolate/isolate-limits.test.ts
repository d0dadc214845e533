import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_MESSAGE, IsolateRuntime } from '../../../../box/sandbox/isolate/isolate-runtime.ts';
import { useTempDir } from '../../../helpers/temp-dir.ts';
import { recordingHandle, writeApp, writeRaw } from './app-bundle.ts';

const OK_BODY = `await report({ fine: true });`;

/** Runaway apps: loops, microtask storms and memory bombs end the run; the box and the next run are fine. */
describe('IsolateRuntime: limits', () => {
  const tempDir = useTempDir('databox-isolate-limits-');
  const runtime = new IsolateRuntime();
  let runs = 0;
  const runApp = async (
    body: string,
    limits: { memoryMb: number; timeoutMs: number; cpuMs?: number },
    answers = {},
  ) => {
    const dir = tempDir();
    const entry = writeApp(dir, body);
    const recorder = recordingHandle(answers);
    const outcome = await runtime.run({
      runId: `limits-${++runs}`,
      appDir: dir,
      entry,
      limits,
      handle: recorder.handle,
    });
    return { outcome, ...recorder };
  };
  const expectNextRunWorks = async () => {
    const { outcome, reports } = await runApp(OK_BODY, { memoryMb: 32, timeoutMs: 5000 });
    expect(outcome.status).toBe('ok');
    expect(reports()).toEqual([{ fine: true }]);
  };

  beforeAll(() => runtime.start());
  afterAll(() => runtime.stop());

  it('ends an infinite loop at the wall-clock timeout', async () => {
    const { outcome } = await runApp('for (;;) {}', { memoryMb: 32, timeoutMs: 400 });
    expect(outcome).toMatchObject({ status: 'timeout', error: 'the app went over its time limit of 400 ms' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(400);
    expect(outcome.durationMs).toBeLessThan(4000);
    await expectNextRunWorks();
  });

  it('ends an infinite loop by the CPU watchdog long before the wall-clock timeout', async () => {
    const { outcome } = await runApp('for (;;) {}', { memoryMb: 32, timeoutMs: 20_000, cpuMs: 300 });
    expect(outcome).toMatchObject({
      status: 'timeout',
      error: 'the app used more than its CPU time limit of 300 ms',
    });
    expect(outcome.durationMs).toBeLessThan(10_000);
    expect(outcome.logs).toContain('[isolate] warn: the app used more than its CPU time limit of 300 ms');
  });

  it('does not count time spent waiting for the box as CPU time', async () => {
    const slow = {
      'data.read': () => new Promise((resolve) => setTimeout(() => resolve({ points: [] }), 800)),
    };
    const { outcome } = await runApp(
      `await call('data.read', { request: 'power' }); ${OK_BODY}`,
      { memoryMb: 32, timeoutMs: 10_000, cpuMs: 300 },
      slow,
    );
    expect(outcome.status).toBe('ok');
    expect(outcome.durationMs).toBeGreaterThanOrEqual(800);
  });

  it('ends a microtask storm (for (;;) await null)', async () => {
    const { outcome } = await runApp('for (;;) await null;', { memoryMb: 32, timeoutMs: 10_000, cpuMs: 300 });
    expect(outcome).toMatchObject({
      status: 'timeout',
      error: 'the app used more than its CPU time limit of 300 ms',
    });
    await expectNextRunWorks();
  });

  it('ends a storm of chained promises', async () => {
    const { outcome } = await runApp(
      'const spin = () => Promise.resolve().then(spin); spin(); await new Promise(() => {});',
      { memoryMb: 32, timeoutMs: 10_000, cpuMs: 300 },
    );
    // Each link keeps the chain alive, so it ends at the CPU or at the memory limit, whichever comes first.
    expect(['timeout', 'killed']).toContain(outcome.status);
    expect(outcome.error).toMatch(/CPU time limit of 300 ms|memory limit of 32 MB/);
    await expectNextRunWorks();
  });

  it('kills a memory bomb at the memory limit; the next run works', async () => {
    const { outcome } = await runApp(
      'const keep = []; for (;;) keep.push(new Array(100000).fill(Math.random()));',
      { memoryMb: 32, timeoutMs: 20_000 },
    );
    // Either isolated-vm disposed the isolate (the usual case) or the memory watchdog or V8 ended
    // the app's host; both say the app went over its limit.
    expect(outcome.status).toBe('killed');
    expect(outcome.error).toMatch(/^the app went over its memory limit of 32 MB/);
    await expectNextRunWorks();
  });

  it('applies the memory limit of the run: 40 MB of data is fine at 128 MB', async () => {
    const body =
      'const keep = []; for (let i = 0; i < 50; i++) keep.push(new Array(100000).fill(i + 0.5)); await report({ length: keep.length });';
    const big = await runApp(body, { memoryMb: 128, timeoutMs: 20_000 });
    expect(big.outcome.status).toBe('ok');
    expect(big.reports()).toEqual([{ length: 50 }]);
    // 50 arrays of 100 000 doubles are 40 MB, over a 16 MB limit.
    const small = await runApp(body, { memoryMb: 16, timeoutMs: 20_000 });
    expect(small.outcome).toMatchObject({
      status: 'killed',
      error: 'the app went over its memory limit of 16 MB',
    });
  });

  it('lets a normal run finish while another run of the same app spins in its host', async () => {
    const dir = tempDir();
    const spinEntry = writeApp(dir, 'for (;;) {}');
    const normalEntry = writeRaw(
      dir,
      readFileSync(join(dir, spinEntry), 'utf8').replace('for (;;) {}', OK_BODY),
      'dist/ok.js',
    );
    const start = (runId: string, entry: string, timeoutMs: number) => {
      const recorder = recordingHandle();
      return runtime
        .run({ runId, appDir: dir, entry, limits: { memoryMb: 32, timeoutMs }, handle: recorder.handle })
        .then((outcome) => ({ outcome, reports: recorder.reports() }));
    };
    expect((await start('warm-up', normalEntry, 5000)).outcome.status).toBe('ok'); // the app's host is up
    const spinning = start('spinner', spinEntry, 3000);
    const normal = await start('normal', normalEntry, 5000);
    expect(normal.outcome.status).toBe('ok');
    expect(normal.reports).toEqual([{ fine: true }]);
    expect(normal.outcome.durationMs).toBeLessThan(2500);
    expect((await spinning).outcome.status).toBe('timeout');
  });

  it('reports big ArrayBuffer allocations as app errors', async () => {
    const { outcome } = await runApp('const keep = []; for (;;) keep.push(new ArrayBuffer(10_000_000));', {
      memoryMb: 32,
      timeoutMs: 20_000,
    });
    expect(['error', 'killed']).toContain(outcome.status);
    expect(outcome.error).toMatch(/Array buffer allocation failed|memory limit of 32 MB/);
    await expectNextRunWorks();
  });
});

describe('IsolateRuntime: host crashes', () => {
  const tempDir = useTempDir('databox-isolate-crash-');

  it('reports the run in flight as killed when the host dies, restarts it, and the next run works', async () => {
    const events: Array<{ type: string; host: string }> = [];
    const runtime = new IsolateRuntime({
      restartBackoff: { initialMs: 50, maxMs: 200 },
      onEvent: (e) => events.push({ type: e.type, host: e.host }),
    });
    try {
      await runtime.start();
      const dir = tempDir();
      let firstPid: number | undefined;
      const entry = writeApp(dir, `await call('data.read', { request: 'power' }); ${OK_BODY}`);
      const killer = recordingHandle({
        'data.read': () => {
          firstPid = runtime.hostPidOf(dir);
          process.kill(firstPid as number, 'SIGKILL');
          return new Promise(() => {});
        },
      });
      const crashed = await runtime.run({
        runId: 'crash-1',
        appDir: dir,
        entry,
        limits: { memoryMb: 32, timeoutMs: 20_000 },
        handle: killer.handle,
      });
      expect(crashed.status).toBe('killed');
      expect(crashed.error).toBe(`${CRASH_MESSAGE} (signal SIGKILL)`);
      const next = recordingHandle();
      const after = await runtime.run({
        runId: 'crash-2',
        appDir: dir,
        entry,
        limits: { memoryMb: 32, timeoutMs: 20_000 },
        handle: next.handle,
      });
      expect(after.status).toBe('ok');
      expect(next.reports()).toEqual([{ fine: true }]);
      expect(runtime.hostPidOf(dir)).toBeGreaterThan(0);
      expect(runtime.hostPidOf(dir)).not.toBe(firstPid);
      // the app's host is not restarted in place (no 'restarting'): the next run took a spare host
      const appEvents = events.filter((e) => e.host === resolve(dir)).map((e) => e.type);
      expect(appEvents.filter((type) => type !== 'ready')).toEqual(['exited']);
      expect(events.filter((e) => e.host === 'spare').map((e) => e.type)).not.toContain('exited');
    } finally {
      await runtime.stop();
    }
  });

  it('restarts a host that stops sending heartbeats', async () => {
    const runtime = new IsolateRuntime({
      heartbeatMs: 100,
      heartbeatTimeoutMs: 600,
      restartBackoff: { initialMs: 50, maxMs: 200 },
    });
    try {
      await runtime.start();
      const dir = tempDir();
      const entry = writeApp(dir, `await call('data.read', { request: 'power' }); ${OK_BODY}`);
      const freezer = recordingHandle({
        'data.read': () => {
          process.kill(runtime.hostPidOf(dir) as number, 'SIGSTOP');
          return { points: [] };
        },
      });
      const frozen = await runtime.run({
        runId: 'frozen',
        appDir: dir,
        entry,
        limits: { memoryMb: 32, timeoutMs: 30_000 },
        handle: freezer.handle,
      });
      expect(frozen.status).toBe('killed');
      expect(frozen.error).toBe(
        `${CRASH_MESSAGE} (the isolate host sent no heartbeat for 600 ms; signal SIGKILL)`,
      );
      expect(frozen.durationMs).toBeLessThan(10_000);
      const next = recordingHandle();
      expect(
        (
          await runtime.run({
            runId: 'thawed',
            appDir: dir,
            entry,
            limits: { memoryMb: 32, timeoutMs: 5000 },
            handle: next.handle,
          })
        ).status,
      ).toBe('ok');
    } finally {
      await runtime.stop();
    }
  });

  it('ends a run the host does not stop at its timeout, and restarts the host', async () => {
    const runtime = new IsolateRuntime({
      heartbeatTimeoutMs: 60_000,
      stopGraceMs: 300,
      restartBackoff: { initialMs: 50, maxMs: 200 },
    });
    try {
      await runtime.start();
      const dir = tempDir();
      const entry = writeApp(dir, `await call('data.read', { request: 'power' }); ${OK_BODY}`);
      const freezer = recordingHandle({
        'data.read': () => {
          process.kill(runtime.hostPidOf(dir) as number, 'SIGSTOP');
          return { points: [] };
        },
      });
      const stuck = await runtime.run({
        runId: 'stuck',
        appDir: dir,
        entry,
        limits: { memoryMb: 32, timeoutMs: 500 },
        handle: freezer.handle,
      });
      // worded as every runtime words a time limit; how it was enforced is in the logs
      expect(stuck).toMatchObject({
        status: 'timeout',
        error: 'the app went over its time limit of 500 ms',
        errorCode: 'time_limit',
      });
      expect(stuck.logs).toContain(
        '[isolate] warn: the run did not stop within 300 ms of its time limit; its isolate host was killed',
      );
      const next = recordingHandle();
      expect(
        (
          await runtime.run({
            runId: 'after-stuck',
            appDir: dir,
            entry,
            limits: { memoryMb: 32, timeoutMs: 5000 },
            handle: next.handle,
          })
        ).status,
      ).toBe('ok');
    } finally {
      await runtime.stop();
    }
  });

  it('fails runs after stop() instead of starting a new host', async () => {
    const runtime = new IsolateRuntime();
    await runtime.start();
    await runtime.stop();
    const dir = tempDir();
    const entry = writeApp(dir, OK_BODY);
    const outcome = await runtime.run({
      runId: 'late',
      appDir: dir,
      entry,
      limits: { memoryMb: 32, timeoutMs: 5000 },
      handle: recordingHandle().handle,
    });
    expect(outcome).toMatchObject({ status: 'error', error: 'the isolate runtime is stopped' });
    expect(runtime.hostPids).toEqual([]);
  });
});
