/**
 * Runs one driver instance and keeps it running: a start that throws, or a driver that calls
 * `ctx.fail`, is reported as `failed` in its status and retried after an exponential, jittered
 * delay (1 s → 60 s). Each attempt gets a fresh driver object and context, so nothing of a broken
 * attempt leaks into the next; the status (counters, last reading, last error) carries over.
 */
import type { Driver, DriverStatus, DriverType } from '../../drivers/driver.ts';
import type { Store } from '../store/store.ts';
import { type BackoffOptions, backoffDelay } from './backoff.ts';
import { BufferedDriverContext, type FlushOptions } from './driver-context.ts';
import { type DriverInstance, validateDriverConfig } from './driver-instances.ts';

/** The status the API shows: the driver's own plus the runner's restart bookkeeping. */
export interface RunnerStatus extends DriverStatus {
  /** Failed attempts since the driver last ran for a while. */
  restarts: number;
  /** When the next attempt is due (ms), while waiting to restart. */
  nextAttemptAt?: number;
}

export interface DriverRunnerOptions extends FlushOptions {
  store: Store;
  log: (message: string) => void;
  backoff?: BackoffOptions;
  /** A start that has not finished by then counts as failed; default 30 s. */
  startTimeoutMs?: number;
  clock?: () => number;
}

/**
 * @example
 * const runner = new DriverRunner(instance, mqttDriverType, { store, log: console.log });
 * await runner.start();   // never throws: a failure is in runner.status and retried
 * await runner.stop();
 */
export class DriverRunner {
  readonly instance: DriverInstance;
  readonly status: RunnerStatus = { state: 'stopped', counters: {}, restarts: 0 };
  readonly #type: DriverType;
  readonly #options: DriverRunnerOptions;
  readonly #clock: () => number;
  #driver: Driver | undefined;
  #ctx: BufferedDriverContext | undefined;
  #abort: AbortController | undefined;
  #retry: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #stopped = true;
  /** Serialises start/stop/restart so they never overlap. */
  #queue: Promise<void> = Promise.resolve();

  constructor(instance: DriverInstance, type: DriverType, options: DriverRunnerOptions) {
    this.instance = instance;
    this.#type = type;
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** Starts the driver; resolves after the first attempt, whatever its outcome. */
  start(): Promise<void> {
    this.#stopped = false;
    return this.#serial(() => this.#attempt());
  }

  /** Stops the driver (and any pending restart), storing what its context still buffers. */
  stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = undefined;
    return this.#serial(async () => {
      await this.#teardown();
      this.status.state = 'stopped';
      delete this.status.nextAttemptAt;
    });
  }

  #serial(fn: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => {});
    return next;
  }

  async #attempt(): Promise<void> {
    if (this.#stopped) return;
    delete this.status.nextAttemptAt;
    this.status.state = 'starting';
    const abort = new AbortController();
    const ctx = new BufferedDriverContext({
      ...this.#options,
      instanceId: this.instance.id,
      status: this.status,
      onFail: (error) => this.#failedLater(ctx, error),
    });
    this.#abort = abort;
    this.#ctx = ctx;
    try {
      const config = validateDriverConfig(this.#type, this.instance.config);
      this.#driver = this.#type.create(config);
      await withTimeout(
        this.#driver.start(ctx, abort.signal),
        this.#options.startTimeoutMs ?? 30_000,
        'did not finish starting',
      );
      this.#startedAt = this.#clock();
      if (this.status.state === 'starting') this.status.state = 'connected';
      this.#options.log(`driver ${this.instance.id} (${this.#type.type}) started`);
    } catch (error) {
      await this.#failed(error);
    }
  }

  /** A failure reported by a running driver: restart it unless it is being stopped anyway. */
  #failedLater(ctx: BufferedDriverContext, error: unknown): void {
    if (this.#stopped || ctx !== this.#ctx) return;
    void this.#serial(async () => {
      if (this.#stopped || ctx !== this.#ctx) return;
      // a driver that ran for a full backoff cap was healthy: start counting again
      if (this.#clock() - this.#startedAt >= (this.#options.backoff?.maxMs ?? 60_000))
        this.status.restarts = 0;
      await this.#failed(error);
    });
  }

  async #failed(error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    await this.#teardown();
    this.status.state = 'failed';
    this.status.lastError = { at: this.#clock(), message };
    if (this.#stopped) return;
    const delay = backoffDelay(this.status.restarts, this.#options.backoff);
    this.status.restarts++;
    this.status.nextAttemptAt = this.#clock() + delay;
    this.#options.log(
      `driver ${this.instance.id} (${this.#type.type}) failed: ${message}; retrying in ${Math.round(delay / 100) / 10} s`,
    );
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#serial(() => this.#attempt());
    }, delay);
  }

  async #teardown(): Promise<void> {
    const driver = this.#driver;
    const ctx = this.#ctx;
    this.#abort?.abort();
    this.#driver = undefined;
    this.#ctx = undefined;
    this.#abort = undefined;
    try {
      await driver?.stop();
    } catch (error) {
      this.#options.log(`driver ${this.instance.id}: stop failed: ${(error as Error).message}`);
    }
    await ctx?.close();
  }
}

async function withTimeout(promise: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
