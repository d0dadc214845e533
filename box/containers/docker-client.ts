import Docker from 'dockerode';
import { DataboxError } from '../errors.ts';

/** Where the box looks for the Docker engine when neither an option nor `DOCKER_HOST` names one. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface DockerClientOptions {
  /** Unix socket of the engine; wins over `DOCKER_HOST`. */
  socketPath?: string;
  /** Environment to read `DOCKER_HOST` from (defaults to `process.env`; injectable for tests). */
  env?: NodeJS.ProcessEnv;
  /** Per-request timeout in milliseconds (none by default: image imports and `wait` take long). */
  timeout?: number;
}

/**
 * Creates a dockerode client. Precedence: `socketPath` option, then `DOCKER_HOST`
 * (`unix:///path` or `tcp://host:port`), then `/var/run/docker.sock`. Does no I/O; call
 * {@link pingDocker} to find out whether the engine answers.
 *
 * @example
 * const docker = createDockerClient();
 * await pingDocker(docker); // throws a DataboxError naming the socket when the engine is down
 */
export function createDockerClient(options: DockerClientOptions = {}): Docker {
  const target = dockerTarget(options);
  const timeout = options.timeout === undefined ? {} : { timeout: options.timeout };
  if (target.socketPath !== undefined) return new Docker({ socketPath: target.socketPath, ...timeout });
  return new Docker({ host: target.host, port: target.port, protocol: 'http', ...timeout });
}

/** Human-readable address of the engine a client built with `options` would talk to. */
export function describeDockerTarget(options: DockerClientOptions = {}): string {
  const target = dockerTarget(options);
  return target.socketPath !== undefined
    ? `unix://${target.socketPath}`
    : `tcp://${target.host}:${target.port}`;
}

/** Address a dockerode client is configured with (its `modem`), for error messages. */
export function clientAddress(docker: Docker): string {
  const modem = (docker as unknown as { modem?: { socketPath?: unknown; host?: unknown; port?: unknown } })
    .modem;
  if (typeof modem?.socketPath === 'string') return `unix://${modem.socketPath}`;
  if (typeof modem?.host === 'string') return `tcp://${modem.host}:${String(modem.port ?? '')}`;
  return 'the configured Docker address';
}

/**
 * Checks that the engine answers `GET /_ping`. Throws a `DataboxError` (503, `docker_unreachable`)
 * that says where it looked and how to start the engine; the original error is its `cause`.
 *
 * @example
 * await pingDocker(createDockerClient({ socketPath: '/run/user/1000/docker.sock' }));
 */
export async function pingDocker(docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DataboxError(
      503,
      'docker_unreachable',
      `Docker engine is not reachable at ${clientAddress(docker)} (${reason}); start it with scripts/setup-services.sh`,
      { cause },
    );
  }
}

type DockerTarget =
  | { socketPath: string; host?: undefined; port?: undefined }
  | {
      socketPath?: undefined;
      host: string;
      port: number;
    };

function dockerTarget(options: DockerClientOptions): DockerTarget {
  if (options.socketPath !== undefined) return { socketPath: options.socketPath };
  const dockerHost = (options.env ?? process.env).DOCKER_HOST?.trim();
  if (!dockerHost) return { socketPath: DEFAULT_DOCKER_SOCKET };
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost.startsWith('/')) return { socketPath: dockerHost };
  const match = /^(?:tcp|http):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(dockerHost);
  if (match) return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2] ?? 2375) };
  throw new DataboxError(
    400,
    'bad_docker_host',
    `DOCKER_HOST "${dockerHost}" is not supported: use unix:///path/to/docker.sock or tcp://host:port`,
  );
}
