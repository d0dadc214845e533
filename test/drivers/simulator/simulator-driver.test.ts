import { afterEach, describe, expect, it, vi } from 'vitest';
import { Store } from '../../../box/store/store.ts';
import type { DatasourceSpec, Reading } from '../../../box/store/types.ts';
import type { DriverContext } from '../../../drivers/driver.ts';
import { HouseholdSimulator } from '../../../drivers/simulator/household-simulator.ts';
import { SimulatorDriver, simulatorConfigSchema } from '../../../drivers/simulator/simulator-driver.ts';

/** Records what the driver does; `clock` is the fake time the driver reads through `now()`. */
class RecordingContext implements DriverContext {
  readonly instanceId = 'sim-test';
  readonly specs = new Map<string, DatasourceSpec>();
  readonly readings = new Map<string, Reading[]>();
  readonly counters: Record<string, number> = {};
  readonly errors: string[] = [];
  connected: boolean | undefined;
  constructor(public clock: number) {}
  registerDatasource(spec: DatasourceSpec): void {
    this.specs.set(spec.id, spec);
  }
  async write(sourceId: string, readings: Reading[]): Promise<void> {
    if (!this.specs.has(sourceId)) throw new Error(`write to unregistered ${sourceId}`);
    const list = this.readings.get(sourceId) ?? [];
    for (const r of readings) list.push(r);
    this.readings.set(sourceId, list);
  }
  async writeEvents(): Promise<void> {}
  setConnected(connected: boolean): void {
    this.connected = connected;
  }
  reportError(error: unknown): void {
    this.errors.push((error as Error).message);
  }
  count(name: string, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
  }
  logs: string[] = [];
  log(message: string): void {
    this.logs.push(message);
  }
  now(): number {
    return this.clock;
  }
  times(id: string): number[] {
    return (this.readings.get(id) ?? []).map((r) => r.t);
  }
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STEP = 10_000;
/** Mid-step on purpose: live mode starts at the step containing now, 12:00:00. */
const NOW = Date.UTC(2024, 0, 10, 12, 0, 5);
const LIVE_START = Date.UTC(2024, 0, 10, 12, 0, 0);

const drivers: SimulatorDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.stop();
  vi.useRealTimers();
});
function driverFor(config: Record<string, unknown>, options = {}): SimulatorDriver {
  const driver = new SimulatorDriver(simulatorConfigSchema.parse(config), options);
  drivers.push(driver);
  return driver;
}

