import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../../../box/errors.ts';
import { IsolateRuntime, parsePlainJson } from '../../../../box/sandbox/isolate/isolate-runtime.ts';
import { useTempDir } from '../../../helpers/temp-dir.ts';
import { recordingHandle, SMALL_LIMITS, writeApp, writeRaw } from './app-bundle.ts';

describe('IsolateRuntime: normal runs', () => {
  const tempDir = useTempDir('databox-isolate-');
  const runtime = new IsolateRuntime();
  let runs = 0;
  const run = (
    appDir: string,
    entry: string,
    handle: (m: string, p: unknown) => Promise<unknown>,
    limits = SMALL_LIMITS,
  ) => runtime.run({ runId: `run-${++runs}`, appDir, entry, limits, handle });

  beforeAll(() => runtime.start());
  afterAll(() => runtime.stop());

  it('runs an app that reads data and emits an insight through the handle', async () => {
    const dir = tempDir();
    const entry = writeApp(
      dir,
      `const series = await call('data.read', { request: 'power', resolution: '30min' });
       const mean = series.points.reduce((sum, p) => sum + p.v, 0) / series.points.length;
       await call('insight.emit', { key: 'mean-power', title: 'Mean power', value: mean, unit: series.unit });`,
    );
    // 100, 300 and 200 W over three half hours: the mean is (100 + 300 + 200) / 3 = 200 W.
    const points = [
      { t: 0, v: 100 },
      { t: 1_800_000, v: 300 },
      { t: 3_600_000, v: 200 },
    ];
    const { calls, handle } = recordingHandle({
      'data.read': (params) => ({
        request: (params as { request: string }).request,
        kind: 'electricity.import.power',
        unit: 'W',
        resolution: '30min',
        aggregate: 'mean',
        from: 0,
        to: 5_400_000,
        points,
      }),
    });
    const outcome = await run(dir, entry, handle);
    expect(outcome).toMatchObject({ status: 'ok' });
    expect(outcome.error).toBeUndefined();
    expect(calls).toEqual([
      { method: 'data.read', params: { request: 'power', resolution: '30min' } },
      { method: 'insight.emit', params: { key: 'mean-power', title: 'Mean power', value: 200, unit: 'W' } },
    ]);
  });

  it('rejects the app call with the message and code of the error the handle threw', async () => {
    const dir = tempDir();
    const entry = writeApp(
      dir,
      `try { await call('data.read', { request: 'power', resolution: '1min' }); await report({ threw: false }); }
       catch (e) { await report({ message: e.message, code: e.code, isError: e instanceof Error }); }`,
    );
    const { handle, reports } = recordingHandle({
      'data.read': () => {
        throw new ForbiddenError('resolution 1min is finer than the granted 30min', {
          code: 'resolution_too_fine',
        });
      },
    });
    expect((await run(dir, entry, handle)).status).toBe('ok');
    expect(reports()).toEqual([
      {
        message: 'resolution 1min is finer than the granted 30min',
        code: 'resolution_too_fine',
        isError: true,
      },
    ]);
  });

  it('routes console and the log method through the handle and into the outcome logs', async () => {
    const dir = tempDir();
    const entry = writeApp(
      dir,
      `console.log('hello', { a: 1 }, 2);
       console.error('bad');
       await call('log', { level: 'warn', message: 'careful' });`,
    );
    const { calls, handle } = recordingHandle();
    const outcome = await run(dir, entry, handle);
    expect(outcome.status).toBe('ok');
    // console.* is fire-and-forget, so the order between console and awaited calls may vary.
    // (a slow host start adds a note of its own, not the app's)
    const appLogs = outcome.logs.filter((line) => !line.startsWith('[isolate] info: waited'));
    expect(appLogs.sort()).toEqual(['error: bad', 'info: hello {"a":1} 2', 'warn: careful']);
    expect(calls.map((c) => c.method)).toEqual(['log', 'log', 'log']);
    expect(calls.map((c) => c.params)).toContainEqual({ level: 'info', message: 'hello {"a":1} 2' });
  });

  it('reports an app that throws as an error with its message', async () => {
    const dir = tempDir();
    const entry = writeApp(dir, `throw new RangeError('no data in the window');`);
    const outcome = await run(dir, entry, recordingHandle().handle);
    expect(outcome.status).toBe('error');
    expect(outcome.error).toBe('no data in the window');
    expect(outcome.logs.join('\n')).toContain('RangeError: no data in the window');
  });

  it('reports bundles that do not load or do not set __databoxRun', async () => {
    const dir = tempDir();
    const broken = await run(
      dir,
      writeRaw(dir, 'globalThis.__databoxRun = async () => {', 'dist/broken.js'),
      recordingHandle().handle,
    );
    expect(broken.status).toBe('error');
    expect(broken.error).toMatch(
      /^the app bundle failed to load: Unexpected end of input \[app:\/\/\/dist\/broken\.js:1:\d+\]$/,
    );
    const empty = await run(
      dir,
      writeRaw(dir, 'var x = { a: 1 }; x', 'dist/empty.js'),
      recordingHandle().handle,
    );
    expect(empty).toMatchObject({
      status: 'error',
      error: expect.stringContaining('did not set globalThis.__databoxRun'),
    });
  });

  it('refuses entries outside the app folder and missing bundles', async () => {
    const dir = tempDir();
    const outside = await run(dir, '../../etc/passwd', recordingHandle().handle);
    expect(outside).toMatchObject({
      status: 'error',
      error: 'the app entry ../../etc/passwd is not a file inside the app folder',
    });
    const missing = await run(dir, 'dist/none.js', recordingHandle().handle);
    expect(missing).toMatchObject({
      status: 'error',
      error: 'cannot read the app bundle dist/none.js (ENOENT)',
    });
  });

  it('refuses params over the size limit without calling the handle', async () => {
    const small = new IsolateRuntime({ maxCallBytes: 1000 });
    try {
      const dir = tempDir();
      const entry = writeApp(
        dir,
        `try { await call('kv.set', { key: 'k', value: 'x'.repeat(2000) }); } catch (e) { await report({ message: e.message }); }`,
      );
      const { calls, handle } = recordingHandle();
      expect(
        (await small.run({ runId: 'big', appDir: dir, entry, limits: SMALL_LIMITS, handle })).status,
      ).toBe('ok');
      expect(calls.map((c) => c.method)).toEqual(['insight.emit']);
      expect((calls[0].params as { data: { message: string } }).data.message).toMatch(
        /the params of kv\.set are 20\d\d bytes, over the limit of 1000 bytes/,
      );
    } finally {
      await small.stop();
    }
  });

  it('gives every run a fresh isolate', async () => {
    const dir = tempDir();
    const first = writeApp(dir, `globalThis.leftover = 42; Object.prototype.polluted = 'yes';`);
    expect((await run(dir, first, recordingHandle().handle)).status).toBe('ok');
    const secondDir = tempDir();
    const second = writeApp(
      secondDir,
      `await report({ leftover: typeof globalThis.leftover, polluted: typeof ({}).polluted });`,
    );
    const { handle, reports } = recordingHandle();
    expect((await run(secondDir, second, handle)).status).toBe('ok');
    expect(reports()).toEqual([{ leftover: 'undefined', polluted: 'undefined' }]);
  });

  it('ends a run as killed when its AbortSignal fires', async () => {
    const dir = tempDir();
    const entry = writeApp(dir, `for (;;) {}`);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const outcome = await runtime.run({
      runId: 'cancelled',
      appDir: dir,
      entry,
      limits: { memoryMb: 32, timeoutMs: 20_000 },
      handle: recordingHandle().handle,
      signal: controller.signal,
    });
    expect(outcome).toMatchObject({ status: 'killed', error: 'the run was cancelled' });
    expect(outcome.durationMs).toBeLessThan(10_000);
  });

  it('refuses invalid limits', async () => {
    const dir = tempDir();
    const entry = writeApp(dir, '');
    const outcome = await run(dir, entry, recordingHandle().handle, { memoryMb: 2, timeoutMs: 1000 });
    expect(outcome).toMatchObject({
      status: 'error',
      error: 'limits.memoryMb must be a whole number from 8 to 4096, not 2',
    });
  });
});

describe('parsePlainJson', () => {
  it('drops __proto__ keys so Object.assign cannot change a prototype', () => {
    const parsed = parsePlainJson(
      '{"request":"power","__proto__":{"polluted":"yes"},"nested":{"__proto__":{"x":1}}}',
    ) as Record<string, unknown>;
    const merged = Object.assign({}, parsed) as Record<string, unknown>;
    expect(merged.polluted).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['request', 'nested']);
    expect(Object.keys(parsed.nested as object)).toEqual([]);
  });
});
