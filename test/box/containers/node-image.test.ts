import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../box/containers/docker-client.ts';
import {
  buildNodeBaseImage,
  defaultNodeBaseImageTag,
  ensureNodeBaseImage,
  IMAGE_NODE_PATH,
  NODE_BASE_IMAGE_CHANGES,
  parseLddOutput,
  sharedLibraries,
  splitImageReference,
} from '../../../box/containers/node-image.ts';
import { runContainer } from '../../../box/containers/run-container.ts';
import { DataboxError } from '../../../box/errors.ts';
import { describeWithDocker } from '../../helpers/services.ts';

// The format glibc's ldd prints (Debian 12, x86-64), typed out by hand.
const LDD_OUTPUT = `\tlinux-vdso.so.1 (0x00007ffd5a3f2000)
\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f949f12e000)
\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f949ee00000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f949ec1e000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f949f147000)
`;

describe('parseLddOutput', () => {
  it('keeps library paths and the loader, and skips the kernel vDSO', () => {
    expect(parseLddOutput(LDD_OUTPUT)).toEqual([
      '/lib/x86_64-linux-gnu/libdl.so.2',
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });

  it('returns nothing for a static binary', () => {
    expect(parseLddOutput('\tstatically linked\n')).toEqual([]);
  });

  it('fails on a missing library, naming it', () => {
    expect(() => parseLddOutput('\tlibfoo.so.1 => not found\n', '/usr/bin/node')).toThrow(DataboxError);
    expect(() => parseLddOutput('\tlibfoo.so.1 => not found\n', '/usr/bin/node')).toThrow(/libfoo\.so\.1/);
  });
});

describe('sharedLibraries', () => {
  it('lists the dynamic loader of the running node binary', async () => {
    const libraries = await sharedLibraries(process.execPath);
    // Every dynamically linked glibc binary needs libc and the ld-linux loader.
    expect(libraries.some((path) => /\/libc\.so\.6$/.test(path))).toBe(true);
    expect(libraries.some((path) => /\/ld-linux[^/]*\.so\.\d+$/.test(path))).toBe(true);
  });
});

describe('splitImageReference / defaultNodeBaseImageTag', () => {
  it('splits repo and tag, keeping a registry port in the repo', () => {
    expect(splitImageReference('databox/node-base:v20.1.0')).toEqual({
      repo: 'databox/node-base',
      version: 'v20.1.0',
    });
    expect(splitImageReference('localhost:5000/x')).toEqual({ repo: 'localhost:5000/x', version: 'latest' });
    expect(splitImageReference('localhost:5000/x:1')).toEqual({ repo: 'localhost:5000/x', version: '1' });
    expect(splitImageReference('plain')).toEqual({ repo: 'plain', version: 'latest' });
  });

  it('tags the image with the host node version', () => {
    expect(defaultNodeBaseImageTag()).toBe(`databox/node-base:${process.version}`);
  });
});

describeWithDocker('buildNodeBaseImage (Docker)', () => {
  let docker: Docker;
  const tag = `databox/node-base-test:${randomUUID().slice(0, 8)}`;

  beforeAll(() => {
    docker = createDockerClient();
  });

  afterAll(async () => {
    await docker
      ?.getImage(tag)
      .remove({ force: true })
      .catch(() => {});
  });

  it('imports an image that runs node as nobody from /app, with only node, its libraries and /etc files', async () => {
    const progress: string[] = [];
    expect(await buildNodeBaseImage(docker, { tag, onProgress: (line) => progress.push(line) })).toBe(tag);
    expect(progress.at(-1)).toBe(`built ${tag}`);

    const config = (await docker.getImage(tag).inspect()).Config;
    expect(config.User).toBe('65534:65534');
    expect(config.Entrypoint).toEqual([IMAGE_NODE_PATH]);
    expect(config.WorkingDir).toBe('/app');
    expect(NODE_BASE_IMAGE_CHANGES).toContain('USER 65534:65534');

    const listing = `
      const fs = require('fs'), path = require('path');
      const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? walk(p) : [p];
      });
      const files = ['/usr', '/lib', '/lib64', '/etc'].filter((d) => fs.existsSync(d)).flatMap(walk);
      console.log(JSON.stringify({ files, cwd: process.cwd(), version: process.version, tmp: fs.statSync('/tmp').mode & 0o7777,
        app: fs.readdirSync('/app'), passwd: fs.readFileSync('/etc/passwd', 'utf8') }));`;
    const result = await runContainer(docker, {
      Image: tag,
      Cmd: ['-e', listing],
      HostConfig: { NetworkMode: 'none', AutoRemove: true },
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const seen = JSON.parse(result.stdout) as {
      files: string[];
      cwd: string;
      version: string;
      tmp: number;
      app: string[];
      passwd: string;
    };
    const libraries = await sharedLibraries(process.execPath);
    // The engine adds /etc/hostname, /etc/hosts, /etc/resolv.conf and the /etc/mtab link to every container.
    const engineFiles = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/etc/mtab'];
    expect(seen.files.filter((f) => !engineFiles.includes(f)).sort()).toEqual(
      [IMAGE_NODE_PATH, ...libraries, '/etc/passwd', '/etc/group'].sort(),
    );
    expect(seen.version).toBe(process.version);
    expect(seen.cwd).toBe('/app');
    expect(seen.app).toEqual([]);
    expect(seen.tmp).toBe(0o1777);
    expect(seen.passwd).toContain('nobody:x:65534:65534:');
  }, 300_000);

  it('ensureNodeBaseImage does not rebuild an image that exists', async () => {
    await ensureNodeBaseImage(docker, { tag }); // builds it unless the test above already did
    const progress: string[] = [];
    expect(await ensureNodeBaseImage(docker, { tag, onProgress: (line) => progress.push(line) })).toBe(tag);
    expect(progress).toEqual([]);
  }, 300_000);
});
