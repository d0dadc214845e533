import type Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDockerClient } from '../../../box/containers/docker-client.ts';
import { APP_CONTAINER_USER, hardenedHostConfig } from '../../../box/containers/hardened-host-config.ts';
import { ensureNodeBaseImage } from '../../../box/containers/node-image.ts';
import { runContainer } from '../../../box/containers/run-container.ts';
import { describeWithDocker } from '../../helpers/services.ts';

describeWithDocker('runContainer (Docker)', () => {
  let docker: Docker;
  let image: string;
  const label = { 'org.databox.test': `run-container-${process.pid}` };

  beforeAll(async () => {
    docker = createDockerClient();
    image = await ensureNodeBaseImage(docker);
  }, 300_000);

  afterAll(async () => {
    const left = await docker?.listContainers({
      all: true,
      filters: { label: [`org.databox.test=${label['org.databox.test']}`] },
    });
    expect(left ?? []).toEqual([]);
  });

  const app = (code: string, autoRemove = true) => ({
    Image: image,
    Cmd: ['-e', code],
    User: APP_CONTAINER_USER,
    Labels: label,
    HostConfig: hardenedHostConfig({ autoRemove }),
  });

  it('returns the exit code and keeps stdout and stderr apart', async () => {
    const result = await runContainer(
      docker,
      app("process.stdout.write('out 6*7=' + 6 * 7); process.stderr.write('err'); process.exitCode = 7;"),
    );
    expect(result).toEqual({
      exitCode: 7,
      stdout: 'out 6*7=42',
      stderr: 'err',
      timedOut: false,
      truncated: false,
    });
  }, 60_000);

  it('catches the exit of a container that ends at once, with and without AutoRemove', async () => {
    for (const autoRemove of [true, false]) {
      const result = await runContainer(docker, app('', autoRemove));
      expect(result.exitCode).toBe(0);
    }
  }, 60_000);

  it('kills a container that runs past the timeout (SIGKILL: 128 + 9)', async () => {
    const started = Date.now();
    const result = await runContainer(docker, app('setInterval(() => {}, 1000)'), { timeoutMs: 1_000 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(137);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('cuts output at maxOutputBytes', async () => {
    const result = await runContainer(docker, app("process.stdout.write('x'.repeat(5000))"), {
      maxOutputBytes: 100,
    });
    expect(result.stdout).toBe('x'.repeat(100));
    expect(result.truncated).toBe(true);
  }, 60_000);

  it('removes the container when it cannot start, and rejects', async () => {
    await expect(
      runContainer(docker, { ...app(''), Entrypoint: ['/no/such/binary'], HostConfig: hardenedHostConfig() }),
    ).rejects.toThrow(/no such file|not found/i);
  }, 60_000);
});
