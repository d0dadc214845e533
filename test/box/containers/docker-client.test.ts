import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clientAddress,
  createDockerClient,
  DEFAULT_DOCKER_SOCKET,
  describeDockerTarget,
  pingDocker,
} from '../../../box/containers/docker-client.ts';
import { DataboxError } from '../../../box/errors.ts';

describe('createDockerClient / describeDockerTarget', () => {
  it('uses /var/run/docker.sock when nothing else is configured', () => {
    expect(DEFAULT_DOCKER_SOCKET).toBe('/var/run/docker.sock');
    expect(describeDockerTarget({ env: {} })).toBe('unix:///var/run/docker.sock');
    expect(clientAddress(createDockerClient({ env: {} }))).toBe('unix:///var/run/docker.sock');
  });

  it('follows DOCKER_HOST for unix sockets and tcp addresses', () => {
    expect(describeDockerTarget({ env: { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' } })).toBe(
      'unix:///run/user/1000/docker.sock',
    );
    expect(describeDockerTarget({ env: { DOCKER_HOST: 'tcp://10.0.0.5:2375' } })).toBe('tcp://10.0.0.5:2375');
    expect(describeDockerTarget({ env: { DOCKER_HOST: 'tcp://docker' } })).toBe('tcp://docker:2375');
    expect(clientAddress(createDockerClient({ env: { DOCKER_HOST: 'tcp://10.0.0.5:2376' } }))).toBe(
      'tcp://10.0.0.5:2376',
    );
  });

  it('prefers an explicit socketPath over DOCKER_HOST', () => {
    expect(describeDockerTarget({ socketPath: '/tmp/d.sock', env: { DOCKER_HOST: 'tcp://x:1' } })).toBe(
      'unix:///tmp/d.sock',
    );
  });

  it('rejects a DOCKER_HOST it cannot use, quoting it', () => {
    expect(() => createDockerClient({ env: { DOCKER_HOST: 'ssh://me@host' } })).toThrow(/"ssh:\/\/me@host"/);
  });
});

describe('pingDocker', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'databox-ping-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  it('resolves when something answers GET /_ping on the socket', async () => {
    const socketPath = join(await tempDir(), 'engine.sock');
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.end('OK');
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));

    await expect(pingDocker(createDockerClient({ socketPath }))).resolves.toBeUndefined();
    expect(requests).toEqual(['GET /_ping']);
  });

  it('says where it looked and how to start the engine when nothing listens', async () => {
    const socketPath = join(await tempDir(), 'missing.sock');
    const error = await pingDocker(createDockerClient({ socketPath })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataboxError);
    expect((error as DataboxError).status).toBe(503);
    expect((error as DataboxError).code).toBe('docker_unreachable');
    expect((error as Error).message).toContain(`Docker engine is not reachable at unix://${socketPath}`);
    expect((error as Error).message).toContain('ENOENT');
    expect((error as Error).message).toContain('start it with scripts/setup-services.sh');
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});
