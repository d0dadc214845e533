import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type Docker from 'dockerode';
import {
  cancelledFailure,
  cpuLimitFailure,
  memoryLimitFailure,
  type RunFailure,
  timeLimitFailure,
} from '../../../apps-sdk/src/run-failure.ts';
import type { AppRuntime, RunLimits, RunOutcome } from '../../apps/runtime.ts';
import { APP_CONTAINER_USER, hardenedHostConfig } from '../../containers/hardened-host-config.ts';
import { defaultNodeBaseImageTag, ensureNodeBaseImage } from '../../containers/node-image.ts';
import { ensurePythonBaseImage, PYTHON_BASE_REPO } from '../../containers/python-image.ts';
import { type RunStage, sandboxRoot, stageRun } from '../../containers/run-staging.ts';
import { AppApiServer } from './app-api-server.ts';
import { containerCpuReader } from './container-cpu.ts';
import { dockerLogLines } from './docker-log-lines.ts';
import { RUN_FAIL_METHOD, reportedFailure } from './reported-failure.ts';

/** Where the per-run socket folder appears inside the container. */
export const CONTAINER_API_DIR = '/run/databox';
/** Where the app folder appears inside the container (read-only). */
export const CONTAINER_APP_DIR = '/app';
const SOCKET_NAME = 'api.sock';

export interface ContainerRuntimeOptions {
  /** Engine client; default {@link createDockerClient} (DOCKER_HOST or /var/run/docker.sock). */
  docker?: Docker;
  /**
   * Folder for the per-run folders (socket and a copy of the app). Their paths show in the
   * container's `/proc/self/mountinfo`, so it must not be under the box's home. Default the first
   * usable of `/run/databox-sandbox`, `$XDG_RUNTIME_DIR/databox-sandbox`, `<tmp>/databox-sandbox`.
   */
  runRoot?: string;
  /**
   * Image used when a run names none (`entry` empty) or names its repo without a tag
   * (`databox/node-base`); built from the host's node if missing. Default `databox/node-base:<node version>`.
   */
  defaultImage?: string;
  /** CPU quota per container in CPUs. Default 1. */
  cpus?: number;
  /** Processes and threads per container. Default 64 (node alone uses about 11). */
  pidsLimit?: number;
  /** Lines of output kept for the outcome (the last ones). Default 200. */
  maxLogLines?: number;
  /** Largest app API request body in bytes. Default 1 MiB + 64 KiB (exports may be up to 1 MB). */
  maxBodyBytes?: number;
}

interface RunOptions {
  runId: string;
  appDir: string;
  entry: string;
  command?: string[];
  limits: RunLimits;
  handle: (method: string, params: unknown) => Promise<unknown>;
  signal?: AbortSignal;
}

type Ending = 'exit' | 'timeout' | 'cpu' | 'aborted';

/** How often a run with a CPU-time limit checks what its container has used. */
const CPU_POLL_MS = 200;

/**
 * Runs container apps with Docker: one hardened container per run (no network, read-only root,
 * no capabilities, uid 65534, memory = memory+swap, CPU, pids and open-file limits, noexec `/tmp`,
 * no `/dev/shm`), a copy of the app folder made at run start read-only at `/app` (staged with the
 * socket folder under a neutral `runRoot/<random>/`, so mountinfo shows no box path), and the app
 * API on a per-run unix socket at
 * `/run/databox/api.sock` (env `DATABOX_API_SOCKET`, `DATABOX_RUN_TOKEN`). The token dies, the
 * server closes, the container and the socket folder are removed when the run ends, however it ends.
 * `limits.cpuMs`, when given, is watched every 200 ms through the container's cgroup; going over
 * it ends the run as a `timeout`, like the wall clock.
 *
 * @example
 * const runtime = new ContainerRuntime();
 * await runtime.start();
 * const outcome = await runtime.run({
 *   runId: 'run-1', appDir: '/srv/apps/meter-report', entry: '', command: ['/app/dist/app.js'],
 *   limits: { memoryMb: 128, timeoutMs: 30_000 }, handle: session.handle,
 * });
 * // outcome: { status: 'ok', durationMs: 812, logs: ['report ready'] }
 */
