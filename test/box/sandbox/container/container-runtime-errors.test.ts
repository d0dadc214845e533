import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDockerClient } from '../../../../box/containers/docker-client.ts';
import { ContainerRuntime } from '../../../../box/sandbox/container/container-runtime.ts';
import { useTempDir } from '../../../helpers/temp-dir.ts';

// No engine needed: these are the paths where there is none, or it cannot be addressed.
describe('ContainerRuntime without a usable engine', () => {
  const tempDir = useTempDir('databox-runs-');
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const run = (runtime: ContainerRuntime, entry = '') =>
    runtime.run({
      runId: 'no-engine',
      appDir: '',
      entry,
      command: ['/app/main.js'],
      limits: { memoryMb: 64, timeoutMs: 5_000 },
      handle: async () => null,
    });

  it('can be built with a malformed DOCKER_HOST; start() and run() report it instead', async () => {
    vi.stubEnv('DOCKER_HOST', 'ssh://user@host');
    const runtime = new ContainerRuntime({ runRoot: tempDir() });
    expect(runtime.kind).toBe('container');
    await expect(runtime.start()).rejects.toThrow('DOCKER_HOST "ssh://user@host" is not supported');
    const outcome = await run(runtime);
    expect(outcome.status).toBe('error');
    expect(outcome.error).toContain('DOCKER_HOST "ssh://user@host" is not supported');
  });

  it('turns an unreachable engine into an error outcome and leaves no run folder', async () => {
    const runRoot = tempDir();
    const docker = createDockerClient({ socketPath: '/nonexistent/docker.sock' });
    const runtime = new ContainerRuntime({ docker, runRoot });
    await expect(runtime.start()).rejects.toThrow(
      'Docker engine is not reachable at unix:///nonexistent/docker.sock',
    );
    for (const entry of ['', 'someone/else:1']) {
      const outcome = await run(runtime, entry);
      expect(outcome).toMatchObject({ status: 'error', logs: [] });
      expect(outcome.error).toMatch(/^could not run the container: .*ENOENT/);
    }
    expect(readdirSync(runRoot)).toEqual([]);
  });

  it('reports a cancelled run without touching the engine', async () => {
    const runtime = new ContainerRuntime({
      docker: createDockerClient({ socketPath: '/nonexistent/docker.sock' }),
    });
    const controller = new AbortController();
    controller.abort();
    const outcome = await runtime.run({
      runId: 'cancelled',
      appDir: '',
      entry: '',
      limits: { memoryMb: 64, timeoutMs: 5_000 },
      handle: async () => null,
      signal: controller.signal,
    });
    expect(outcome).toEqual({
      status: 'killed',
      error: 'the run was cancelled',
      errorCode: 'cancelled',
      durationMs: 0,
      logs: [],
    });
  });
});
