import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BoxConfig } from '../config/config-schema.ts';
import type { BoxPart } from '../part.ts';
import { BACKUP_PATTERN } from './backup.ts';
import { cliShim } from './check-child.ts';

/**
 * Scheduled backups from config (`backup.dir`, a key, `intervalHours`, `keep`): runs
 * `databox backup --home <home>` in a child process (the copy and the encryption take seconds to
 * minutes and must not stall the daemon), which reads the same config, rotates and audits.
 * The next backup is due `intervalHours` after the newest one in the folder.
 *
 * @example
 * await new BackupSchedule(home, config.backup, console.log).start(signal);
 */
export class BackupSchedule implements BoxPart {
  readonly name = 'backup-schedule';
  readonly #home: string;
  readonly #config: BoxConfig['backup'];
  readonly #log: (message: string) => void;
  #timer: NodeJS.Timeout | undefined;
  #state = 'idle';
  #running = false;

  constructor(home: string, config: BoxConfig['backup'], log: (message: string) => void) {
    this.#home = home;
    this.#config = config;
    this.#log = log;
  }

  get state(): string {
    return this.#state;
  }

  /** Whether config asks for scheduled backups at all. */
  get enabled(): boolean {
    const c = this.#config;
    return Boolean(
      c.dir && c.intervalHours > 0 && (c.recipients.length > 0 || c.recipientsFile || c.passphraseFile),
    );
  }

  async start(_signal: AbortSignal): Promise<void> {
    this.#running = true;
    if (!this.enabled) {
      this.#state = 'off (set backup.dir and backup.recipients in config.json)';
      return;
    }
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (!this.#running) return;
    const interval = this.#config.intervalHours * 3_600_000;
    const newest = this.#newest();
    const due = newest === undefined ? Date.now() + 10_000 : newest + interval;
    const delay = Math.min(Math.max(0, due - Date.now()), 2 ** 31 - 1);
    if (!this.#state.startsWith('last') && !this.#state.startsWith('failed'))
      this.#state = `next backup ${new Date(Date.now() + delay).toISOString()}`;
    this.#timer = setTimeout(() => void this.#run(), delay);
    this.#timer.unref();
  }

  #newest(): number | undefined {
    const dir = this.#config.dir as string;
    if (!existsSync(dir)) return undefined;
    const times = readdirSync(dir)
      .filter((n) => BACKUP_PATTERN.test(n))
      .map((n) => statSync(join(dir, n)).mtimeMs);
    return times.length ? Math.max(...times) : undefined;
  }

  #run(): Promise<void> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [cliShim(), 'backup', '--home', this.#home], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        out += c;
      });
      child.once('exit', (code) => {
        const last = out.trim().split('\n').filter(Boolean);
        const line =
          (code === 0 ? last.find((l) => l.startsWith('backup written')) : last.at(-1)) ??
          `exit code ${code}`;
        this.#state = code === 0 ? `last: ${line}` : `failed ${new Date().toISOString()}: ${line}`;
        this.#log(code === 0 ? `databox: ${line}` : `databox: scheduled backup failed: ${line}`);
        resolve();
        // a failure is retried in an hour, not at the next interval
        if (code === 0) this.#schedule();
        else if (this.#running) this.#timer = setTimeout(() => void this.#run(), 3_600_000).unref();
      });
    });
  }
}
