import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { createDockerClient } from '../../box/containers/docker-client.ts';
import { APP_CONTAINER_USER, hardenedHostConfig } from '../../box/containers/hardened-host-config.ts';
import { runContainer } from '../../box/containers/run-container.ts';
import { databoxBin } from '../helpers/box-process.ts';
import { describeWithDocker } from '../helpers/services.ts';

const run = promisify(execFile);

/** Runs the real CLI; resolves with its exit code and output instead of throwing on exit 1. */
async function databox(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [databoxBin(), ...args], { timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describeWithDocker('databox image build', () => {
  const tag = `databox/test-node-base:cli-${randomBytes(4).toString('hex')}`;
  const pythonTag = `databox/test-python-base:cli-${randomBytes(4).toString('hex')}`;
  const docker = createDockerClient();
  afterAll(async () => {
    for (const image of [tag, pythonTag])
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => {});
  });

  it('builds the python base image from the python3 it is given, which then runs its stdlib as nobody', async () => {
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const result = await databox('image', 'build', 'python', '--tag', pythonTag, '--python', python);
    expect(result.stderr).toMatch(/image: building .* \(python 3\.\d+\.\d+\)/);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${pythonTag}\n`);
    const info = await docker.getImage(pythonTag).inspect();
    expect(info.Config.User).toBe('65534:65534');
    expect(info.Config.Entrypoint).toEqual(['/usr/local/bin/python3']);
    expect(info.Config.Env).toContain('PYTHONHOME=/usr/local');
    const ran = await runContainer(
      docker,
      {
        Image: pythonTag,
        Cmd: [
          '-c',
          'import json, sqlite3, hashlib, http.client, os; print(json.dumps([os.getuid(), sqlite3.sqlite_version != ""]))',
        ],
        User: APP_CONTAINER_USER,
        HostConfig: hardenedHostConfig({ memoryBytes: 64 * 1024 * 1024 }),
      },
      { timeoutMs: 30_000 },
    );
    expect(ran).toMatchObject({ exitCode: 0, stdout: '[65534, true]\n' });
  }, 300_000);

  it('builds the node base image with progress on stderr and the tag on stdout', async () => {
    const result = await databox('image', 'build', '--tag', tag);
    expect(result.stderr).toContain(`image: building ${tag} from `);
    expect(result.stderr).toMatch(/image: importing \d+\.\d MiB as /);
    expect(result.stderr).toContain(`image: built ${tag}`);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${tag}\n`);

    const info = await docker.getImage(tag).inspect();
    expect(info.Config.User).toBe('65534:65534');
    expect(info.Config.Entrypoint).toEqual(['/usr/local/bin/node']);
    expect(info.Config.WorkingDir).toBe('/app');

    // --if-missing finds it and builds nothing
    const again = await databox('image', 'build', '--tag', tag, '--if-missing');
    expect(again).toEqual({ code: 0, stdout: `${tag}\n`, stderr: '' });
  }, 300_000);

  it('explains a wrong subcommand and an engine it cannot reach', async () => {
    const wrong = await databox('image', 'list');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('expected "databox image build [node|python]", got "databox image list"');
    const language = await databox('image', 'build', 'ruby');
    expect(language.code).toBe(1);
    expect(language.stderr).toContain('got "databox image build ruby"');

    const down = await databox('image', 'build', '--docker-host', 'unix:///nonexistent/docker.sock');
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Docker engine is not reachable at unix:///nonexistent/docker.sock');
  }, 60_000);
});
