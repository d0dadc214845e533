import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, realpath, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';

const run = promisify(execFile);

/**
 * The pieces every base image shares (node-base, python-base): a root filesystem assembled in a
 * temp folder from files of this host, packed as a tar and handed to the engine's image import.
 * No registry and no Dockerfile: nothing is downloaded and nothing runs while building.
 */

/** Copies one host file into the root at `target` (mode 0755, parents 0755). */
export async function copyInto(root: string, source: string, target: string, mode = 0o755): Promise<void> {
  const destination = join(root, target);
  await mkdir(dirname(destination), { recursive: true, mode: 0o755 });
  await copyFile(source, destination);
  await chmod(destination, mode);
}

/**
 * /etc/passwd and /etc/group with `nobody` (65534, the user every app runs as), an empty
 * world-writable /tmp (the runtime mounts a tmpfs over it) and an empty /app (the app's folder).
 */
export async function writeBaseFiles(root: string): Promise<void> {
  await mkdir(join(root, 'etc'), { recursive: true, mode: 0o755 });
  await writeFile(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n',
    { mode: 0o644 },
  );
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n', { mode: 0o644 });
  await mkdir(join(root, 'tmp'), { recursive: true });
  await chmod(join(root, 'tmp'), 0o1777);
  await mkdir(join(root, 'app'), { recursive: true });
  await chmod(join(root, 'app'), 0o755);
}

/**
 * Packs `root` (owned by root:root in the tar, whoever built it) and imports it as `repo:version`
 * with the given Dockerfile-style `changes` (USER, ENV, ENTRYPOINT, LABEL, …).
 *
 * @example
 * await importRootfs(docker, { root, tarball: join(work, 'rootfs.tar'), repo: 'databox/node-base',
 *   version: 'v20.20.2', changes: ['USER 65534:65534'], progress: console.log });
 */
export async function importRootfs(
  docker: Docker,
  options: {
    root: string;
    tarball: string;
    repo: string;
    version: string;
    changes: readonly string[];
    progress: (line: string) => void;
  },
): Promise<void> {
  const { root, tarball, repo, version, progress } = options;
  progress(`packing ${tarball}`);
  await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', tarball, '.']);
  const size = (await stat(tarball)).size;
  progress(`importing ${(size / 1024 / 1024).toFixed(1)} MiB as ${repo}:${version}`);
  const stream = await docker.importImage(tarball, { repo, tag: version, changes: [...options.changes] });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null) => (error ? reject(error) : resolve()),
      (event: { status?: string }) => {
        if (event.status) progress(`engine: ${event.status}`);
      },
    );
  });
}

/**
 * Returns `tag` if the engine has it, else builds it with `build` (an engine error other than
 * "no such image" is thrown, not taken for a missing image).
 *
 * @example
 * const image = await ensureImage(docker, 'databox/node-base:v20.20.2', (tag) => buildIt(tag));
 */
export async function ensureImage(
  docker: Docker,
  tag: string,
  build: (tag: string) => Promise<string>,
): Promise<string> {
  try {
    await docker.getImage(tag).inspect();
    return tag;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return build(tag);
}

/**
 * The last steps every base image shares: its shared libraries copied in (sorted, resolved), the
 * base files written, and the root imported as `repo:version`.
 */
export async function finishRootfs(
  docker: Docker,
  work: string,
  options: {
    root: string;
    libraries: Iterable<string>;
    repo: string;
    version: string;
    changes: readonly string[];
    progress: (line: string) => void;
  },
): Promise<void> {
  const { root, progress } = options;
  for (const library of [...options.libraries].sort()) {
    progress(`adding ${library}`);
    await copyInto(root, await realpath(library), library);
  }
  await writeBaseFiles(root);
  await importRootfs(docker, {
    root,
    tarball: join(work, 'rootfs.tar'),
    repo: options.repo,
    version: options.version,
    changes: options.changes,
    progress,
  });
}