export class ContainerRuntime implements AppRuntime {
  readonly kind = 'container' as const;
  #client: Docker | undefined;
  readonly #options: ContainerRuntimeOptions;
  readonly #defaultImage: string;
  #baseImage: Promise<string> | undefined;
  #pythonImage: Promise<string> | undefined;
  #runRoot: Promise<string> | undefined;
  readonly #active = new Set<{ abort: () => void; done: Promise<RunOutcome> }>();

  constructor(options: ContainerRuntimeOptions = {}) {
    this.#options = options;
    this.#client = options.docker;
    this.#defaultImage = options.defaultImage ?? defaultNodeBaseImageTag();
  }

  /**
   * The engine client, made on first use (see {@link #connect}) so a bad DOCKER_HOST fails a run or
   * `start()`, not the box, and a box that runs no container app never loads dockerode (~25 MB).
   */
  get #docker(): Docker {
    if (!this.#client) throw new Error('the Docker client is not connected yet');
    return this.#client;
  }

  async #connect(): Promise<Docker> {
    if (!this.#client) {
      const { createDockerClient } = await import('../../containers/docker-client.ts');
      this.#client = createDockerClient();
    }
    return this.#client;
  }

  /** Checks that the engine answers (throws a 503 `docker_unreachable` naming the address). */
  async start(): Promise<void> {
    const docker = await this.#connect();
    const { pingDocker } = await import('../../containers/docker-client.ts');
    await pingDocker(docker);
  }

  async run(opts: RunOptions): Promise<RunOutcome> {
    // Each run also listens to the runtime's own signal, so `stop()` can end every run at once.
    const own = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, own.signal]) : own.signal;
    const running = this.#runOne({ ...opts, signal });
    const entry = { abort: () => own.abort(), done: running };
    this.#active.add(entry);
    try {
      return await running;
    } finally {
      this.#active.delete(entry);
    }
  }

  /** Ends every run in progress (their outcomes say `killed`) and waits until they are cleaned up. */
  async stop(): Promise<void> {
    const active = [...this.#active];
    for (const run of active) run.abort();
    await Promise.allSettled(active.map((run) => run.done));
  }

  async #runOne(opts: RunOptions): Promise<RunOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const logs: string[] = [];
    let stage: RunStage | undefined;
    let server: AppApiServer | undefined;
    let container: Docker.Container | undefined;
    let ending: Ending | undefined;
    let onAbort: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    let cpuTimer: NodeJS.Timeout | undefined;
    let reported: RunFailure | undefined;
    try {
      await this.#connect();
      if (opts.signal?.aborted) return failed(cancelledFailure(), 0, logs);
      const image = await this.#image(opts.entry);
      this.#runRoot ??= sandboxRoot(this.#options.runRoot).catch((error: unknown) => {
        this.#runRoot = undefined;
        throw error;
      });
      stage = await stageRun(await this.#runRoot, opts.appDir || undefined);
      // `run.fail` is the app telling why it is about to exit non-zero: kept for the outcome, never
      // passed to the session (any language can send it; see reportedFailure)
      const handle = async (method: string, params: unknown) => {
        if (method !== RUN_FAIL_METHOD) return opts.handle(method, params);
        reported = reportedFailure(params);
        return { ok: true };
      };
      server = new AppApiServer(handle, {
        maxBodyBytes: this.#options.maxBodyBytes,
        onInternalError: (method, error) =>
          logs.push(`box: ${method} failed: ${error instanceof Error ? error.message : String(error)}`),
      });
      await server.listen(join(stage.apiDir, SOCKET_NAME));

      const memoryBytes = Math.round(opts.limits.memoryMb * 1024 * 1024);
      const hostConfig = hardenedHostConfig({
        memoryBytes,
        cpus: this.#options.cpus,
        pidsLimit: this.#options.pidsLimit,
        tmpfsBytes: Math.max(1024 * 1024, Math.min(64 * 1024 * 1024, Math.floor(memoryBytes / 2))),
        autoRemove: false, // removed in `finally`, after reading the exit state and logs
        binds: [
          { hostPath: stage.apiDir, containerPath: CONTAINER_API_DIR },
          ...(stage.appDir ? [{ hostPath: stage.appDir, containerPath: CONTAINER_APP_DIR }] : []),
        ],
      });
      container = await this.#docker.createContainer({
        name: containerName(opts.runId),
        Image: image,
        ...(opts.command ? { Cmd: opts.command } : {}),
        User: APP_CONTAINER_USER,
        Env: [
          `DATABOX_API_SOCKET=${CONTAINER_API_DIR}/${SOCKET_NAME}`,
          `DATABOX_RUN_TOKEN=${server.token}`,
          // the app's clock is UTC whatever the image or host holds; the zone comes only by grant
          'TZ=UTC',
        ],
        Labels: { 'org.databox.role': 'app-run', 'org.databox.run-id': opts.runId },
        NetworkDisabled: true,
        HostConfig: {
          ...hostConfig,
          LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } },
          // Docker ≥ 20.10 lets any uid bind ports < 1024 in a container; keep the usual rule.
          Sysctls: { 'net.ipv4.ip_unprivileged_port_start': '1024' },
        },
      });

      const running = container;
      let endRun!: (ending: Ending) => void;
      const ended = new Promise<Ending>((resolveEnding) => {
        endRun = resolveEnding;
      });
      timer = setTimeout(() => endRun('timeout'), opts.limits.timeoutMs);
      onAbort = () => endRun('aborted');
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (!opts.signal?.aborted) {
        await running.start();
        const cpuMs = opts.limits.cpuMs;
        if (cpuMs !== undefined)
          cpuTimer = await watchCpu(this.#docker, running.id, cpuMs, () => endRun('cpu'));
        // `wait` after `start`: it answers at once if the container has already stopped.
        const exited = running.wait().then(
          () => 'exit' as const,
          () => 'exit' as const, // inspect below says what happened
        );
        ending = await Promise.race([ended, exited]);
      } else ending = 'aborted';
      server.revoke(); // from here on the run is over, whatever the container still sends
      if (ending !== 'exit') {
        await running.kill().catch(() => {}); // 409: it exited meanwhile
        await running.wait().catch(() => {});
      }
      const state = (await running.inspect()).State;
      if (state.Running) {
        // The engine ended the wait without the container stopping (e.g. a dropped connection).
        await running.kill().catch(() => {});
        throw new Error('lost track of the container while it ran; it was killed');
      }
      logs.push(...(await this.#logs(running)));
      return outcome(ending, state, opts.limits, logs, elapsed(), reported);
    } catch (error) {
      const failure: RunFailure = {
        status: 'error',
        code: 'internal',
        message: describeFailure(error, opts.entry),
      };
      return failed(failure, elapsed(), logs);
    } finally {
      clearTimeout(timer);
      clearInterval(cpuTimer);
      if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
      await server?.close();
      await container?.remove({ force: true }).catch(() => {});
      await stage?.remove();
    }
  }

  async #image(entry: string): Promise<string> {
    // '' and the untagged repo (as a manifest names it: "databox/node-base") mean the default image.
    const defaultRepo = this.#defaultImage.slice(0, this.#defaultImage.lastIndexOf(':'));
    const named = entry.trim();
    if (named === PYTHON_BASE_REPO) {
      // the untagged python repo: the image of the host's python3, built on first use like node's
      this.#pythonImage ??= ensurePythonBaseImage(this.#docker).catch((error: unknown) => {
        this.#pythonImage = undefined;
        throw error;
      });
      return this.#pythonImage;
    }
    const image = named === '' || named === defaultRepo ? this.#defaultImage : named;
    if (image !== this.#defaultImage) return image;
    this.#baseImage ??= ensureNodeBaseImage(this.#docker, { tag: image }).catch((error: unknown) => {
      this.#baseImage = undefined;
      throw error;
    });
    return this.#baseImage;
  }

  async #logs(container: Docker.Container): Promise<string[]> {
    const max = this.#options.maxLogLines ?? 200;
    const body = await container.logs({ stdout: true, stderr: true, follow: false, tail: max });
    return dockerLogLines(body)
      .map((line) => line.text)
      .slice(-max);
  }
}

