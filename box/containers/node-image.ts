import { execFile } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { DataboxError } from '../errors.ts';
import { copyInto, ensureImage, finishRootfs } from './scratch-image.ts';

const run = promisify(execFile);

/** Where node lives inside the image; also its entrypoint. */
export const IMAGE_NODE_PATH = '/usr/local/bin/node';

/** Default tag: the host's node version, so a node upgrade builds a fresh image. */
export function defaultNodeBaseImageTag(): string {
  return `databox/node-base:${process.version}`;
}

export interface NodeBaseImageOptions {
  /** Image reference to create, `repo:tag`. Default {@link defaultNodeBaseImageTag}. */
  tag?: string;
  /** Called with one line per step (and the engine's import status) for logs. */
  onProgress?: (message: string) => void;
  /** Node binary to copy. Default `process.execPath`; the default tag assumes this default. */
  nodePath?: string;
}

/**
 * Import-time image settings. The engine's import accepts only CMD, ENTRYPOINT, ENV, EXPOSE,
 * ONBUILD, USER, VOLUME, WORKDIR and LABEL here, each written as in a Dockerfile.
 */
export const NODE_BASE_IMAGE_CHANGES: readonly string[] = [
  'USER 65534:65534',
  'WORKDIR /app',
  'ENV PATH=/usr/local/bin NODE_ENV=production',
  `ENTRYPOINT ["${IMAGE_NODE_PATH}"]`,
  'LABEL org.databox.image=node-base',
];

/**
 * Builds a minimal image that holds only the host's node binary, the shared libraries `ldd` lists
 * for it (with the dynamic loader), /etc/passwd and /etc/group with `nobody` (65534), an empty
 * world-writable /tmp and an empty /app; no shell, no package manager. It needs no registry: the
 * root filesystem is packed as a tar and handed to the engine's image import. Returns the tag.
 *
 * @example
 * const image = await buildNodeBaseImage(docker, { onProgress: (line) => console.log(line) });
 * // image === 'databox/node-base:v20.20.2'; run it with Cmd ['-e', 'console.log(1)']
 */
export async function buildNodeBaseImage(
  docker: Docker,
  options: NodeBaseImageOptions = {},
): Promise<string> {
  const tag = options.tag ?? defaultNodeBaseImageTag();
  const progress = options.onProgress ?? (() => {});
  const { repo, version } = splitImageReference(tag);
  const work = await mkdtemp(join(tmpdir(), 'databox-node-image-'));
  try {
    const root = join(work, 'rootfs');
    const nodePath = await realpath(options.nodePath ?? process.execPath);
    progress(`building ${tag} from ${nodePath}`);
    await copyInto(root, nodePath, IMAGE_NODE_PATH);
    await finishRootfs(docker, work, {
      root,
      libraries: await sharedLibraries(nodePath),
      repo,
      version,
      changes: NODE_BASE_IMAGE_CHANGES,
      progress,
    });
    progress(`built ${tag}`);
    return tag;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Returns the node base image tag, building the image only when the engine does not have it.
 *
 * @example
 * const image = await ensureNodeBaseImage(createDockerClient());
 */
export async function ensureNodeBaseImage(
  docker: Docker,
  options: NodeBaseImageOptions = {},
): Promise<string> {
  return ensureImage(docker, options.tag ?? defaultNodeBaseImageTag(), (tag) =>
    buildNodeBaseImage(docker, { ...options, tag }),
  );
}

/** Paths of the shared objects (including the loader) that `ldd` reports for an ELF binary. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  let output: string;
  try {
    output = (await run('ldd', [binary])).stdout;
  } catch (cause) {
    // A static binary makes ldd exit 1 with "not a dynamic executable": nothing to copy then.
    const text = String((cause as { stdout?: string; stderr?: string }).stdout ?? '');
    const errorText = String((cause as { stderr?: string }).stderr ?? '');
    if (/not a dynamic executable|statically linked/.test(text + errorText)) return [];
    throw new DataboxError(500, 'image_build_failed', `ldd ${binary} failed: ${errorText.trim()}`, { cause });
  }
  return parseLddOutput(output, binary);
}

/**
 * Parses `ldd` output: `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` gives the path after
 * `=>`; `/lib64/ld-linux-x86-64.so.2 (0x…)` is the loader itself; `linux-vdso.so.1` lives in the
 * kernel and has no file. A `=> not found` line is an error: the image would not start.
 */
export function parseLddOutput(output: string, binary = 'the binary'): string[] {
  const paths = new Set<string>();
  for (const line of output.split('\n').map((l) => l.trim())) {
    if (line === '' || /statically linked/.test(line)) continue;
    if (/=>\s*not found/.test(line)) {
      throw new DataboxError(500, 'image_build_failed', `${binary} needs a library ldd cannot find: ${line}`);
    }
    const match = /=>\s*(\/\S+)/.exec(line) ?? /^(\/\S+)\s+\(0x/.exec(line);
    if (match) paths.add(match[1]);
  }
  return [...paths];
}

/** Splits `repo:tag` (a registry port such as `host:5000/x` is part of the repo). */
export function splitImageReference(reference: string): { repo: string; version: string } {
  const colon = reference.lastIndexOf(':');
  if (colon <= reference.lastIndexOf('/')) return { repo: reference, version: 'latest' };
  return { repo: reference.slice(0, colon), version: reference.slice(colon + 1) };
}
