import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, it } from 'vitest';
import { createDockerClient, describeDockerTarget, pingDocker } from '../../box/containers/docker-client.ts';
import { findInfluxd } from './influxd.ts';

/**
 * Real services for integration tests (STYLE.md: real mosquitto and Docker; in CI they must be
 * present). Each helper probes its service once per test file. When the service is missing:
 * - with `CI` set, the suite gets one test that FAILS with a message saying how to start it;
 * - otherwise the suite is skipped and a console message says why.
 * Start both services with `bash scripts/setup-services.sh` (see docs/docker.md).
 */

const START_HINT = 'start it with `sudo bash scripts/setup-services.sh` (see docs/docker.md)';
const PROBE_TIMEOUT_MS = 3_000;

/** Broker URL for tests: `MQTT_URL`, default `mqtt://127.0.0.1:1883`. */
export function mqttUrl(): string {
  return process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
}

let dockerProbe: Promise<string | undefined> | undefined;
let mosquittoProbe: Promise<string | undefined> | undefined;

/** True when the Docker engine (DOCKER_HOST or /var/run/docker.sock) answers a ping. */
export async function dockerAvailable(): Promise<boolean> {
  return (await probeDocker()) === undefined;
}

/** True when something accepts TCP connections at the host and port of {@link mqttUrl}. */
export async function mosquittoAvailable(): Promise<boolean> {
  return (await probeMosquitto()) === undefined;
}

/**
 * `describe` for tests that need the Docker engine.
 *
 * @example
 * describeWithDocker('app containers', () => {
 *   it('runs node', async () => { ... });
 * });
 */
export function describeWithDocker(name: string, fn: () => void | Promise<void>): void {
  describeWithService(name, fn, 'Docker engine', probeDocker);
}

/** `describe` for tests that need an MQTT broker at {@link mqttUrl} (mosquitto in CI). */
export function describeWithMosquitto(name: string, fn: () => void | Promise<void>): void {
  describeWithService(name, fn, 'MQTT broker (mosquitto)', probeMosquitto);
}

/** Chromium for browser tests (Debian's `chromium` package; `scripts/setup-services.sh` installs it). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `describe` for tests that drive a real browser (playwright-core with {@link CHROMIUM_PATH}). */
export function describeWithChromium(name: string, fn: () => void | Promise<void>): void {
  describeWithService(name, fn, 'Chromium browser', async () =>
    existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} does not exist (apt-get install chromium)`,
  );
}

/**
 * `describe` for tests that hold the box to a real InfluxDB 1.x (Debian's `influxdb` package;
 * `scripts/setup-services.sh` installs it). Each test file starts its own `influxd`.
 */
export function describeWithInfluxd(name: string, fn: () => void | Promise<void>): void {
  describeWithService(name, fn, 'InfluxDB 1.x (influxd)', async () =>
    findInfluxd() ? undefined : 'influxd is not on PATH (apt-get install influxdb)',
  );
}

function describeWithService(
  name: string,
  fn: () => void | Promise<void>,
  service: string,
  probe: () => Promise<string | undefined>,
): void {
  describe(name, async () => {
    const problem = await probe();
    if (problem === undefined) {
      await fn();
    } else if (process.env.CI) {
      it(`needs the ${service}`, () => {
        throw new Error(`${service} is required in CI but ${problem}; ${START_HINT}`);
      });
    } else {
      console.warn(`skipping "${name}": ${service} not available (${problem}); ${START_HINT}`);
      describe.skip(`skipped: ${service} not available`, fn);
    }
  });
}

/** Resolves to undefined when the engine answers, else to a description of what went wrong. */
function probeDocker(): Promise<string | undefined> {
  dockerProbe ??= (async () => {
    try {
      const target = describeDockerTarget();
      try {
        await pingDocker(createDockerClient({ timeout: PROBE_TIMEOUT_MS }));
        return undefined;
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause;
        return `it is not reachable at ${target} (${cause instanceof Error ? cause.message : String(error)})`;
      }
    } catch (error) {
      return error instanceof Error ? error.message : String(error); // e.g. a malformed DOCKER_HOST
    }
  })();
  return dockerProbe;
}

function probeMosquitto(): Promise<string | undefined> {
  mosquittoProbe ??= new Promise((resolve) => {
    const url = new URL(mqttUrl());
    const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    const port = Number(url.port || 1883);
    const socket = connect({ host, port });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () =>
      done(`nothing answered at ${host}:${port} within ${PROBE_TIMEOUT_MS} ms`),
    );
    socket.once('connect', () => done(undefined));
    socket.once('error', (error) =>
      done(`nothing accepts connections at ${host}:${port} (${error.message})`),
    );
  });
  return mosquittoProbe;
}
