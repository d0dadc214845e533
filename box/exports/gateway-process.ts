import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gatewayPaths } from '../../export-gateway/paths.ts';
import { checkSqliteFile } from '../ops/sqlite-check.ts';

export interface GatewayProcessOptions {
  home: string;
  log?: (message: string) => void;
  /** Restart delays: `initialMs` doubling to `maxMs`; the count resets after a minute up. */
  restartBackoff?: { initialMs: number; maxMs: number };
  /** Environment of the child (default: the box's). */
  env?: NodeJS.ProcessEnv;
}

const STABLE_AFTER_MS = 60_000;
const STOP_GRACE_MS = 3000;

/**
 * The gateway's node flags: a 1 MiB young generation (V8's default grows to 16 MiB per semi-space
 * and stays committed) and an old-space cap far above what it holds (exports of at most
 * `SOCKET_BODY_LIMIT`, a few in flight). bench/README.md, *Daemon memory*.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--max-old-space-size=64'];

/** `export-gateway/main.ts` with tsx from sources, `main.js` from dist/ (as the isolate host does). */
export function gatewayCommand(home: string): { command: string; args: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const main = fileURLToPath(new URL(`../../export-gateway/main${ext}`, import.meta.url));
  const execArgv =
    ext === '.ts' ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  return { command: process.execPath, args: [...GATEWAY_NODE_FLAGS, ...execArgv, main, '--home', home] };
}

/**
 * Keeps one export gateway process alive for the box: spawns it, forwards its output to the log,
 * restarts it with backoff when it dies, and at start ends a gateway left over from a box that was
 * killed (its pid is kept in `<home>/gateway/box-child.pid`), so two never share the outbox.
 *
 * @example
 * const gateway = new GatewayProcess({ home });
 * gateway.start();
 * gateway.state; // 'running (pid 1234)'
 * await gateway.stop();
 */
export class GatewayProcess {
  readonly #options: GatewayProcessOptions;
  readonly #pidFile: string;
  #child: ChildProcess | undefined;
  #running = false;
  #crashes = 0;
  #restarts = 0;
  #spawnedAt = 0;
  #lastExit = '';
  /** The gateway's last `error:` line, so status says why it keeps dying, not only that it does. */
  #lastErrorLine = '';
  #timer: NodeJS.Timeout | undefined;

  constructor(options: GatewayProcessOptions) {
    this.#options = options;
    this.#pidFile = join(options.home, 'gateway', 'box-child.pid');
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** For `/api/v1/status`: `running (pid N)`, `restarting in N ms after …`, or `stopped`. */
  get state(): string {
    if (!this.#running) return 'stopped';
    if (this.#child)
      return `running (pid ${this.#child.pid}${this.#restarts ? `, ${this.#restarts} restarts` : ''})`;
    return `restarting after ${this.#lastExit}${this.#lastErrorLine ? ` (${this.#lastErrorLine})` : ''}`;
  }

  start(): void {
    mkdirSync(join(this.#options.home, 'gateway'), { recursive: true, mode: 0o700 });
    this.#endLeftover();
    this.#running = true;
    this.#spawn();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(force);
    rmSync(this.#pidFile, { force: true });
  }

  /** Kills the current gateway (tests: a crash must be followed by a restart). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.#child?.kill(signal);
  }

  #spawn(): void {
    const { command, args } = gatewayCommand(this.#options.home);
    const child = spawn(command, args, {
      // the IPC channel closes when the box dies, even by SIGKILL: the gateway then stops by itself
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // two malloc arenas, as the daemon's #! line sets for itself (a setting given wins)
      env: { MALLOC_ARENA_MAX: '2', ...(this.#options.env ?? process.env) },
    });
    this.#child = child;
    this.#spawnedAt = Date.now();
    if (child.pid) writeFileSync(this.#pidFile, `${child.pid}\n`, { mode: 0o600 });
    const log = this.#options.log ?? (() => {});
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) {
          if (!line.trim()) continue;
          if (/\berror: /.test(line)) this.#lastErrorLine = line.replace(/^\[gateway\] /, '').slice(0, 500);
          log(`export-gateway: ${line}`);
        }
      });
    }
    // spawn failures are followed by 'exit'; the error itself must not crash the box
    child.on('error', (error) => log(`export-gateway: ${error.message}`));
    child.on('exit', (code, signal) => this.#onExit(child, code, signal));
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#lastExit = signal ? `signal ${signal}` : `exit code ${code}`;
    if (!this.#running) return;
    if (code !== 0) {
      // the outbox may have been damaged while it ran: name it rather than only the exit code
      const outbox = gatewayPaths(this.#options.home).db;
      const check = existsSync(outbox) ? checkSqliteFile(outbox, 'quick') : undefined;
      if (check && !check.ok) this.#lastErrorLine = `${outbox} is damaged: ${check.problems.join('; ')}`;
    }
    if (Date.now() - this.#spawnedAt > STABLE_AFTER_MS) this.#crashes = 0;
    const { initialMs, maxMs } = this.#options.restartBackoff ?? { initialMs: 500, maxMs: 30_000 };
    const delay = Math.min(maxMs, initialMs * 2 ** this.#crashes);
    this.#crashes++;
    this.#options.log?.(`databox: the export gateway stopped (${this.#lastExit}); restarting in ${delay} ms`);
    this.#timer = setTimeout(() => {
      if (!this.#running) return;
      this.#restarts++;
      this.#spawn();
    }, delay);
  }

  /** Ends a gateway a killed box left running (only if that pid is still an export gateway). */
  #endLeftover(): void {
    if (!existsSync(this.#pidFile)) return;
    const pid = Number(readFileSync(this.#pidFile, 'utf8').trim());
    rmSync(this.#pidFile, { force: true });
    if (!Number.isSafeInteger(pid) || pid <= 1) return;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return; // gone already (or no /proc: nothing we can check safely)
    }
    if (!cmdline.includes('export-gateway') || !cmdline.includes(this.#options.home)) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
    const until = Date.now() + STOP_GRACE_MS;
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    while (Date.now() < until && alive(pid)) Atomics.wait(sleeper, 0, 0, 20);
  }
}

/** True while `pid` runs (a zombie waiting to be reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}
