import { readdirSync } from 'node:fs';
import type Docker from 'dockerode';
import { beforeAll, expect, it } from 'vitest';
import { createDockerClient } from '../../../../box/containers/docker-client.ts';
import { ensureNodeBaseImage } from '../../../../box/containers/node-image.ts';
import { ForbiddenError } from '../../../../box/errors.ts';
import { ContainerRuntime } from '../../../../box/sandbox/container/container-runtime.ts';
import { describeWithDocker } from '../../../helpers/services.ts';
import { useTempDir } from '../../../helpers/temp-dir.ts';
import { useTestApps } from './container-test-app.ts';

const LIMITS = { memoryMb: 128, timeoutMs: 20_000 };

const GRANTS = [
  {
    request: 'power',
    kind: 'electricity.import.power',
    unit: 'W',
    resolution: '30min',
    historyMs: 864e5,
    aggregates: ['mean'],
  },
];

/** A stand-in for CORE's RunSession.handle: records calls, refuses reads finer than 30min. */
function fakeSession() {
  const calls: Array<{ method: string; params: unknown }> = [];
  const handle = async (method: string, params: unknown) => {
    calls.push({ method, params });
    if (method === 'data.grants') return GRANTS;
    if (method === 'data.read') throw new ForbiddenError('resolution 1min is finer than the granted 30min');
    if (method === 'insight.emit') return { ok: true };
    throw new Error(`unexpected ${method}`);
  };
  return { calls, handle };
}

