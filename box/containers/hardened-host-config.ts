import type { HostConfig } from 'dockerode';
import { BadRequestError } from '../errors.ts';

/**
 * User every app container runs as: `nobody:nogroup` (65534:65534), which exists in the base image's
 * /etc/passwd and owns nothing in it. Set it as `User` in the container config (it is not part of
 * HostConfig).
 */
export const APP_CONTAINER_USER = '65534:65534';

/** A host path made visible inside the container, e.g. the folder holding the per-run app-API socket. */
export interface ContainerBind {
  hostPath: string;
  containerPath: string;
  /** Defaults to true. A read-only mount still lets the app `connect()` to a unix socket in it. */
  readOnly?: boolean;
}

export interface HardenedHostConfigOptions {
  /** Memory limit in bytes (also the memory+swap limit, so the container gets no swap). Default 256 MiB. */
  memoryBytes?: number;
  /** CPU quota in CPUs (0.5 = half a core). Default 1. */
  cpus?: number;
  /** Maximum number of processes and threads in the container. Default 64. */
  pidsLimit?: number;
  /** Open files per process (`nofile`, soft = hard). Default 256: node needs ~30; a socket flood stops here. */
  openFiles?: number;
  /** Size of the writable `/tmp` tmpfs in bytes (counts towards the memory limit). Default 64 MiB. */
  tmpfsBytes?: number;
  /** Remove the container when it exits. Default true; set false to read logs or the exit code late. */
  autoRemove?: boolean;
  binds?: ContainerBind[];
}

// Docker refuses memory limits under 6 MiB; node itself needs more, but that is the app's business.
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;

/**
 * HostConfig for a container that runs third-party app code: no network, nothing writable except
 * a small `/tmp` (no `/dev/shm`), no capabilities, no privilege escalation, and bounded memory,
 * CPU, processes and open files.
 * Pair it with `User: APP_CONTAINER_USER` in the container config.
 *
 * @example
 * const container = await docker.createContainer({
 *   Image: 'databox/node-base:v20.20.2',
 *   Cmd: ['/app/main.js'],
 *   User: APP_CONTAINER_USER,
 *   HostConfig: hardenedHostConfig({ memoryBytes: 128 * 1024 * 1024, binds: [{ hostPath: runDir, containerPath: '/run/databox' }] }),
 * });
 */
export function hardenedHostConfig(options: HardenedHostConfigOptions = {}): HostConfig {
  const memoryBytes = options.memoryBytes ?? 256 * 1024 * 1024;
  const cpus = options.cpus ?? 1;
  const pidsLimit = options.pidsLimit ?? 64;
  const tmpfsBytes = options.tmpfsBytes ?? 64 * 1024 * 1024;
  const openFiles = options.openFiles ?? 256;
  check(
    Number.isInteger(memoryBytes) && memoryBytes >= MIN_MEMORY_BYTES,
    'memoryBytes',
    `must be an integer ≥ ${MIN_MEMORY_BYTES}`,
  );
  check(Number.isFinite(cpus) && cpus > 0, 'cpus', 'must be a positive number');
  check(Number.isInteger(pidsLimit) && pidsLimit > 0, 'pidsLimit', 'must be a positive integer');
  check(Number.isInteger(tmpfsBytes) && tmpfsBytes > 0, 'tmpfsBytes', 'must be a positive integer');
  check(Number.isInteger(openFiles) && openFiles >= 16, 'openFiles', 'must be an integer ≥ 16');
  for (const [i, bind] of (options.binds ?? []).entries()) {
    check(bind.hostPath.startsWith('/'), `binds[${i}].hostPath`, 'must be an absolute path');
    check(bind.containerPath.startsWith('/'), `binds[${i}].containerPath`, 'must be an absolute path');
    check(
      !/[:,]/.test(bind.hostPath + bind.containerPath),
      `binds[${i}]`,
      'paths must not contain ":" or ","',
    );
  }

  return {
    /** No network interfaces except loopback: apps reach the box only through the bind-mounted socket. */
    NetworkMode: 'none',
    /** The image is immutable for the app; only `/tmp` (tmpfs) is writable. */
    ReadonlyRootfs: true,
    /** Drop every Linux capability: the app needs none (no chown, no raw sockets, no mounts). */
    CapDrop: ['ALL'],
    /** setuid binaries and file capabilities cannot raise privileges inside the container. */
    SecurityOpt: ['no-new-privileges'],
    /** Bounds fork bombs and runaway thread pools. */
    PidsLimit: pidsLimit,
    /** Memory and memory+swap equal: the limit is hard and the container never swaps. */
    Memory: memoryBytes,
    MemorySwap: memoryBytes,
    /** CPU quota in billionths of a CPU. */
    NanoCpus: Math.round(cpus * 1e9),
    /** Bounds descriptors: one app cannot hold thousands of connections to its API socket. */
    Ulimits: [{ Name: 'nofile', Soft: openFiles, Hard: openFiles }],
    /** No IPC namespace sharing and no `/dev/shm`: `/tmp` stays the only writable place. */
    IpcMode: 'none',
    /** Scratch space that vanishes with the container; nothing in it can be executed. */
    Tmpfs: { '/tmp': `rw,noexec,nosuid,nodev,size=${tmpfsBytes}` },
    /** Nothing of a run outlives it. */
    AutoRemove: options.autoRemove ?? true,
    /** Bind mounts, read-only unless asked otherwise. */
    Binds: (options.binds ?? []).map(
      (bind) => `${bind.hostPath}:${bind.containerPath}:${bind.readOnly === false ? 'rw' : 'ro'}`,
    ),
  };
}

function check(ok: boolean, path: string, message: string): void {
  if (!ok) {
    throw new BadRequestError(`invalid container limits: ${path} ${message}`, {
      details: [{ path, message }],
    });
  }
}
