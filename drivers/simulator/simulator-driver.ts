import { z } from 'zod';
import type { DatasourceSpec, Reading } from '../../box/store/types.ts';
import { isIsoDuration, parseIsoDuration } from '../../box/util/iso-duration.ts';
import type { Driver, DriverContext, DriverType } from '../driver.ts';
import { HouseholdSimulator, type SimulatorBatch } from './household-simulator.ts';
import { parseSimulatorOptions } from './options.ts';

/** Longest backfill accepted: enough for demos and benchmarks, bounded so a typo cannot fill the disk. */
const MAX_BACKFILL_MS = 5 * 365 * 86_400_000;
/** Writes in flight during a backfill before it waits for the store (back-pressure). */
const MAX_IN_FLIGHT = 4;
const BACKFILL_BATCH = 5000;

const HOUSEHOLD_FIELDS = [
  'seed',
  'stepMs',
  'rooms',
  'occupants',
  'ev',
  'electricShower',
  'timezoneOffsetMinutes',
];

/**
 * Config of a `simulator` driver instance: the household (`seed`, `stepMs` 1000–10 000 and the
 * other `HouseholdSimulator` options), whether to run `live`, and how much history to `backfill`
 * on start (an ISO 8601 duration such as `P7D`, up to 5 years). Datasource ids are
 * `<prefix>.power`, `<prefix>.energy`, `<prefix>.<room>.temperature`, … (prefix default `sim`).
 *
 * @example
 * ```ts
 * simulatorConfigSchema.parse({ seed: 42, stepMs: 10_000, backfill: 'P7D', live: true });
 * ```
 */
export const simulatorConfigSchema = z
  .object({
    seed: z.number().int(),
    stepMs: z.number().int().default(10_000),
    backfill: z
      .string()
      .refine(isIsoDuration, 'must be an ISO 8601 duration such as P7D or PT6H')
      .refine((d) => !isIsoDuration(d) || parseIsoDuration(d) <= MAX_BACKFILL_MS, 'must be at most 5 years')
      .optional(),
    live: z.boolean().default(true),
    prefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,19}$/, 'must match [a-z0-9][a-z0-9_-]{0,19}')
      .default('sim'),
    rooms: z.array(z.string()).optional(),
    occupants: z.number().optional(),
    ev: z.boolean().optional(),
    electricShower: z.boolean().optional(),
    timezoneOffsetMinutes: z.number().optional(),
  })
  .strict()
  .superRefine(
    (config, ctx) => {
      // The simulator checks its own options; report its findings under the same paths.
      const household = Object.fromEntries(
        HOUSEHOLD_FIELDS.filter((k) => config[k as keyof typeof config] !== undefined).map((k) => [
          k,
          config[k as keyof typeof config],
        ]),
      );
      try {
        parseSimulatorOptions(household);
      } catch (error) {
        const details = (error as { details?: Array<{ path: string; message: string }> }).details ?? [];
        for (const d of details) ctx.addIssue({ code: 'custom', path: [d.path], message: d.message });
      }
    },
    {
      // Also when other fields (backfill, prefix) are wrong, so every error is listed at once; not
      // when a household field already failed its type check (it would be reported twice).
      when: (payload) =>
        typeof payload.value === 'object' &&
        payload.value !== null &&
        !payload.issues.some((issue) => HOUSEHOLD_FIELDS.includes(String(issue.path?.[0]))),
    },
  );

export type SimulatorConfig = z.output<typeof simulatorConfigSchema>;

export interface SimulatorDriverOptions {
  /**
   * Latest stored timestamp of a datasource, so a backfill resumes after what is already stored
   * instead of regenerating it (the box wires this to the store). Without it the backfill writes
   * the whole window again and the store drops the duplicates.
   */
  lastStored?: (sourceId: string) => number | undefined;
}

/**
 * A synthetic household as a driver: on start it backfills `backfill` of history up to now
 * (resuming after what is stored), then, if `live`, emits each new step as the clock passes it.
 * Values are a pure function of (seed, time), so the live data equals what a later backfill of
 * the same span would give. Counters: `backfilled` and `live` readings written.
 *
 * @example
 * ```ts
 * const driver = simulatorDriverType.create(simulatorConfigSchema.parse({ seed: 7, backfill: 'P1D' }));
 * await driver.start(ctx, signal); // resolves at once; the backfill runs in the background
 * await driver.stop();
 * ```
 */
export class SimulatorDriver implements Driver {
  private readonly writes = new Set<Promise<void>>();
  private controller: AbortController | undefined;
  private running: Promise<unknown>[] = [];
  private sim: HouseholdSimulator | undefined;

  constructor(
    private readonly config: SimulatorConfig,
    private readonly options: SimulatorDriverOptions = {},
  ) {}

  /** Resolves once the backfill has finished and the written data is stored (live mode keeps running). */
  backfilled: Promise<void> = Promise.resolve();

