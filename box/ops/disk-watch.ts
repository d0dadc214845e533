import type { BoxPaths } from '../config/paths.ts';
import type { BoxPart } from '../part.ts';
import { type DiskSpace, diskSpace } from './disk-space.ts';

/**
 * Looks at the data folder's free space every minute and warns in the log when it becomes low
 * (below `store.lowDiskMB`) or full, and when it is back. Status and the dashboard read the same
 * figures ({@link diskSpace}) at each request.
 *
 * @example
 * await new DiskWatch(paths, 256, console.log).start(signal);
 */
export class DiskWatch implements BoxPart {
  readonly name = 'disk-watch';
  readonly #paths: BoxPaths;
  readonly #lowDiskMB: number;
  readonly #log: (message: string) => void;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #level: DiskSpace['level'] = 'ok';

  constructor(paths: BoxPaths, lowDiskMB: number, log: (message: string) => void, intervalMs = 60_000) {
    this.#paths = paths;
    this.#lowDiskMB = lowDiskMB;
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  /** `ok`, `low` or `full` at the last look. */
  get state(): string {
    return this.#level === 'ok' ? 'running' : `running; disk ${this.#level}`;
  }

  async start(_signal: AbortSignal): Promise<void> {
    this.#look();
    this.#timer = setInterval(() => this.#look(), this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
  }

  #look(): void {
    const disk = diskSpace(this.#paths, this.#lowDiskMB);
    if (disk.level === this.#level) return;
    this.#log(
      disk.level === 'ok'
        ? `databox: disk space is back: ${disk.summary}`
        : `databox: warning: ${disk.summary}`,
    );
    this.#level = disk.level;
  }
}