describeWithDocker('ContainerRuntime', () => {
  const app = useTestApps();
  const tempDir = useTempDir('databox-runs-');
  let docker: Docker;

  beforeAll(async () => {
    docker = createDockerClient();
    await ensureNodeBaseImage(docker);
  });

  it('runs the app in the node base image and answers its calls through the session', async () => {
    const runRoot = tempDir();
    const runtime = new ContainerRuntime({ runRoot });
    await runtime.start();
    const dir = app({
      'main.cjs': `
        const { call } = require('./client.cjs');
        (async () => {
          const grants = await call('data.grants', {});
          const read = await call('data.read', { request: 'power', resolution: '1min' });
          const emit = await call('insight.emit', { key: 'grants', title: 'Grants', value: grants.body.result.length });
          console.log(JSON.stringify({ grants, read, emit }));
          console.error('env ' + Object.keys(process.env).filter((k) => k.startsWith('DATABOX_')).sort().join(','));
        })().catch((e) => { console.error(e.stack); process.exitCode = 2; });`,
    });
    const session = fakeSession();
    const outcome = await runtime.run({
      runId: 'run-roundtrip',
      appDir: dir,
      entry: '',
      command: ['/app/main.cjs'],
      limits: LIMITS,
      handle: session.handle,
    });

    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('ok');
    expect(session.calls).toEqual([
      { method: 'data.grants', params: {} },
      { method: 'data.read', params: { request: 'power', resolution: '1min' } },
      { method: 'insight.emit', params: { key: 'grants', title: 'Grants', value: 1 } },
    ]);
    // stdout and stderr come back as two streams: their lines' relative order is not fixed
    const report = JSON.parse(outcome.logs.find((l) => l.startsWith('{')) ?? 'null');
    expect(report).toEqual({
      grants: { status: 200, body: { result: GRANTS } },
      read: {
        status: 403,
        body: { error: { code: 'forbidden', message: 'resolution 1min is finer than the granted 30min' } },
      },
      emit: { status: 200, body: { result: { ok: true } } },
    });
    expect(outcome.logs).toContain('env DATABOX_API_SOCKET,DATABOX_RUN_TOKEN');
    expect(outcome.durationMs).toBeGreaterThan(0);
    // the socket folder is gone and no container of this run is left
    expect(readdirSync(runRoot)).toEqual([]);
    const left = await docker.listContainers({
      all: true,
      filters: { label: ['org.databox.run-id=run-roundtrip'] },
    });
    expect(left).toEqual([]);
  });

  it('reports a non-zero exit as an error with the last lines of output', async () => {
    const runtime = new ContainerRuntime({ runRoot: tempDir() });
    const dir = app({
      'fail.cjs': "console.log('starting'); console.error('cannot parse meter data'); process.exit(3);",
    });
    const outcome = await runtime.run({
      runId: 'run-fail',
      appDir: dir,
      entry: 'databox/node-base', // as a manifest names it: the untagged repo means the default image
      command: ['/app/fail.cjs'],
      limits: LIMITS,
      handle: fakeSession().handle,
    });
    expect(outcome.status).toBe('error');
    // stdout and stderr are separate pipes: the engine may log the two lines in either order
    const [head, ...lines] = (outcome.error ?? '').split('\n');
    expect(head).toMatch(/^the app exited with code 3: (starting|cannot parse meter data)$/);
    const shown = [head.replace('the app exited with code 3: ', ''), ...lines];
    expect(shown.sort()).toEqual(['cannot parse meter data', 'starting']);
    expect([...outcome.logs].sort()).toEqual(['cannot parse meter data', 'starting']);
  });

  it('kills an app that runs past its time limit and reports a timeout', async () => {
    const runRoot = tempDir();
    const runtime = new ContainerRuntime({ runRoot });
    const dir = app({ 'hang.cjs': "console.log('waiting'); setInterval(() => {}, 1000);" });
    const outcome = await runtime.run({
      runId: 'run-hang',
      appDir: dir,
      entry: '',
      command: ['/app/hang.cjs'],
      limits: { memoryMb: 128, timeoutMs: 1500 },
      handle: fakeSession().handle,
    });
    expect(outcome.status).toBe('timeout');
    expect(outcome.error).toBe('the app went over its time limit of 1500 ms');
    expect(outcome.logs).toEqual(['waiting']);
    expect(outcome.durationMs).toBeGreaterThanOrEqual(1500);
    expect(outcome.durationMs).toBeLessThan(15_000);
    expect(readdirSync(runRoot)).toEqual([]);
  });

  it('ends a run that uses more CPU time than its limit, but not one that only waits', async () => {
    const runtime = new ContainerRuntime({ runRoot: tempDir() });
    const dir = app({
      'spin.cjs': 'for (;;) {}',
      'sleep.cjs': 'setTimeout(() => {}, 2500);',
    });
    const limits = { memoryMb: 128, timeoutMs: 20_000, cpuMs: 1000 };
    const spin = await runtime.run({
      runId: 'run-spin',
      appDir: dir,
      entry: '',
      command: ['/app/spin.cjs'],
      limits,
      handle: fakeSession().handle,
    });
    expect(spin).toMatchObject({
      status: 'timeout',
      error: 'the app used more than its CPU time limit of 1000 ms',
    });
    // one CPU at most: 1 s of CPU takes at least 1 s, and the watchdog notices within a poll or two
    expect(spin.durationMs).toBeGreaterThanOrEqual(1000);
    expect(spin.durationMs).toBeLessThan(8000);
    const sleep = await runtime.run({
      runId: 'run-sleep',
      appDir: dir,
      entry: '',
      command: ['/app/sleep.cjs'],
      limits,
      handle: fakeSession().handle,
    });
    expect(sleep.status).toBe('ok');
    expect(sleep.durationMs).toBeGreaterThanOrEqual(2500);
  });

  it('stops a run when its signal aborts', async () => {
    const runtime = new ContainerRuntime({ runRoot: tempDir() });
    const dir = app({ 'hang.cjs': 'setInterval(() => {}, 1000);' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1000);
    const outcome = await runtime.run({
      runId: 'run-abort',
      appDir: dir,
      entry: '',
      command: ['/app/hang.cjs'],
      limits: LIMITS,
      handle: fakeSession().handle,
      signal: controller.signal,
    });
    expect(outcome).toMatchObject({ status: 'killed', error: 'the run was cancelled' });
    expect(outcome.durationMs).toBeLessThan(LIMITS.timeoutMs);
  });

  it('ends every run in progress on stop() and cleans up after them', async () => {
    const runRoot = tempDir();
    const runtime = new ContainerRuntime({ runRoot });
    const dir = app({ 'hang.cjs': "console.log('up'); setInterval(() => {}, 1000);" });
    const runs = ['a', 'b'].map((id) =>
      runtime.run({
        runId: `run-stop-${id}`,
        appDir: dir,
        entry: '',
        command: ['/app/hang.cjs'],
        limits: LIMITS,
        handle: fakeSession().handle,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await runtime.stop();
    const outcomes = await Promise.all(runs);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ status: 'killed', error: 'the run was cancelled' });
      expect(outcome.durationMs).toBeLessThan(LIMITS.timeoutMs);
    }
    expect(readdirSync(runRoot)).toEqual([]);
    const left = await docker.listContainers({ all: true, filters: { label: ['org.databox.role=app-run'] } });
    expect(left.filter((c) => c.Labels['org.databox.run-id']?.startsWith('run-stop-'))).toEqual([]);
  });

  it('returns an error outcome, not an exception, for an image the box does not have', async () => {
    const runRoot = tempDir();
    const runtime = new ContainerRuntime({ runRoot });
    const outcome = await runtime.run({
      runId: 'run-noimage',
      appDir: app({}),
      entry: 'databox/no-such-image:0',
      command: ['/app/main.cjs'],
      limits: LIMITS,
      handle: fakeSession().handle,
    });
    expect(outcome.status).toBe('error');
    expect(outcome.error).toMatch(/^image "databox\/no-such-image:0" is not on this box/);
    expect(readdirSync(runRoot)).toEqual([]);
  });

  it('runs an app whose installed folder only the box can read: the container mounts a staged copy', async () => {
    const dir = app({
      'main.cjs': "require('fs').readFileSync('/app/client.cjs'); console.log('read /app');",
    });
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o700);
    const runRoot = tempDir();
    const outcome = await new ContainerRuntime({ runRoot }).run({
      runId: 'run-private',
      appDir: dir,
      entry: '',
      command: ['/app/main.cjs'],
      limits: LIMITS,
      handle: fakeSession().handle,
    });
    expect(outcome.status, outcome.error).toBe('ok');
    expect(outcome.logs).toContain('read /app');
    expect(readdirSync(runRoot)).toEqual([]);
  });

  it('measures the container run time (p50 of 5 runs of a one-call app)', async () => {
    const runtime = new ContainerRuntime({ runRoot: tempDir() });
    const dir = app({
      'one.cjs':
        "require('./client.cjs').call('data.grants', {}).then((r) => process.exit(r.status === 200 ? 0 : 1));",
    });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const outcome = await runtime.run({
        runId: `run-timing-${i}`,
        appDir: dir,
        entry: '',
        command: ['/app/one.cjs'],
        limits: LIMITS,
        handle: fakeSession().handle,
      });
      expect(outcome.status).toBe('ok');
      times.push(outcome.durationMs);
    }
    times.sort((a, b) => a - b);
    console.log(`container run p50 ${times[2]} ms (min ${times[0]}, max ${times[4]}) over 5 runs`);
    expect(times[2]).toBeLessThan(10_000);
  }, 120_000);
});
