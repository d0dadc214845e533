/**
 * The driver manager: a box part that runs every enabled driver instance, one runner each. On start
 * the instances start one at a time; one that fails is reported and retried with backoff while the
 * others run (zigbee2mqtt extensions, homebridge child bridges). Adding, changing or removing an
 * instance goes through here so the running set follows the stored one.
 */
import type { DriverType } from '../../drivers/driver.ts';
import type { BoxPart } from '../part.ts';
import type { Store } from '../store/store.ts';
import type { Actor } from '../store/types.ts';
import { type DriverInstance, DriverInstances } from './driver-instances.ts';
import { DriverRunner, type DriverRunnerOptions, type RunnerStatus } from './driver-runner.ts';
import { findDriverType, redactConfig } from './driver-types.ts';

export interface DriverManagerOptions extends Omit<DriverRunnerOptions, 'store' | 'log'> {
  store: Store;
  types: readonly DriverType[];
  log?: (message: string) => void;
}

/** An instance as the API shows it: config with secrets redacted, and its live status. */
export interface DriverView extends Omit<DriverInstance, 'config'> {
  config: unknown;
  status: RunnerStatus;
}

/**
 * @example
 * const drivers = new DriverManager({ store, types: DRIVER_TYPES });
 * await drivers.start(signal);
 * await drivers.add({ id: 'home', type: 'mqtt', config: { url: 'mqtt://127.0.0.1:1883' } });
 * drivers.get('home').status.state; // 'connected'
 * await drivers.stop();
 */
export class DriverManager implements BoxPart {
  readonly name = 'drivers';
  readonly instances: DriverInstances;
  readonly types: readonly DriverType[];
  readonly #options: DriverManagerOptions;
  readonly #log: (message: string) => void;
  readonly #runners = new Map<string, DriverRunner>();
  #running = false;
  #stopping: Promise<void> | undefined;

  constructor(options: DriverManagerOptions) {
    this.#options = options;
    this.types = options.types;
    this.#log = options.log ?? ((m) => console.log(m));
    this.instances = new DriverInstances(options.store, options.types);
  }

  /** Starts each enabled instance in turn; never throws for a driver's failure. */
  async start(signal: AbortSignal): Promise<void> {
    this.#running = true;
    this.#stopping = undefined;
    signal.addEventListener('abort', () => void this.stop(), { once: true });
    for (const instance of this.instances.list()) {
      if (!this.#running) break;
      if (instance.enabled) await this.#run(instance);
    }
  }

  /** Stops every runner (flushing its buffer); concurrent calls share one stop. */
  stop(): Promise<void> {
    this.#running = false;
    this.#stopping ??= (async () => {
      const runners = [...this.#runners.values()].reverse();
      this.#runners.clear();
      for (const runner of runners) await runner.stop();
    })();
    return this.#stopping;
  }

  list(): DriverView[] {
    return this.instances.list().map((i) => this.#view(i));
  }

  get(id: string): DriverView {
    return this.#view(this.instances.get(id));
  }

  /** Stores a new instance (validated against its type's schema) and starts it if enabled. */
  async add(input: unknown, actor: Actor = 'user'): Promise<DriverView> {
    const instance = this.instances.add(input, actor);
    if (instance.enabled && this.#running) await this.#run(instance);
    return this.#view(instance);
  }

  /** Changes an instance; a running one is restarted with the new config (or stopped if disabled). */
  async update(id: string, patch: unknown, actor: Actor = 'user'): Promise<DriverView> {
    const instance = this.instances.update(id, patch, actor);
    await this.#halt(id);
    if (instance.enabled && this.#running) await this.#run(instance);
    return this.#view(instance);
  }

  /** Stops and deletes an instance. Its datasources and their data stay in the store. */
  async remove(id: string, actor: Actor = 'user'): Promise<void> {
    this.instances.get(id);
    await this.#halt(id);
    this.instances.remove(id, actor);
  }

  async #run(instance: DriverInstance): Promise<void> {
    let type: DriverType;
    try {
      type = findDriverType(this.types, instance.type);
    } catch (error) {
      this.#log(`driver ${instance.id}: ${(error as Error).message}; not started`);
      return;
    }
    const runner = new DriverRunner(instance, type, {
      ...this.#options,
      store: this.#options.store,
      log: this.#log,
    });
    this.#runners.set(instance.id, runner);
    await runner.start();
  }

  async #halt(id: string): Promise<void> {
    const runner = this.#runners.get(id);
    this.#runners.delete(id);
    await runner?.stop();
  }

  #view(instance: DriverInstance): DriverView {
    const runner = this.#runners.get(instance.id);
    let status: RunnerStatus = { state: 'stopped', counters: {}, restarts: 0 };
    if (runner) status = structuredClone(runner.status);
    else if (!this.types.some((t) => t.type === instance.type))
      status = {
        ...status,
        state: 'failed',
        lastError: { at: 0, message: `unknown driver type "${instance.type}"` },
      };
    return { ...instance, config: redactConfig(instance.config), status };
  }
}
