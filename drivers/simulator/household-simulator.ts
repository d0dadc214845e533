import type { DatasourceSpec, Reading } from '../../box/store/types.ts';
import { householdTraits } from './appliances.ts';
import { checkRange } from './batch-range.ts';
import { MinuteModel } from './minute-model.ts';
import { OccupancyModel, PersonState } from './occupancy.ts';
import {
  type HouseholdSimulatorOptions,
  parseSimulatorOptions,
  type ResolvedSimulatorOptions,
} from './options.ts';
import { type ApplianceActivity, PowerModel } from './power-model.ts';
import { seedToUint32 } from './random.ts';
import { Weather } from './weather.ts';

const MIN = 60_000;

/** Readings of one datasource, ready for `store.write(sourceId, readings)`. */
export interface SimulatorBatch {
  sourceId: string;
  readings: Reading[];
}

/** Options of {@link HouseholdSimulator.batches}. */
export interface BatchOptions {
  /** Most readings per batch (default 1000, at most 100 000). */
  batchSize?: number;
}

/** Options of {@link HouseholdSimulator.live}. */
export interface LiveOptions {
  /** Stops live generation; `live()` then resolves. */
  signal: AbortSignal;
  /** Receives each batch; if it throws, `live()` stops and rejects with that error. */
  onBatch: (batch: SimulatorBatch) => void;
  /** How often to emit, ms (default: the simulator's step). */
  intervalMs?: number;
  /** Clock (default `Date.now`); tests inject their own. */
  now?: () => number;
}

/** Who is where at an instant. */
export interface OccupancySnapshot {
  /** People in the house (awake or asleep). */
  home: number;
  awake: number;
  asleep: number;
  away: number;
  /** Per room: whether someone is in it (on the one-minute grid). */
  rooms: Record<string, boolean>;
}

/**
 * A deterministic synthetic household: whole-house power and an energy counter, room temperatures
 * and occupancy, and outdoor temperature, all pure functions of (seed, time). Any range can be
 * generated on its own and equals the same span of a longer run, and live mode emits exactly what
 * a later backfill would.
 *
 * Power is sampled every `stepMs` (on the grid `k · stepMs`), the energy counter (kWh) at the same
 * instants is the exact integral of that sampled power since 2000-01-01 local time (each sample
 * holds until the next), and the room/outdoor series are on a one-minute grid.
 *
 * @example
 * ```ts
 * const sim = new HouseholdSimulator({ seed: 42, rooms: ['living', 'kitchen', 'bedroom'] });
 * for (const spec of sim.datasources()) store.createDatasource(spec);
 * for (const { sourceId, readings } of sim.batches(Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1))) {
 *   store.write(sourceId, readings);
 * }
 * sim.appliances(Date.UTC(2024, 0, 3, 7, 30)); // e.g. [{ name: 'kettle', watts: 2840, ... }, ...]
 * ```
 */
export class HouseholdSimulator {
  readonly options: ResolvedSimulatorOptions;
  private readonly occupancyModel: OccupancyModel;
  private readonly weather: Weather;
  private readonly power: PowerModel;
  private readonly minutes: MinuteModel;

  /** @throws BadRequestError naming every bad option. */
  constructor(options: HouseholdSimulatorOptions) {
    this.options = parseSimulatorOptions(options);
    const { seed, stepMs, timezoneOffsetMinutes, rooms, occupants, ev, electricShower } = this.options;
    const mixed = seedToUint32(seed);
    const offsetMs = timezoneOffsetMinutes * MIN;
    this.occupancyModel = new OccupancyModel(mixed, offsetMs, occupants);
    this.weather = new Weather(mixed, offsetMs);
    const context = {
      seed: mixed,
      traits: householdTraits(mixed),
      weather: this.weather,
      ev,
      electricShower,
    };
    this.power = new PowerModel(mixed, stepMs, this.occupancyModel, context);
    this.minutes = new MinuteModel(mixed, rooms, this.occupancyModel, this.power, this.weather);
  }

