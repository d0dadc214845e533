import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS, GatewayProcess, gatewayCommand } from '../../../box/exports/gateway-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();

/** A stand-in for a gateway a killed box left behind: its command line names export-gateway and the home. */
function leftover(home: string) {
  const child = spawn(
    process.execPath,
    ['-e', 'setInterval(() => {}, 1000)', 'export-gateway/main.ts', '--home', home],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  return { child, exited };
}

describe('the export gateway process', () => {
  it.each([0, 300])(
    'exits when the box lets go of it %i ms after starting it, before it listens for that',
    async (delay) => {
      const home = tempDir();
      const { command, args } = gatewayCommand(home);
      const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      const exited = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 15_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      try {
        await new Promise((r) => setTimeout(r, delay));
        child.disconnect();
        expect(await exited, 'the gateway still runs 15 s after the box let go').toBe(true);
      } finally {
        child.kill('SIGKILL');
      }
    },
    30_000,
  );
});

describe('GatewayProcess', () => {
  it('runs export-gateway/main with its memory flags and tsx from sources, with the home', () => {
    const { command, args } = gatewayCommand('/srv/home');
    expect(command).toBe(process.execPath);
    const flags = GATEWAY_NODE_FLAGS.length;
    expect(args.slice(0, flags)).toEqual([...GATEWAY_NODE_FLAGS]);
    expect(flags).toBeGreaterThan(0);
    expect(args[flags]).toBe('--import');
    expect(args[flags + 1]).toMatch(/tsx/);
    expect(args.slice(flags + 2)).toEqual([
      expect.stringMatching(/export-gateway\/main\.ts$/),
      '--home',
      '/srv/home',
    ]);
  });

  it('ends a gateway left over from a killed box before starting its own, and records its own pid', async () => {
    const home = tempDir();
    mkdirSync(join(home, 'gateway'));
    const old = leftover(home);
    writeFileSync(join(home, 'gateway', 'box-child.pid'), `${old.child.pid}\n`);
    const gateway = new GatewayProcess({ home });
    gateway.start();
    try {
      expect(await old.exited).toBe('SIGKILL');
      expect(readFileSync(join(home, 'gateway', 'box-child.pid'), 'utf8').trim()).toBe(String(gateway.pid));
    } finally {
      await gateway.stop();
    }
    expect(gateway.state).toBe('stopped');
    expect(existsSync(join(home, 'gateway', 'box-child.pid'))).toBe(false);
  });

  it('leaves alone a process in the pid file that is not this home’s gateway', async () => {
    const home = tempDir();
    mkdirSync(join(home, 'gateway'));
    const other = leftover('/some/other/home');
    writeFileSync(join(home, 'gateway', 'box-child.pid'), `${other.child.pid}\n`);
    const gateway = new GatewayProcess({ home });
    gateway.start();
    await gateway.stop();
    expect(other.child.exitCode).toBeNull();
    expect(other.child.signalCode).toBeNull();
    other.child.kill('SIGTERM');
    expect(await other.exited).toBe('SIGTERM');
  });
});
