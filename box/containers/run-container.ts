import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { ContainerCreateOptions } from 'dockerode';
import { DataboxError } from '../errors.ts';

export interface RunContainerOptions {
  /** Kill the container after this many milliseconds. Default 60 s. */
  timeoutMs?: number;
  /** Keep at most this many bytes of stdout and of stderr each. Default 1 MiB. */
  maxOutputBytes?: number;
}

export interface ContainerRunResult {
  /** The main process's exit code (137 after a kill). */
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when the container was killed because it ran past `timeoutMs`. */
  timedOut: boolean;
  /** True when stdout or stderr was cut at `maxOutputBytes`. */
  truncated: boolean;
}

/**
 * Creates a container, runs it to completion and removes it, returning its exit code and output.
 * The exit wait is registered with the engine before the container starts (so a container that
 * exits at once, even with `AutoRemove`, cannot be missed), output is attached before start, and
 * the container is force-removed on every path, including a failed start.
 *
 * @example
 * const result = await runContainer(docker, {
 *   Image: await ensureNodeBaseImage(docker),
 *   Cmd: ['-e', 'console.log(6 * 7)'],
 *   User: APP_CONTAINER_USER,
 *   HostConfig: hardenedHostConfig(),
 * });
 * // result.exitCode === 0, result.stdout === '42\n'
 */
export async function runContainer(
  docker: Docker,
  create: ContainerCreateOptions,
  options: RunContainerOptions = {},
): Promise<ContainerRunResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const stdout = new Collector(options.maxOutputBytes ?? 1024 * 1024);
  const stderr = new Collector(options.maxOutputBytes ?? 1024 * 1024);
  const container = await docker.createContainer({
    ...create,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  try {
    const attached = await container.attach({ stream: true, stdout: true, stderr: true });
    const outputDone = new Promise<void>((resolve) => {
      attached.once('end', resolve);
      attached.once('close', resolve);
      attached.once('error', () => resolve());
    });
    const out = new PassThrough().on('data', (chunk: Buffer) => stdout.add(chunk));
    const err = new PassThrough().on('data', (chunk: Buffer) => stderr.add(chunk));
    docker.modem.demuxStream(attached, out, err);

    const condition = create.HostConfig?.AutoRemove ? 'removed' : 'next-exit';
    const { exitCode: exit } = await waitRegistered(docker, container.id, condition);
    exit.catch(() => {}); // if start fails, the wait may reject before anyone awaits it
    await container.start();
    timer = setTimeout(() => {
      timedOut = true;
      container.kill().catch(() => {}); // already gone: nothing to kill
    }, timeoutMs);
    const exitCode = await exit;
    // The attach stream ends right after the exit; bound the wait in case the engine keeps it open.
    await Promise.race([outputDone, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    return {
      exitCode,
      stdout: stdout.text(),
      stderr: stderr.text(),
      timedOut,
      truncated: stdout.truncated || stderr.truncated,
    };
  } finally {
    clearTimeout(timer);
    await container.remove({ force: true }).catch(() => {}); // 404/409: AutoRemove got there first
  }
}

/**
 * Sends `POST /containers/{id}/wait` and resolves once the engine has answered with headers, which
 * it does only after registering the wait; `exitCode` then resolves when the container exits.
 * (Wrapped in an object because a promise that resolves to a promise is flattened.)
 */
async function waitRegistered(
  docker: Docker,
  id: string,
  condition: string,
): Promise<{ exitCode: Promise<number> }> {
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/containers/${id}/wait?`,
        method: 'POST',
        options: { condition },
        isStream: true,
        statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' },
      },
      (error, response) => (error ? reject(error) : resolve(response as NodeJS.ReadableStream)),
    );
  });
  const exitCode = new Promise<number>((resolve, reject) => {
    let body = '';
    stream.on('data', (chunk: Buffer | string) => {
      body += chunk.toString();
    });
    stream.once('error', reject);
    stream.once('end', () => {
      try {
        const parsed = JSON.parse(body) as { StatusCode?: number; Error?: { Message?: string } | null };
        if (parsed.Error?.Message) throw new Error(parsed.Error.Message);
        if (typeof parsed.StatusCode !== 'number') throw new Error(`unexpected wait response: ${body}`);
        resolve(parsed.StatusCode);
      } catch (cause) {
        reject(
          new DataboxError(500, 'container_wait_failed', `waiting for container ${id.slice(0, 12)} failed`, {
            cause,
          }),
        );
      }
    });
  });
  return { exitCode };
}

class Collector {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
