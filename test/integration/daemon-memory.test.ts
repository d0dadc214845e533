import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../box/cli/node-flags.ts';
import { GATEWAY_NODE_FLAGS } from '../../box/exports/gateway-process.ts';
import type { ProcessMemory } from '../../box/ops/process-memory.ts';
import { Store } from '../../box/store/store.ts';
import { REPO_ROOT } from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const DAYS = 120; // 1,036,800 readings at 10 s: more than the largest answer allowed (1,000,000)
const MiB = 1024 * 1024;
let running: ChildProcess | undefined;

afterEach(() => {
  running?.kill('SIGKILL');
  running = undefined;
});

/** `databox start` exactly as a user's shell runs it: the bin file itself, through its `#!` line. */
async function startThroughShebang(home: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(join(REPO_ROOT, 'bin/databox.js'), ['start', '--home', home, '--port', '0'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running = child;
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start in 60 s:\n${output}`)), 60_000);
    const on = (chunk: Buffer) => {
      output += chunk;
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => reject(new Error(`box exited ${code}:\n${output}`)));
  });
  return { child, url };
}

const argv = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

describe('the daemon as `databox start` launches it', () => {
  it('runs under its memory flags, and the largest read the API allows still works under the heap cap', async () => {
    const home = tempDir();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const store = Store.open(join(home, 'databox.db'));
    store.createDatasource(
      { id: 'power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    const n = (DAYS * DAY) / 10_000;
    for (let i = 0; i < n; i += 50_000) {
      const batch = Array.from({ length: Math.min(50_000, n - i) }, (_, k) => ({
        t: T0 + (i + k) * 10_000,
        v: ((i + k) * 37) % 3001,
      }));
      store.writeReadings('power', batch, 'user');
    }
    store.close();

    const box = await startThroughShebang(home);
    const pid = box.child.pid as number;
    // the kernel's view: node was started with the flags (the pid is node's: env execs it)
    expect(argv(pid).slice(1, 1 + DAEMON_NODE_FLAGS.length)).toEqual([...DAEMON_NODE_FLAGS]);
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    for (const [name, value] of Object.entries(DAEMON_ENV)) expect(environ).toContain(`${name}=${value}`);
    const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
    const get = (path: string) =>
      fetch(`${box.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    type Status = { memory: ProcessMemory; parts: Record<string, string> };
    const status = async () => (await (await get('/api/v1/status')).json()) as Status;

    // V8's view: the cap and the small young generation apply
    const before = await status();
    expect(before.memory.nodeFlags).toEqual([...DAEMON_NODE_FLAGS]);
    const cap = Number(DAEMON_NODE_FLAGS.find((f) => f.startsWith('--max-old-space-size='))?.split('=')[1]);
    expect(before.memory.heapLimit).toBeGreaterThan(cap * MiB);
    expect(before.memory.heapLimit).toBeLessThan((cap + 16) * MiB);
    expect(before.memory.newSpace).toBeLessThanOrEqual(3 * MiB);
    // the export gateway child runs under its own flags
    const gateway = /running \(pid (\d+)/.exec(before.parts['export-gateway'])?.[1];
    expect(gateway).toBeDefined();
    expect(argv(Number(gateway)).slice(1, 1 + GATEWAY_NODE_FLAGS.length)).toEqual([...GATEWAY_NODE_FLAGS]);
    expect(readFileSync(`/proc/${gateway}/environ`, 'utf8').split('\0')).toContain('MALLOC_ARENA_MAX=2');

    // the retention job packs the old days into blocks at start: wait for all of them, so the
    // read below takes the heavier path (every block decoded into objects, then serialised)
    const watch = Store.open(join(home, 'databox.db'));
    for (let i = 0; i < 1200; i++) {
      if ((watch.db.prepare('SELECT count(*) FROM blocks').pluck().get() as number) >= DAYS) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(watch.db.prepare('SELECT count(*) FROM blocks').pluck().get()).toBe(DAYS);
    watch.close();

    const range = `from=${T0}&to=${T0 + DAYS * DAY}`;
    const rows = await get(`/api/v1/datasources/power/readings?${range}&resolution=raw&limit=1000000`);
    expect(rows.status).toBe(200);
    const read = (await rows.json()) as { readings: Array<{ t: number; v: number }> };
    expect(read.readings).toHaveLength(1_000_000);
    expect(read.readings[0]).toEqual({ t: T0, v: 0 });
    expect(read.readings[999_999]).toEqual({ t: T0 + 999_999 * 10_000, v: (999_999 * 37) % 3001 });
    const cols = await get(
      `/api/v1/datasources/power/readings?${range}&resolution=raw&limit=1000000&format=columns`,
    );
    expect(cols.status).toBe(200);
    expect(((await cols.json()) as { v: number[] }).v).toHaveLength(1_000_000);

    // still the same process, still under the same cap
    const after = await status();
    expect(box.child.exitCode).toBeNull();
    expect(after.memory.heapLimit).toBe(before.memory.heapLimit);
  }, 300_000);
});
