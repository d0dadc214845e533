/**
 * A compiled box in a child process for bench/scale.ts: started from a `dist/` folder as
 * `databox start` runs it, timed to ready, with keep-alive HTTP calls, a signed-in session for
 * the dashboard, and the on-disk size of its store per table (dbstat).
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { spawnBox } from './box-http.ts';

export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** HTTP over its own keep-alive sockets (`sockets` concurrent clients). */
export class Client {
  readonly #agent: Agent;
  constructor(sockets: number) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  call(url: string, method = 'GET', body?: Buffer | string, headers: Record<string, string> = {}) {
    return new Promise<Answer>((resolve, reject) => {
      const req = request(url, { method, agent: this.#agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

export interface RunningBox {
  child: ChildProcess;
  url: string;
  auth: Record<string, string>;
  /** ms from spawn to "running at" */
  readyMs: number;
  /** `performance.now()` at spawn */
  spawnedAt: number;
  output: () => string;
  /** Resolves when the box's output matches `pattern` (also matching output already seen). */
  waitFor: (pattern: RegExp, timeoutMs: number) => Promise<RegExpExecArray>;
}

/** Starts `node <dist>/box/cli/main.js start --home <home> --port 0` and waits for it to be ready. */
export async function startBox(home: string, dist: string): Promise<RunningBox> {
  const started = performance.now();
  // as `databox start` runs it: the daemon's heap cap and malloc setting (bench/support/box-http.ts)
  const child = spawnBox(home, dist);
  let output = '';
  const listeners = new Set<() => void>();
  const on = (chunk: Buffer) => {
    output += chunk;
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
    for (const l of listeners) l();
  };
  child.stdout?.on('data', on);
  child.stderr?.on('data', on);
  const waitFor = (pattern: RegExp, timeoutMs: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const done = () => {
        listeners.delete(check);
        clearTimeout(timer);
        child.off('exit', exited);
      };
      const check = () => {
        const match = pattern.exec(output);
        if (match) {
          done();
          resolve(match);
        }
      };
      const exited = (code: number | null) => {
        done();
        reject(new Error(`the box exited (${code}) before ${pattern}:\n${output.slice(-3000)}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${pattern} in ${timeoutMs / 1000} s:\n${output.slice(-3000)}`));
      }, timeoutMs);
      listeners.add(check);
      child.once('exit', exited);
      check();
    });
  const url = (await waitFor(/running at (http:\/\/\S+)/, 600_000))[1];
  const readyMs = performance.now() - started;
  const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  return {
    child,
    url,
    auth: { authorization: `Bearer ${token}` },
    readyMs,
    spawnedAt: started,
    output: () => output,
    waitFor,
  };
}

export function stopBox(box: RunningBox): Promise<void> {
  return new Promise((resolve) => {
    if (box.child.exitCode !== null || box.child.signalCode !== null) return resolve();
    box.child.once('exit', () => resolve());
    box.child.kill('SIGTERM');
  });
}

/** Runs the compiled CLI (as bin/databox.js runs it, from `dist`); with its wall time in ms. */
export function runCli(dist: string, args: string[], input?: string) {
  const script = `const { main } = await import(${JSON.stringify(join(dist, 'box/cli/main.js'))}); process.exitCode = await main(process.argv.slice(1));`;
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    ms: performance.now() - started,
  };
}

/** Signs in to the dashboard with the password; the session cookie. */
export async function signIn(client: Client, url: string, password: string): Promise<string> {
  const form = await client.call(`${url}/signin`);
  const cookie = String(form.headers['set-cookie'] ?? '');
  const pre = /databox_pre=([^;]+)/.exec(cookie)?.[1] ?? '';
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  const res = await client.call(
    `${url}/signin`,
    'POST',
    new URLSearchParams({ _csrf: csrf, password }).toString(),
    { cookie: `databox_pre=${pre}`, origin: url, 'content-type': 'application/x-www-form-urlencoded' },
  );
  const session = /databox_session=([^;]+)/.exec(String(res.headers['set-cookie'] ?? ''))?.[1];
  if (!session) throw new Error(`sign-in failed: ${res.status} ${res.body.slice(0, 200)}`);
  return session;
}

/** Bytes of databox.db and its WAL. */
export function fileBytes(home: string): { db: number; wal: number } {
  const size = (f: string) => (existsSync(join(home, f)) ? statSync(join(home, f)).size : 0);
  return { db: size('databox.db'), wal: size('databox.db-wal') };
}

/** Bytes per table and index (dbstat: pages in use), and the free pages, of a stopped box's store. */
export function tableBytes(home: string): { tables: Record<string, number>; free: number } {
  const db = new Database(join(home, 'databox.db'), { readonly: true });
  try {
    const rows = db
      .prepare<[], { name: string; bytes: number }>(
        'SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name',
      )
      .all();
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const free = (db.pragma('freelist_count', { simple: true }) as number) * pageSize;
    return { tables: Object.fromEntries(rows.map((r) => [r.name, r.bytes])), free };
  } finally {
    db.close();
  }
}
