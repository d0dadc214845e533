/**
 * The box's side of {@link DriverContext}: datasources are created on first use, writes are
 * buffered and stored together (`store.writeMany` plus events, one transaction) every 250 ms or at
 * 5,000 buffered readings, and each write's promise settles once its batch has committed. A batch
 * the store refuses is retried write by write, so one bad write rejects only itself; each refusal
 * is recorded in the driver's status. While the disk is full, batches are held in memory (up to
 * `maxHeldReadings`) and retried every 2 s, in order; their promises settle once stored, so a
 * driver that acknowledges after storing (MQTT QoS 1) acknowledges nothing it has not stored.
 */
import type { DriverContext, DriverStatus } from '../../drivers/driver.ts';
import { formatError } from '../errors.ts';
import { InsufficientStorageError, isDiskFull } from '../ops/disk-space.ts';
import type { Store } from '../store/store.ts';
import type { DatasourceSpec, Reading } from '../store/types.ts';

export interface FlushOptions {
  /** Longest time a write waits in the buffer; default 250 ms. */
  flushIntervalMs?: number;
  /** Buffered readings (and events) that trigger a flush at once; default 5,000. */
  flushMaxReadings?: number;
  /** Readings held while the disk is full before new writes are refused; default 100,000. */
  maxHeldReadings?: number;
  /** How often held batches are retried while the disk is full; default 2,000 ms. */
  diskFullRetryMs?: number;
}

export interface BufferedDriverContextOptions extends FlushOptions {
  instanceId: string;
  store: Store;
  /** The status object this context updates (owned by the driver's runner). */
  status: DriverStatus;
  log: (message: string) => void;
  /** Called when the driver calls `ctx.fail(error)`. */
  onFail?: (error: unknown) => void;
  clock?: () => number;
}

interface PendingWrite {
  sourceId: string;
  readings?: Reading[];
  events?: Array<{ t: number; data: unknown }>;
}

/**
 * The writes one flush stores together. One promise per batch (settled with the writes the store
 * refused) rather than one per write: at MQTT rates the per-write promises and their closures were
 * a measurable share of the driver's time.
 */
interface Batch {
  writes: PendingWrite[];
  /** Readings and events in it. */
  size: number;
  settled: Promise<Map<PendingWrite, unknown>>;
  settle: (failures: Map<PendingWrite, unknown>) => void;
}

function newBatch(): Batch {
  let settle!: Batch['settle'];
  const settled = new Promise<Map<PendingWrite, unknown>>((resolve) => {
    settle = resolve;
  });
  return { writes: [], size: 0, settled, settle };
}

/**
 * @example
 * const ctx = new BufferedDriverContext({ instanceId: 'mqtt', store, status, log: console.log });
 * ctx.registerDatasource({ id: 'kitchen.temperature', kind: 'temperature', unit: '°C', valueType: 'gauge' });
 * await ctx.write('kitchen.temperature', [{ t: Date.now(), v: 21.5 }]); // stored when this resolves
 * await ctx.close();
 */
