import type { z } from 'zod';
import type { DatasourceSpec, Reading } from '../box/store/types.ts';

/** What a driver reports about itself; shown by `databox driver list` and the dashboard. */
export interface DriverStatus {
  state: 'starting' | 'connected' | 'disconnected' | 'failed' | 'stopped';
  /** When the last reading or event was stored (ms), if ever. */
  lastReadingAt?: number;
  lastError?: { at: number; message: string };
  /** Named counters, e.g. `messages`, `malformed`, `crcErrors`, `unknownTopics`, `ignoredTopics`. */
  counters: Record<string, number>;
}

/**
 * What the box hands a running driver. Writes are buffered and flushed in one transaction
 * (every 250 ms or 5,000 readings); the promise a write returns resolves once its data is durably
 * stored, so a driver can acknowledge upstream (e.g. an MQTT QoS 1 PUBACK) only then.
 *
 * @example
 * await ctx.registerDatasource({ id: 'p1.electricity.import.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' });
 * await ctx.write('p1.electricity.import.power', [{ t: Date.now(), v: 244 }]);
 * ctx.setConnected(true);
 */
export interface DriverContext {
  /** The driver instance's id, e.g. `mqtt-home`; its audit actor is `driver:<id>`. */
  readonly instanceId: string;
  /** Creates the datasource if missing (its `driver` field is set to this instance). */
  registerDatasource(spec: DatasourceSpec): void;
  /** Queues readings; resolves when they are stored, rejects if the store refused them. */
  write(sourceId: string, readings: Reading[]): Promise<void>;
  /** Stores JSON events for an `event` datasource (resolves when stored). */
  writeEvents(sourceId: string, events: Array<{ t: number; data: unknown }>): Promise<void>;
  setConnected(connected: boolean): void;
  /** Records an error in the status (does not stop the driver). */
  reportError(error: unknown): void;
  /** Adds to a named status counter. */
  count(name: string, by?: number): void;
  log(message: string): void;
  now(): number;
  /**
   * Writes the buffer now instead of at the next tick of the flush timer; resolves when it is
   * stored. For drivers whose upstream waits for acknowledgements (an MQTT broker sends at most
   * ~20 unacknowledged QoS 1 messages). Optional so that test doubles need not provide it.
   */
  flush?(): Promise<void>;
  /**
   * Tells the box the driver cannot go on (e.g. its storage writes keep failing): the manager
   * stops it, reports `failed` and starts it again with backoff. Optional for test doubles.
   */
  fail?(error: unknown): void;
}

/**
 * A driver: no I/O in the constructor; `start` connects and resolves once running (or throws);
 * it must keep running by itself (reconnect with backoff) until `stop` or the signal aborts.
 *
 * @example
 * class MyDriver implements Driver {
 *   async start(ctx: DriverContext, signal: AbortSignal) { ... }
 *   async stop() { ... }
 * }
 */
export interface Driver {
  start(ctx: DriverContext, signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A kind of driver the box can run: its config is validated with `configSchema` when an
 * instance is added (every error listed as `path: message`) and again at each start.
 *
 * @example
 * export const simulatorDriverType: DriverType<SimConfig> = {
 *   type: 'simulator',
 *   description: 'A synthetic household',
 *   configSchema: simConfigSchema,
 *   create: (config) => new SimulatorDriver(config),
 * };
 */
export interface DriverType<C = unknown> {
  /** e.g. `mqtt`, `dsmr`, `simulator`. */
  type: string;
  description: string;
  configSchema: z.ZodType<C>;
  create(config: C): Driver;
}
