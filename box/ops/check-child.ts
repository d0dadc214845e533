import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CheckReport } from './check.ts';

/** `bin/databox.js` from box/ops (sources) or dist/box/ops (compiled). */
export function cliShim(): string {
  for (const up of ['../../bin/databox.js', '../../../bin/databox.js']) {
    const path = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('bin/databox.js not found beside the box');
}

/**
 * Runs `databox check --json` for the daemon in a child process: a full `integrity_check` of a
 * year of readings takes seconds to minutes, and must not stall the event loop that serves
 * ingest and the dashboard. One check at a time; callers during a check share its result.
 *
 * @example
 * const checker = new CheckChild('/srv/databox');
 * const report = await checker.run();
 */
export class CheckChild {
  readonly #home: string;
  readonly #env: NodeJS.ProcessEnv;
  #running: Promise<CheckReport> | undefined;

  constructor(home: string, env: NodeJS.ProcessEnv = process.env) {
    this.#home = home;
    this.#env = env;
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  run(): Promise<CheckReport> {
    this.#running ??= this.#spawn().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  #spawn(): Promise<CheckReport> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [cliShim(), 'check', '--home', this.#home, '--json'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: this.#env,
      });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        err = (err + c).slice(-4000);
      });
      child.once('error', reject);
      child.once('exit', (code) => {
        try {
          resolve(JSON.parse(out) as CheckReport);
        } catch {
          reject(
            new Error(`databox check exited with ${code} without a report: ${err.trim().split('\n').pop()}`),
          );
        }
      });
    });
  }
}