  /**
   * The catalogue entries for everything {@link batches} emits.
   *
   * @example
   * ```ts
   * new HouseholdSimulator({ seed: 1 }).datasources().map((d) => d.id);
   * // ['sim.power', 'sim.energy', 'sim.outdoor.temperature', 'sim.living.temperature', 'sim.living.occupancy', ...]
   * ```
   */
  datasources(): DatasourceSpec[] {
    const common = { vendor: 'databox-simulator' } as const;
    const specs: DatasourceSpec[] = [
      {
        ...common,
        id: 'sim.power',
        kind: 'electricity.import.power',
        unit: 'W',
        valueType: 'gauge',
        description: 'Simulated whole-house import power',
        location: 'meter',
      },
      {
        ...common,
        id: 'sim.energy',
        kind: 'electricity.import.energy',
        unit: 'kWh',
        valueType: 'counter',
        description: 'Simulated import energy register (integral of sim.power)',
        location: 'meter',
      },
      {
        ...common,
        id: 'sim.outdoor.temperature',
        kind: 'temperature',
        unit: '°C',
        valueType: 'gauge',
        description: 'Simulated outdoor temperature',
        location: 'outdoor',
      },
    ];
    for (const room of this.options.rooms) {
      specs.push(
        {
          ...common,
          id: `sim.${room}.temperature`,
          kind: 'temperature',
          unit: '°C',
          valueType: 'gauge',
          description: `Simulated ${room} temperature`,
          location: room,
        },
        {
          ...common,
          id: `sim.${room}.occupancy`,
          kind: 'occupancy',
          unit: '',
          valueType: 'gauge',
          description: `1 when someone is in the ${room}, else 0 (simulated)`,
          location: room,
        },
      );
    }
    return specs;
  }

  /**
   * Streams every series over `[from, to)` (UTC ms), one datasource per batch: power and energy
   * for up to `batchSize` steps, then the one-minute series once generation has passed their
   * span. Memory stays flat however long the range; values do not depend on how the range is split.
   *
   * @example
   * ```ts
   * const day = Date.UTC(2024, 5, 1);
   * let kWh = 0;
   * for (const batch of sim.batches(day, day + 86_400_000, { batchSize: 5000 })) {
   *   if (batch.sourceId === 'sim.power') kWh += batch.readings.reduce((s, r) => s + r.v, 0) * 10 / 3_600_000;
   * }
   * ```
   * @throws BadRequestError when the range or batch size is invalid.
   */
  *batches(from: number, to: number, opts: BatchOptions = {}): Generator<SimulatorBatch> {
    const size = checkRange(from, to, opts.batchSize);
    const step = this.options.stepMs;
    let m0 = from;
    for (let c0 = from; c0 < to; ) {
      const plan = this.power.plan(this.occupancyModel.dayOf(c0));
      const c1 = Math.min(to, plan.end, c0 + size * step);
      const k0 = Math.ceil(c0 / step);
      const n = Math.ceil(c1 / step) - k0;
      if (n > 0) {
        const power: Reading[] = new Array(n);
        const energy: Reading[] = new Array(n);
        const dayWh = this.power.dayStartEnergyWh(plan.day);
        let wattMs = this.power.sampleSum(plan, plan.start, c0) * step;
        const { changeT, changeW } = plan;
        const changes = changeT.length;
        let ci = 0;
        let level = 0;
        let g = this.power.noise(k0);
        for (let i = 0; i < n; i++) {
          const t = (k0 + i) * step;
          while (ci < changes && changeT[ci] <= t) level += changeW[ci++];
          const g1 = this.power.noise(k0 + i + 1);
          const v = level + g1 - g;
          g = g1;
          power[i] = { t, v };
          energy[i] = { t, v: (dayWh + wattMs / 3_600_000) / 1000 };
          wattMs += v * step;
        }
        yield { sourceId: 'sim.power', readings: power };
        yield { sourceId: 'sim.energy', readings: energy };
      }
      // One-minute series, in chunks of up to `size` minutes within one local day.
      while (m0 < to) {
        const m1 = Math.min(
          to,
          this.occupancyModel.dayStart(this.occupancyModel.dayOf(m0) + 1),
          m0 + size * MIN,
        );
        if (m1 > c1) break;
        yield* this.minuteBatches(m0, m1);
        m0 = m1;
      }
      c0 = c1;
    }
  }

