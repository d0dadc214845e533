import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../box/cli/node-flags.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The `databox` CLI for tests to spawn: the launcher of this run's compiled sources (vitest's
 * globalSetup, compiled-box-setup.ts, builds them and sets `DATABOX_TEST_BUILD`), else
 * `bin/databox.js`, which runs the sources through tsx under vitest (`DATABOX_FROM_SOURCE=1`).
 */
export function databoxBin(): string {
  const build = process.env.DATABOX_TEST_BUILD;
  return build ? join(build, 'bin/databox.js') : join(REPO_ROOT, 'bin/databox.js');
}

/**
 * A real box daemon in a child process (`databox start`, with the node flags the bin shim's `#!`
 * line gives it) on a free port of 127.0.0.1.
 */
export interface BoxProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

export async function startBoxProcess(
  home: string,
  extraArgs: string[] = [],
  timeoutMs = 20_000,
): Promise<BoxProcess> {
  const args = [...DAEMON_NODE_FLAGS, databoxBin(), 'start', '--home', home, '--port', '0', ...extraArgs];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...DAEMON_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`box did not start in ${timeoutMs / 1000} s:\n${output}`)),
      timeoutMs,
    );
    const check = () => {
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`box exited with ${code} before it started:\n${output}`));
    });
  });
  return { child, url, output: () => output };
}

/** Stops the box with a signal and waits for it to exit; resolves with the exit code. */
export function stopBoxProcess(box: BoxProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    if (box.child.exitCode !== null || box.child.signalCode !== null) return resolve(box.child.exitCode);
    box.child.once('exit', (code) => resolve(code));
    box.child.kill(signal);
  });
}

/** Runs the `databox` CLI synchronously. */
export function runCli(
  args: string[],
  input?: string,
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [databoxBin(), ...args], {
    cwd: REPO_ROOT,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