  async start(ctx: DriverContext, signal: AbortSignal): Promise<void> {
    if (this.controller) throw new Error('simulator driver is already running');
    const sim = this.household();
    const { stepMs } = sim.options;
    const controller = new AbortController();
    this.controller = controller;
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    if (signal.aborted) controller.abort();
    for (const spec of sim.datasources())
      ctx.registerDatasource({ ...spec, id: this.id(spec.id), driver: ctx.instanceId });
    ctx.count('backfilled', 0);
    ctx.count('live', 0);
    ctx.setConnected(true);

    // Backfill up to the step live mode starts with, so the two meet without a gap or overlap.
    const liveStart = Math.floor(ctx.now() / stepMs) * stepMs;
    if (this.config.backfill) {
      const from = this.resumeFrom(sim, liveStart - parseIsoDuration(this.config.backfill));
      const backfill = this.backfill(ctx, sim, from, liveStart, controller.signal).catch((error: unknown) => {
        ctx.reportError(error);
      });
      this.backfilled = backfill
        .then(() => this.settled())
        .then(() => {
          // the householder (and a test) can tell when the history is complete
          if (!controller.signal.aborted && from < liveStart)
            ctx.log(
              `backfill done: ${new Date(from).toISOString()} to ${new Date(liveStart).toISOString()} stored`,
            );
        });
      this.running.push(backfill);
    }
    if (this.config.live) {
      const live = sim
        .live({
          signal: controller.signal,
          now: () => ctx.now(),
          onBatch: (batch) => this.write(ctx, batch, 'live'),
        })
        .catch((error: unknown) => {
          ctx.reportError(error);
          ctx.setConnected(false);
        });
      this.running.push(live);
    }
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await Promise.allSettled(this.running);
    await this.settled();
    this.running = [];
    this.controller = undefined;
  }

  private household(): HouseholdSimulator {
    if (!this.sim) {
      const { seed, stepMs, rooms, occupants, ev, electricShower, timezoneOffsetMinutes } = this.config;
      this.sim = new HouseholdSimulator({
        seed,
        stepMs,
        rooms,
        occupants,
        ev,
        electricShower,
        timezoneOffsetMinutes,
      });
    }
    return this.sim;
  }

  private id(simId: string): string {
    return this.config.prefix === 'sim' ? simId : `${this.config.prefix}${simId.slice('sim'.length)}`;
  }

  /** Start of the backfill: after the oldest "latest stored" of all series, but not before `earliest`. */
  private resumeFrom(sim: HouseholdSimulator, earliest: number): number {
    if (!this.options.lastStored) return earliest;
    let from = Number.POSITIVE_INFINITY;
    for (const spec of sim.datasources()) {
      const last = this.options.lastStored(this.id(spec.id));
      if (last === undefined) return earliest;
      from = Math.min(from, last + 1);
    }
    return Math.max(earliest, from);
  }

  private async backfill(
    ctx: DriverContext,
    sim: HouseholdSimulator,
    from: number,
    to: number,
    signal: AbortSignal,
  ): Promise<void> {
    if (from >= to) return;
    ctx.log(`backfilling ${new Date(from).toISOString()} to ${new Date(to).toISOString()}`);
    for (const batch of sim.batches(from, to, { batchSize: BACKFILL_BATCH })) {
      if (signal.aborted) return;
      this.write(ctx, batch, 'backfilled');
      // Let the store catch up (and the event loop breathe) before generating more.
      if (this.writes.size >= MAX_IN_FLIGHT) {
        // Ask the box to store its buffer now rather than at its next timer tick.
        ctx.flush?.().catch(() => {}); // a refused write is reported through its own promise
        while (this.writes.size >= MAX_IN_FLIGHT) await Promise.race(this.writes);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private write(ctx: DriverContext, batch: SimulatorBatch, counter: 'backfilled' | 'live'): void {
    const readings: Reading[] = batch.readings;
    if (readings.length === 0) return;
    const tracked = ctx.write(this.id(batch.sourceId), readings).then(
      () => ctx.count(counter, readings.length),
      (error: unknown) => {
        ctx.count('writeErrors');
        ctx.reportError(error);
      },
    );
    this.writes.add(tracked);
    void tracked.finally(() => this.writes.delete(tracked));
  }

  private async settled(): Promise<void> {
    await Promise.allSettled([...this.writes]);
  }

  /** The datasources this instance writes (ids with its prefix). */
  datasources(): DatasourceSpec[] {
    return this.household()
      .datasources()
      .map((spec) => ({ ...spec, id: this.id(spec.id) }));
  }
}

/**
 * The `simulator` driver type for the driver manager.
 *
 * @example
 * ```sh
 * databox driver add simulator --seed 42 --backfill P30D --live
 * ```
 */
export const simulatorDriverType: DriverType<SimulatorConfig> = {
  type: 'simulator',
  description: 'A deterministic synthetic household (power, energy, rooms, occupancy) for demos and tests',
  configSchema: simulatorConfigSchema,
  create: (config) => new SimulatorDriver(config),
};
