import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../helpers/box-process.ts';

// The isolate host must never outlive the box. A box that dies (or lets go of the host) while
// the host is still loading its modules closes the IPC channel before the host listens for
// 'disconnect'; a host that only waited for that event then ran on for good, its heartbeat timer
// keeping it alive (orphans of parent 1 were seen after test runs).
const HOST = join(REPO_ROOT, 'box/sandbox/isolate/isolate-host-child.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function exited(child: ReturnType<typeof fork>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe('isolate host lifetime', () => {
  it.each([0, 150, 400])(
    'exits when the box lets go of it %i ms after starting it, before or while it loads',
    async (delay) => {
      const child = fork(HOST, ['200'], {
        execArgv: ['--no-node-snapshot', '--no-expose-wasm', '--import', TSX],
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      });
      try {
        await new Promise((r) => setTimeout(r, delay));
        child.disconnect();
        expect(await exited(child, 15_000), 'the host still runs 15 s after the box let go').toBe(true);
      } finally {
        child.kill('SIGKILL');
      }
    },
    30_000,
  );
});