describe('SimulatorDriver backfill', () => {
  it('fills the window up to the live start with exactly the simulator series', async () => {
    const ctx = new RecordingContext(NOW);
    const driver = driverFor({ seed: 42, stepMs: STEP, backfill: 'P1D', live: false });
    await driver.start(ctx, new AbortController().signal);
    await driver.backfilled;
    expect(ctx.errors).toEqual([]);
    expect(ctx.connected).toBe(true);
    expect([...ctx.specs.keys()]).toContain('sim.kitchen.occupancy');
    expect(ctx.specs.get('sim.energy')).toMatchObject({
      unit: 'kWh',
      valueType: 'counter',
      driver: 'sim-test',
    });

    const power = ctx.times('sim.power');
    expect(power).toHaveLength(DAY / STEP); // 8 640 ten-second steps
    expect(power[0]).toBe(LIVE_START - DAY);
    expect(power.at(-1)).toBe(LIVE_START - STEP);
    expect(new Set(power).size).toBe(power.length);
    expect(ctx.times('sim.outdoor.temperature')).toHaveLength(1440);
    // Same values as the simulator's point-in-time API.
    const sim = new HouseholdSimulator({ seed: 42, stepMs: STEP });
    const byT = new Map((ctx.readings.get('sim.power') ?? []).map((r) => [r.t, r.v]));
    for (const t of [LIVE_START - DAY, LIVE_START - 7 * HOUR + 30_000, LIVE_START - STEP]) {
      expect(byT.get(t)).toBe(sim.powerAt(t));
    }
    const energy = ctx.readings.get('sim.energy') ?? [];
    expect(energy.at(-1)?.v).toBeCloseTo(sim.energyAt(LIVE_START - STEP), 9);
    const total = [...ctx.readings.values()].reduce((s, list) => s + list.length, 0);
    expect(ctx.counters.backfilled).toBe(total);
    // said once everything is stored, not when the last batch was handed over
    expect(ctx.logs.at(-1)).toBe(
      `backfill done: ${new Date(LIVE_START - DAY).toISOString()} to ${new Date(LIVE_START).toISOString()} stored`,
    );
  });

  it('resumes after what is stored instead of regenerating the window', async () => {
    const ctx = new RecordingContext(NOW);
    const stored = LIVE_START - 6 * HOUR;
    const driver = driverFor(
      { seed: 42, stepMs: STEP, backfill: 'P7D', live: false, prefix: 'demo' },
      { lastStored: (id: string) => (id.startsWith('demo.') ? stored : undefined) },
    );
    await driver.start(ctx, new AbortController().signal);
    await driver.backfilled;
    const power = ctx.times('demo.power');
    expect(power[0]).toBe(stored + STEP);
    expect(power).toHaveLength((6 * HOUR) / STEP - 1);
    expect(ctx.readings.has('sim.power')).toBe(false);
  });

  it('backfills a week into a real Store, and a restart with the store as lastStored adds nothing', async () => {
    const store = Store.open(':memory:');
    try {
      const actor = 'driver:sim-store';
      const ctx: DriverContext = {
        instanceId: 'sim-store',
        registerDatasource: (spec) => void store.ensureDatasource({ ...spec }, actor),
        write: async (id, readings) => void store.writeMany([{ id, readings }], actor),
        writeEvents: async () => {},
        setConnected: () => {},
        reportError: (error) => {
          throw error;
        },
        count: () => {},
        log: () => {},
        now: () => NOW,
      };
      const first = driverFor({ seed: 3, stepMs: STEP, backfill: 'P7D', live: false });
      await first.start(ctx, new AbortController().signal);
      await first.backfilled;
      await first.stop();
      const all = { from: 0, to: NOW + DAY, resolution: 'raw', aggregate: 'mean' } as const;
      expect(store.read('sim.power', { ...all, limit: 100_000 })).toHaveLength((7 * DAY) / STEP);
      const writes = () =>
        store.db
          .prepare(
            `SELECT count(*) AS batches, coalesce(sum(json_extract(details, '$.written')), 0) AS written,
               coalesce(sum(json_extract(details, '$.duplicates')), 0) AS duplicates
             FROM audit WHERE action = 'readings.write'`,
          )
          .get() as { batches: number; written: number; duplicates: number };
      const before = writes();
      const lastStored = (id: string) => store.latest(id)?.t;
      const again = driverFor({ seed: 3, stepMs: STEP, backfill: 'P7D', live: false }, { lastStored });
      await again.start(ctx, new AbortController().signal);
      await again.backfilled;
      const after = writes();
      // It regenerates only from the oldest series' last reading (the one-minute series end at 11:59):
      // five power and energy steps, all already stored. Without lastStored it would be the whole week.
      expect(after.written).toBe(before.written);
      expect(after.duplicates - before.duplicates).toBe(2 * 5);
    } finally {
      store.close();
    }
  });
});

describe('SimulatorDriver live', () => {
  it('emits each step as the fake clock passes it, continuing the backfill without gap or overlap', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const ctx = new RecordingContext(NOW);
    const driver = driverFor({ seed: 9, stepMs: STEP, backfill: 'PT1H', live: true });
    await driver.start(ctx, new AbortController().signal);
    await driver.backfilled;
    for (let i = 0; i < 3; i++) {
      ctx.clock += STEP;
      vi.advanceTimersByTime(STEP);
    }
    await Promise.resolve();
    const power = [...ctx.times('sim.power')].sort((a, b) => a - b);
    const expected = Array.from({ length: 360 + 4 }, (_, i) => LIVE_START - HOUR + i * STEP);
    expect(power).toEqual(expected);
    const sim = new HouseholdSimulator({ seed: 9, stepMs: STEP });
    const last = ctx.readings.get('sim.power')?.find((r) => r.t === LIVE_START + 3 * STEP);
    expect(last?.v).toBe(sim.powerAt(LIVE_START + 3 * STEP));
    // Live wrote 4 steps of power and energy, plus the 12:00 minute of outdoor + 3 rooms × 2 series.
    expect(ctx.counters.live).toBe(4 * 2 + 7);

    await driver.stop();
    ctx.clock += 10 * STEP;
    vi.advanceTimersByTime(10 * STEP);
    expect(ctx.times('sim.power')).toHaveLength(expected.length);
  });
});

it('lists every bad config field by path', () => {
  const result = simulatorConfigSchema.safeParse({
    seed: 1,
    stepMs: 50,
    backfill: 'seven days',
    rooms: ['Living Room'],
  });
  expect(result.success).toBe(false);
  const paths = result.error?.issues.map((i) => i.path.join('.')).sort();
  expect(paths).toEqual(['backfill', 'rooms[0]', 'stepMs']);
});