/**
 * How a container run ended, from the box's ending and Docker's final state. Exported for its
 * tests (test/box/sandbox/container/run-outcome.test.ts).
 */
export function outcome(
  ending: Ending,
  state: { ExitCode: number; OOMKilled: boolean },
  limits: RunLimits,
  logs: string[],
  durationMs: number,
  reported: RunFailure | undefined,
): RunOutcome {
  // worded as the isolate runtime and runLocally word the same failure (apps-sdk/src/run-failure.ts)
  if (ending === 'timeout') return failed(timeLimitFailure(limits.timeoutMs), durationMs, logs);
  if (ending === 'cpu') return failed(cpuLimitFailure(limits.cpuMs ?? 0), durationMs, logs);
  if (ending === 'aborted') return failed(cancelledFailure(), durationMs, logs);
  if (state.OOMKilled) return failed(memoryLimitFailure(limits.memoryMb), durationMs, logs);
  // Docker misses some of the kernel's OOM kills on cgroup v2: OOMKilled stays false and the exit
  // code is 137, SIGKILL (moby/moby#38352, hashicorp/nomad#13119; seen once in this suite). The box
  // sends SIGKILL only for the endings above, so this one came from the kernel, and the kernel
  // kills inside a container for memory. The message stays the one every runtime gives for the
  // memory limit (docs/app-developers.md); the log says how sure the box is.
  if (state.ExitCode === 137) {
    const note = `box: the container was killed (SIGKILL) and Docker reported no OOM kill; the box did not kill it, so its memory limit of ${limits.memoryMb} MB is the likely reason`;
    return failed(memoryLimitFailure(limits.memoryMb), durationMs, [...logs, note]);
  }
  if (state.ExitCode === 0) return { status: 'ok', durationMs, logs };
  if (reported) return failed(reported, durationMs, logs);
  const tail = logs.slice(-10).join('\n');
  const message = `the app exited with code ${state.ExitCode}${tail ? `: ${tail.slice(-2000)}` : ''}`;
  return failed({ status: 'error', code: 'app_error', message }, durationMs, logs);
}

function failed(failure: RunFailure, durationMs: number, logs: string[]): RunOutcome {
  return { status: failure.status, error: failure.message, errorCode: failure.code, durationMs, logs };
}

/** Polls the container's CPU time and calls `over` once it passes `cpuMs`. */
async function watchCpu(
  docker: Docker,
  id: string,
  cpuMs: number,
  over: () => void,
): Promise<NodeJS.Timeout> {
  const read = await containerCpuReader(docker, id);
  let busy = false;
  return setInterval(() => {
    if (busy) return;
    busy = true;
    read()
      .then((used) => {
        if (used > cpuMs) over();
      })
      .catch(() => {}) // the container just stopped: its accounting is gone
      .finally(() => {
        busy = false;
      });
  }, CPU_POLL_MS);
}

function containerName(runId: string): string {
  const safe = runId.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 40);
  return `databox-run-${safe}-${randomBytes(3).toString('hex')}`;
}

function describeFailure(error: unknown, entry: string): string {
  const status = (error as { statusCode?: number }).statusCode;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 404 && /image/i.test(message)) {
    return `image "${entry}" is not on this box (there is no registry): build or load it locally; "databox image build [node|python]" makes the base images`;
  }
  return `could not run the container: ${message}`;
}
