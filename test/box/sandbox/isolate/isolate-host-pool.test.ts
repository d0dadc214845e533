import { describe, expect, it } from 'vitest';
import { isV8OutOfMemory, memoryBoundMiB, readRssMiB } from '../../../../box/sandbox/isolate/host-memory.ts';
import { IsolateRuntime } from '../../../../box/sandbox/isolate/isolate-runtime.ts';
import { useTempDir } from '../../../helpers/temp-dir.ts';
import { recordingHandle, SMALL_LIMITS, writeApp } from './app-bundle.ts';

/** Which host process runs which app, and that an idle box keeps none. */
describe('IsolateRuntime: host processes', () => {
  const tempDir = useTempDir('databox-isolate-hosts-');
  let runs = 0;
  const runIn = async (runtime: IsolateRuntime, dir: string) => {
    const recorder = recordingHandle();
    const entry = writeApp(dir, `await report({ pid: 'ok' });`);
    const outcome = await runtime.run({
      runId: `hosts-${++runs}`,
      appDir: dir,
      entry,
      limits: SMALL_LIMITS,
      handle: recorder.handle,
    });
    expect(outcome.status, outcome.error).toBe('ok');
    return runtime.hostPidOf(dir);
  };

  it('gives each app its own host, reused by its next runs, and stops them all when idle', async () => {
    const runtime = new IsolateRuntime({ hostIdleMs: 3000 });
    try {
      const [appA, appB] = [tempDir(), tempDir()];
      const hostA = await runIn(runtime, appA);
      // reuse is checked right away: under load a second host can take longer to start than
      // hostIdleMs, and app A's host would rightly have exited by then
      expect(await runIn(runtime, appA)).toBe(hostA);
      const hostB = await runIn(runtime, appB);
      expect(hostA).toBeGreaterThan(0);
      expect(hostB).toBeGreaterThan(0);
      expect(hostB).not.toBe(hostA);
      // no run for longer than hostIdleMs: the app hosts and the spare exit
      const deadline = Date.now() + 30_000;
      while (runtime.hostPids.length > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(runtime.hostPids).toEqual([]);
      expect(() => process.kill(hostA as number, 0)).toThrow();
      // and the next run starts a host again
      expect(await runIn(runtime, appA)).toBeGreaterThan(0);
    } finally {
      await runtime.stop();
    }
    expect(runtime.hostPids).toEqual([]);
  }, 60_000);

  it('runs every app in one host with hostPerApp: false (the old mode, for the bench)', async () => {
    const runtime = new IsolateRuntime({ hostPerApp: false });
    try {
      await runtime.start();
      const [appA, appB] = [tempDir(), tempDir()];
      expect(await runIn(runtime, appA)).toBe(await runIn(runtime, appB));
      expect(runtime.hostPids).toHaveLength(1);
    } finally {
      await runtime.stop();
    }
  }, 60_000);
});

describe('host memory accounting', () => {
  it('bounds a host by its ready RSS, twice each run limit and a slack', () => {
    expect(memoryBoundMiB(90, [64])).toBe(250);
    expect(memoryBoundMiB(90.2, [64, 32])).toBe(315);
    expect(memoryBoundMiB(60, [])).toBe(92);
  });

  it('reads the resident memory of a live process, and nothing for a dead one', async () => {
    const rss = await readRssMiB(process.pid);
    expect(rss).toBeGreaterThan(10);
    expect(rss).toBeLessThan(process.memoryUsage().rss / 1048576 + 50);
    expect(await readRssMiB(2 ** 22 + 12345)).toBeUndefined();
  });

  it("recognises V8's out-of-memory aborts in a host's stderr", () => {
    expect(isV8OutOfMemory('<--- JS stacktrace --->\n\nCALL_AND_RETRY_LAST\nis_heap_oom = 1')).toBe(true);
    expect(
      isV8OutOfMemory('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'),
    ).toBe(true);
    expect(isV8OutOfMemory('# Fatal JavaScript invalid size error 169220804')).toBe(true);
    expect(isV8OutOfMemory('isolate host: ignoring a malformed message from the box')).toBe(false);
  });
});