export class BufferedDriverContext implements DriverContext {
  readonly instanceId: string;
  readonly #actor: string;
  readonly #store: Store;
  readonly #status: DriverStatus;
  readonly #log: (message: string) => void;
  readonly #onFail: ((error: unknown) => void) | undefined;
  readonly #clock: () => number;
  readonly #intervalMs: number;
  readonly #maxReadings: number;
  readonly #known = new Set<string>();
  #batch: Batch | undefined;
  #buffered = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #maxHeld: number;
  readonly #retryMs: number;
  /** Batches the store could not take because the disk was full, oldest first. */
  readonly #held: Batch[] = [];
  #heldReadings = 0;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: BufferedDriverContextOptions) {
    this.instanceId = options.instanceId;
    this.#actor = `driver:${options.instanceId}`;
    this.#store = options.store;
    this.#status = options.status;
    this.#log = options.log;
    this.#onFail = options.onFail;
    this.#clock = options.clock ?? Date.now;
    this.#intervalMs = options.flushIntervalMs ?? 250;
    this.#maxReadings = options.flushMaxReadings ?? 5_000;
    this.#maxHeld = options.maxHeldReadings ?? 100_000;
    this.#retryMs = options.diskFullRetryMs ?? 2_000;
  }

  /** Readings and events waiting for disk space. */
  get heldReadings(): number {
    return this.#heldReadings;
  }

  registerDatasource(spec: DatasourceSpec): void {
    if (this.#known.has(spec.id)) return;
    this.#store.ensureDatasource({ ...spec, driver: this.instanceId }, this.#actor);
    this.#known.add(spec.id);
  }

  write(sourceId: string, readings: Reading[]): Promise<void> {
    return this.#enqueue({ sourceId, readings }, readings.length);
  }

  writeEvents(sourceId: string, events: Array<{ t: number; data: unknown }>): Promise<void> {
    return this.#enqueue({ sourceId, events }, events.length);
  }

  setConnected(connected: boolean): void {
    if (this.#closed) return;
    this.#status.state = connected ? 'connected' : 'disconnected';
  }

  reportError(error: unknown): void {
    if (this.#closed) return;
    const message = error instanceof Error ? error.message : String(error);
    this.#status.lastError = { at: this.#clock(), message };
  }

  count(name: string, by = 1): void {
    this.#status.counters[name] = (this.#status.counters[name] ?? 0) + by;
  }

  log(message: string): void {
    this.#log(`driver ${this.instanceId}: ${message}`);
  }

  now(): number {
    return this.#clock();
  }

  async flush(): Promise<void> {
    this.#flushNow();
  }

  fail(error: unknown): void {
    if (this.#closed) return;
    this.reportError(error);
    this.#onFail?.(error);
  }

  /** Stores what is buffered; later writes reject (so do writes still held for disk space). Safe to call twice. */
  async close(): Promise<void> {
    this.#flushNow();
    this.#retryHeld();
    clearTimeout(this.#retryTimer);
    for (const batch of this.#held.splice(0)) {
      const error = new InsufficientStorageError();
      batch.settle(new Map(batch.writes.map((w) => [w, error])));
    }
    this.#heldReadings = 0;
    this.#closed = true;
  }

  #enqueue(write: PendingWrite, size: number): Promise<void> {
    if (this.#closed)
      return Promise.reject(new Error(`driver ${this.instanceId} is stopped; the write was not stored`));
    if (size === 0) return Promise.resolve();
    this.#batch ??= newBatch();
    const { settled } = this.#batch;
    this.#batch.writes.push(write);
    this.#batch.size += size;
    this.#buffered += size;
    if (this.#buffered >= this.#maxReadings) this.#flushNow();
    else this.#timer ??= setTimeout(() => this.#flushNow(), this.#intervalMs);
    return settled.then((failures) => {
      if (failures.has(write)) throw failures.get(write);
    });
  }

  #flushNow(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#batch;
    if (!batch) return;
    this.#batch = undefined;
    this.#buffered = 0;
    // behind batches held for disk space: keep the order
    if (this.#held.length > 0 || !this.#commit(batch)) this.#hold(batch);
  }

  /** Stores a batch and settles it; false (unsettled) when the disk is full. */
  #commit(batch: Batch): boolean {
    const { writes } = batch;
    const failures = new Map<PendingWrite, unknown>();
    try {
      this.#store.transaction(() => this.#storeWrites(writes));
      this.#stored(writes);
    } catch (error) {
      if (isDiskFull(error)) return false;
      if (writes.length === 1) this.#refused(writes[0], error, failures);
      else {
        for (const write of writes) {
          try {
            this.#store.transaction(() => this.#storeWrites([write]));
            this.#stored([write]);
          } catch (single) {
            this.#refused(write, single, failures);
          }
        }
      }
    }
    batch.settle(failures);
    return true;
  }

  #hold(batch: Batch): void {
    if (this.#heldReadings + batch.size > this.#maxHeld) {
      // over the bound: refuse (an MQTT message stays unacknowledged and the broker keeps it)
      const error = new InsufficientStorageError();
      for (const write of batch.writes) this.#refused(write, error, new Map());
      batch.settle(new Map(batch.writes.map((w) => [w, error])));
      return;
    }
    this.#held.push(batch);
    this.#heldReadings += batch.size;
    this.count('heldForDiskSpace', batch.size);
    this.#status.lastError = {
      at: this.#clock(),
      message: `the disk is full: holding ${this.#heldReadings} readings in memory (at most ${this.#maxHeld}) and retrying every ${this.#retryMs / 1000} s`,
    };
    this.#retryTimer ??= setTimeout(() => {
      this.#retryTimer = undefined;
      this.#retryHeld();
    }, this.#retryMs);
  }

  /** Stores held batches in order until one does not fit; then tries again later. */
  #retryHeld(): void {
    while (this.#held.length > 0) {
      const batch = this.#held[0];
      if (!this.#commit(batch)) {
        if (!this.#closed)
          this.#retryTimer ??= setTimeout(() => {
            this.#retryTimer = undefined;
            this.#retryHeld();
          }, this.#retryMs);
        return;
      }
      this.#held.shift();
      this.#heldReadings -= batch.size;
      if (this.#held.length === 0) this.log('disk space is back: held readings are stored');
    }
  }

  #storeWrites(writes: PendingWrite[]): void {
    // one batch per datasource, so one audit entry per datasource per flush
    const bySource = new Map<string, Reading[]>();
    for (const w of writes) {
      if (!w.readings) continue;
      const list = bySource.get(w.sourceId);
      if (list) for (const r of w.readings) list.push(r);
      else bySource.set(w.sourceId, [...w.readings]);
    }
    const batches = [...bySource].map(([id, readings]) => ({ id, readings }));
    if (batches.length > 0) this.#store.writeMany(batches, this.#actor);
    for (const w of writes) if (w.events) this.#store.writeEvents(w.sourceId, w.events, this.#actor);
  }

  #stored(writes: PendingWrite[]): void {
    let readings = 0;
    let events = 0;
    for (const w of writes) {
      readings += w.readings?.length ?? 0;
      events += w.events?.length ?? 0;
    }
    if (readings) this.count('readings', readings);
    if (events) this.count('events', events);
    this.#status.lastReadingAt = this.#clock();
  }

  #refused(write: PendingWrite, error: unknown, failures: Map<PendingWrite, unknown>): void {
    // the datasource may have been deleted meanwhile: look it up again next time
    this.#known.delete(write.sourceId);
    this.count('writeErrors');
    this.#status.lastError = {
      at: this.#clock(),
      message: `storing ${write.sourceId}: ${formatError(error)}`,
    };
    failures.set(write, error);
  }
}
