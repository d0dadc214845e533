/**
 * The HTTP side of bench/store-http.ts: one keep-alive client, timed reads, starting the compiled
 * box and the bare server, and reading a process's RSS and its children's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../box/cli/node-flags.ts';
import { median } from '../table.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

export interface Answer {
  status: number;
  /** The body as text ('' when asked for bytes). */
  body: string;
  /** The body as bytes, when asked for them (a binary answer is not decoded). */
  bytes?: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export function call(
  url: string,
  method: string,
  body?: Buffer,
  headers: Record<string, string> = {},
  binary = false,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          body: binary ? '' : bytes.toString('utf8'),
          ...(binary ? { bytes } : {}),
          headers: res.headers,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts every body in order, one at a time; points per second. */
export async function ingest(
  url: string,
  bodies: Buffer[],
  points: number,
  headers: Record<string, string>,
  ok: number,
) {
  const start = performance.now();
  for (const body of bodies) {
    const res = await call(url, 'POST', body, headers);
    if (res.status !== ok) throw new Error(`${url}: ${res.status} ${res.body.slice(0, 300)}`);
  }
  return points / ((performance.now() - start) / 1000);
}

/** Median time of `runs` warm reads (after one untimed read); the last answer. */
export async function timedReads(url: string, headers: Record<string, string>, runs = 5, binary = false) {
  let last = await call(url, 'GET', undefined, headers, binary); // warm, as a box someone looks at would be
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const res = await call(url, 'GET', undefined, headers, binary);
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.body.slice(0, 300)}`);
    last = res;
    times.push(performance.now() - start);
  }
  return { ms: median(times), body: last.body, bytes: last.bytes, headers: last.headers };
}

/**
 * Like {@link timedReads} for several reads taken in turns (one of each per round), so a load
 * that comes and goes on the machine falls on all of them alike. One untimed read of each first.
 */
export async function interleavedReads(
  targets: ReadonlyArray<{ url: string; headers: Record<string, string>; binary?: boolean }>,
  runs = 5,
) {
  const last: Answer[] = [];
  for (const t of targets) last.push(await call(t.url, 'GET', undefined, t.headers, t.binary));
  const times: number[][] = targets.map(() => []);
  for (let i = 0; i < runs; i++)
    for (const [k, t] of targets.entries()) {
      const start = performance.now();
      const res = await call(t.url, 'GET', undefined, t.headers, t.binary);
      times[k].push(performance.now() - start);
      if (res.status !== 200) throw new Error(`${t.url}: ${res.status} ${res.body.slice(0, 300)}`);
      last[k] = res;
    }
  return targets.map((_, k) => ({ ms: median(times[k]), ...last[k] }));
}

export function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

export function children(pid: number): Array<{ pid: number; name: string; rss: number }> {
  const list = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  if (list === '') return [];
  return list.split(/\s+/).map((p) => {
    const child = Number(p);
    const cmd = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ');
    const name = cmd.includes('export-gateway')
      ? 'export gateway'
      : cmd.includes('isolate')
        ? 'isolate host'
        : cmd.slice(0, 60);
    return { pid: child, name, rss: rssMiB(child) };
  });
}

export function dirBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.startsWith('databox.db'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

export function waitFor(child: ChildProcess, pattern: RegExp): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in 60 s:\n${output}`)), 60_000);
    const on = (chunk: Buffer) => {
      output += chunk;
      const match = pattern.exec(output);
      if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}:\n${output}`));
    });
  });
}

export const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

/**
 * Spawns the compiled box (`<dist>/box/cli/main.js start`) on `home`, as `databox start` runs it:
 * the daemon's node flags (or `flags`) and malloc setting.
 */
export function spawnBox(
  home: string,
  dist = join(ROOT, 'dist'),
  flags: readonly string[] = DAEMON_NODE_FLAGS,
) {
  const script = `const { main } = await import(${JSON.stringify(join(dist, 'box/cli/main.js'))}); process.exitCode = await main(process.argv.slice(1));`;
  return spawn(
    process.execPath,
    [...flags, '--input-type=module', '-e', script, 'start', '--home', home, '--port', '0'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...DAEMON_ENV },
    },
  );
}

export async function startBox(home: string, dist = join(ROOT, 'dist')) {
  const child = spawnBox(home, dist);
  const url = await waitFor(child, /running at (http:\/\/\S+)/);
  const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  return { child, url, auth: { authorization: `Bearer ${token}` } };
}

/** The bare server (bench/support/bare-server.ts) on `db`, new or kept from an earlier run. */
export async function startBare(db: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/support/bare-server.ts'), db], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await waitFor(child, /listening (\d+)\n/);
  return { child, url: `http://127.0.0.1:${port}` };
}