  /**
   * Emits the current step's readings in real time, then each new step as the clock passes it, from
   * the same function of time as {@link batches} (a backfill of the same span gives equal values).
   * Resolves when `signal` aborts.
   *
   * @example
   * ```ts
   * const controller = new AbortController();
   * const running = sim.live({ signal: controller.signal, onBatch: (b) => store.write(b.sourceId, b.readings) });
   * // ... later
   * controller.abort();
   * await running;
   * ```
   */
  live(options: LiveOptions): Promise<void> {
    const { signal, onBatch, now = Date.now } = options;
    const step = this.options.stepMs;
    const intervalMs = options.intervalMs ?? step;
    let cursor = Math.floor(now() / step) * step;
    const emit = (): void => {
      const end = Math.floor(now() / step) * step + step;
      if (end <= cursor) return;
      for (const batch of this.batches(cursor, end)) onBatch(batch);
      cursor = end;
    };
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return resolve();
      let timer: ReturnType<typeof setInterval> | undefined;
      const finish = (error?: unknown): void => {
        clearInterval(timer);
        signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = (): void => finish();
      const tick = (): void => {
        try {
          emit();
        } catch (error) {
          finish(error);
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      tick();
      if (!signal.aborted) timer = setInterval(tick, intervalMs);
    });
  }

  /**
   * Ground truth for appliance detection: the appliance uses in progress at `t` (fridge and freezer
   * only while their compressor runs; the always-on base load is not listed).
   *
   * @example
   * ```ts
   * sim.appliances(t).some((a) => a.name === 'kettle');
   * ```
   */
  appliances(t: number): ApplianceActivity[] {
    return this.power.appliancesAt(t);
  }

  /**
   * Who is home, awake, asleep or away at `t`, and which rooms are occupied.
   *
   * @example
   * ```ts
   * sim.occupancy(Date.UTC(2024, 0, 10, 3)).asleep; // 2 on an ordinary night
   * ```
   */
  occupancy(t: number): OccupancySnapshot {
    const snapshot: OccupancySnapshot = { home: 0, awake: 0, asleep: 0, away: 0, rooms: {} };
    for (let p = 0; p < this.options.occupants; p++) {
      const state = this.occupancyModel.stateOf(p, t);
      if (state === PersonState.away) snapshot.away++;
      else {
        snapshot.home++;
        if (state === PersonState.awake) snapshot.awake++;
        else snapshot.asleep++;
      }
    }
    const minuteDay = this.minutes.day(this.occupancyModel.dayOf(t));
    const m = Math.floor((t - minuteDay.start) / MIN);
    this.options.rooms.forEach((room, r) => {
      snapshot.rooms[room] = minuteDay.occupancy[r][m] === 1;
    });
    return snapshot;
  }

  /**
   * Power (W) of the sample at or before `t`.
   *
   * @example
   * ```ts
   * sim.powerAt(Date.UTC(2024, 0, 10, 3)); // night: base load plus fridge/freezer, e.g. 212
   * ```
   */
  powerAt(t: number): number {
    return this.power.powerAt(t);
  }

  /**
   * Energy counter (kWh) at `t`: the integral of sampled power from 2000-01-01 (local) to `t`.
   *
   * @example
   * ```ts
   * sim.energyAt(b) - sim.energyAt(a); // kWh used in [a, b)
   * ```
   */
  energyAt(t: number): number {
    return this.power.energyAt(t);
  }

  /**
   * Outdoor temperature (°C, 0.1 resolution) at `t`.
   *
   * @example
   * ```ts
   * sim.outdoorTemperatureAt(Date.UTC(2024, 6, 15, 15)); // a July afternoon, e.g. 23.4
   * ```
   */
  outdoorTemperatureAt(t: number): number {
    return Math.round(this.weather.temperature(t) * 10) / 10;
  }

  private *minuteBatches(from: number, to: number): Generator<SimulatorBatch> {
    const j0 = Math.ceil(from / MIN);
    const n = Math.ceil(to / MIN) - j0;
    if (n <= 0) return;
    const outdoor: Reading[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const t = (j0 + i) * MIN;
      outdoor[i] = { t, v: this.outdoorTemperatureAt(t) };
    }
    yield { sourceId: 'sim.outdoor.temperature', readings: outdoor };
    const day = this.minutes.day(this.occupancyModel.dayOf(j0 * MIN));
    const m0 = j0 - day.start / MIN;
    for (const [r, room] of this.options.rooms.entries()) {
      const temperature: Reading[] = new Array(n);
      const occupancy: Reading[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const t = (j0 + i) * MIN;
        temperature[i] = { t, v: day.temperature[r][m0 + i] };
        occupancy[i] = { t, v: day.occupancy[r][m0 + i] };
      }
      yield { sourceId: `sim.${room}.temperature`, readings: temperature };
      yield { sourceId: `sim.${room}.occupancy`, readings: occupancy };
    }
  }
}
