import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../box/errors.ts';
import { DATASOURCE_ID_PATTERN, type Reading } from '../../../box/store/types.ts';
import { HouseholdSimulator } from '../../../drivers/simulator/household-simulator.ts';
import { collect, DAY, firstDifference, HOUR, MIN } from './collect.ts';

const MONDAY = Date.UTC(2024, 0, 8);

describe('HouseholdSimulator determinism', () => {
  it('gives identical values for the same seed and different values for another seed', () => {
    const a = collect(new HouseholdSimulator({ seed: 7 }), MONDAY, MONDAY + DAY);
    const b = collect(new HouseholdSimulator({ seed: 7 }), MONDAY, MONDAY + DAY);
    const c = collect(new HouseholdSimulator({ seed: 8 }), MONDAY, MONDAY + DAY);
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [id, readings] of a) expect(firstDifference(b.get(id), readings), id).toBe(-1);
    const powerA = a.get('sim.power')!.map((r) => r.v);
    const powerC = c.get('sim.power')!.map((r) => r.v);
    expect(powerC).toHaveLength(powerA.length);
    expect(powerC.filter((v, i) => v !== powerA[i]).length).toBeGreaterThan(powerA.length / 2);
  });

  it('generating [a, c) equals [a, b) then [b, c), across midnight, off-grid and with fresh instances', () => {
    const offsets = { timezoneOffsetMinutes: 60, stepMs: 7000 } as const;
    const a = MONDAY + 20 * HOUR + 12_345;
    const b = a + DAY + 4 * HOUR + 7_777; // crosses two local midnights, not on any grid
    const c = b + 9 * HOUR + 1;
    const whole = collect(new HouseholdSimulator({ seed: 99, ...offsets }), a, c, 5000);
    const first = collect(new HouseholdSimulator({ seed: 99, ...offsets }), a, b, 777);
    const second = collect(new HouseholdSimulator({ seed: 99, ...offsets }), b, c, 123);
    for (const [id, readings] of whole) {
      const joined = [...(first.get(id) ?? []), ...(second.get(id) ?? [])];
      expect(firstDifference(joined, readings), id).toBe(-1);
      expect(readings.length, id).toBeGreaterThan(0);
    }
    // Every reading is on its grid and inside the range.
    const power = whole.get('sim.power')!;
    expect(power[0].t).toBeGreaterThanOrEqual(a);
    expect(power[0].t - a).toBeLessThan(7000);
    expect(power.every((r) => r.t % 7000 === 0 && r.t < c)).toBe(true);
    expect(whole.get('sim.outdoor.temperature')!.every((r) => r.t % MIN === 0)).toBe(true);
  });

  it('introspection agrees with the generated series', () => {
    const sim = new HouseholdSimulator({ seed: 3 });
    const data = collect(sim, MONDAY + 6 * HOUR, MONDAY + 9 * HOUR);
    for (const r of data.get('sim.power')!.filter((_, i) => i % 37 === 0)) expect(sim.powerAt(r.t)).toBe(r.v);
    for (const r of data.get('sim.energy')!.filter((_, i) => i % 37 === 0))
      expect(sim.energyAt(r.t)).toBe(r.v);
    for (const r of data.get('sim.kitchen.occupancy')!) {
      expect(sim.occupancy(r.t).rooms.kitchen).toBe(r.v === 1);
    }
  });
});

describe('HouseholdSimulator energy counter', () => {
  it('is monotonically increasing and equals the integral of sampled power', () => {
    const step = 10_000;
    const sim = new HouseholdSimulator({ seed: 11, ev: true, electricShower: true });
    const from = MONDAY + 3 * HOUR + 5_000;
    const data = collect(sim, from, from + 2 * DAY);
    const power = data.get('sim.power')!;
    const energy = data.get('sim.energy')!;
    expect(energy.map((r) => r.t)).toEqual(power.map((r) => r.t));
    let integralKwh = 0;
    let smallestDelta = Number.POSITIVE_INFINITY;
    let worstError = 0;
    for (let i = 1; i < energy.length; i++) {
      const delta = energy[i].v - energy[i - 1].v;
      const expected = (power[i - 1].v * step) / 3_600_000_000;
      smallestDelta = Math.min(smallestDelta, delta);
      worstError = Math.max(worstError, Math.abs(delta - expected));
      integralKwh += expected;
    }
    expect(smallestDelta).toBeGreaterThan(0);
    expect(worstError).toBeLessThan(1e-9);
    expect(energy[energy.length - 1].v - energy[0].v).toBeCloseTo(integralKwh, 8);
    expect(energy[0].v).toBeGreaterThan(0); // counts from 2000-01-01, so well above zero in 2024
  });

  it('matches a day-by-day integral across a midnight in a fresh instance', () => {
    const sim = new HouseholdSimulator({ seed: 12, stepMs: 2500 });
    const midnight = MONDAY + 2 * DAY;
    const data = collect(sim, midnight - HOUR, midnight + HOUR);
    const power = data.get('sim.power')!;
    const sumKwh = power.reduce((s, r) => s + (r.v * 2500) / 3_600_000_000, 0);
    const other = new HouseholdSimulator({ seed: 12, stepMs: 2500 });
    expect(other.energyAt(midnight + HOUR) - other.energyAt(midnight - HOUR)).toBeCloseTo(sumKwh, 8);
  });
});

describe('HouseholdSimulator datasources', () => {
  it('declares valid ids and covers every emitted series', () => {
    const sim = new HouseholdSimulator({ seed: 1, rooms: ['lounge', 'kitchen', 'bed-1', 'bed_2'] });
    const specs = sim.datasources();
    for (const spec of specs) expect(spec.id).toMatch(DATASOURCE_ID_PATTERN);
    const byId = new Map(specs.map((s) => [s.id, s]));
    expect(byId.get('sim.power')).toMatchObject({
      kind: 'electricity.import.power',
      unit: 'W',
      valueType: 'gauge',
    });
    expect(byId.get('sim.energy')).toMatchObject({
      kind: 'electricity.import.energy',
      unit: 'kWh',
      valueType: 'counter',
    });
    expect(byId.get('sim.bed-1.temperature')).toMatchObject({ kind: 'temperature', unit: '°C' });
    expect(byId.get('sim.bed_2.occupancy')).toMatchObject({ kind: 'occupancy', valueType: 'gauge' });
    expect(byId.get('sim.outdoor.temperature')).toMatchObject({ kind: 'temperature' });
    expect(specs).toHaveLength(3 + 2 * 4);
    const emitted = [...collect(sim, MONDAY, MONDAY + HOUR).keys()];
    expect(new Set(emitted)).toEqual(new Set(byId.keys()));
  });
});

describe('HouseholdSimulator validation', () => {
  const errorOf = (fn: () => unknown): BadRequestError => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestError);
      return error as BadRequestError;
    }
    throw new Error('expected a BadRequestError');
  };

  it('names every bad option', () => {
    const error = errorOf(
      () => new HouseholdSimulator({ seed: 1.5, stepMs: 500, rooms: ['Living', 'kitchen'] }),
    );
    const paths = error.details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['seed', 'stepMs', 'rooms[0]']));
    expect(error.message).toContain('stepMs');
    expect(errorOf(() => new HouseholdSimulator({ seed: 1, stepMs: 20_000 })).details[0].path).toBe('stepMs');
    expect(errorOf(() => new HouseholdSimulator({ seed: 1, rooms: ['a.b'] })).details[0].path).toBe(
      'rooms[0]',
    );
    expect(errorOf(() => new HouseholdSimulator({ seed: 1, rooms: ['x', 'x'] })).details[0].path).toBe(
      'rooms',
    );
    expect(errorOf(() => new HouseholdSimulator({ seed: 1, rooms: ['outdoor'] })).details[0].path).toBe(
      'rooms',
    );
    expect(errorOf(() => new HouseholdSimulator({ seed: 1, occupants: 0 })).details[0].path).toBe(
      'occupants',
    );
    const unknown = errorOf(() => new HouseholdSimulator({ seed: 1, colour: 'red' } as never));
    expect(unknown.message).toContain('colour');
    expect(errorOf(() => new HouseholdSimulator({} as never)).details[0].path).toBe('seed');
  });

  it('rejects bad ranges and batch sizes', () => {
    const sim = new HouseholdSimulator({ seed: 1 });
    expect(errorOf(() => sim.batches(10, 5).next()).details[0].path).toBe('to');
    expect(errorOf(() => sim.batches(1.5, 5).next()).details[0].path).toBe('from');
    expect(errorOf(() => sim.batches(0, 5, { batchSize: 0 }).next()).details[0].path).toBe('batchSize');
    expect([...sim.batches(MONDAY, MONDAY)]).toEqual([]);
  });
});

describe('HouseholdSimulator.live', () => {
  it('emits in real time exactly what a backfill of the same span gives', async () => {
    const sim = new HouseholdSimulator({ seed: 5, stepMs: 5000 });
    let clock = MONDAY + 7 * HOUR + 59 * MIN + 2_000;
    const got = new Map<string, Reading[]>();
    const controller = new AbortController();
    const running = sim.live({
      signal: controller.signal,
      intervalMs: 5,
      now: () => clock,
      onBatch: ({ sourceId, readings }) => got.set(sourceId, [...(got.get(sourceId) ?? []), ...readings]),
    });
    expect(got.get('sim.power')).toHaveLength(1); // the current step, straight away
    for (let i = 0; i < 30; i++) {
      clock += 4_000;
      await new Promise((resolve) => setTimeout(resolve, 8));
    }
    controller.abort();
    await running;
    const power = got.get('sim.power')!;
    const start = power[0].t;
    const end = power[power.length - 1].t + 5000;
    expect(start).toBe(MONDAY + 7 * HOUR + 59 * MIN);
    expect(end - start).toBeGreaterThan(60_000);
    const backfill = collect(new HouseholdSimulator({ seed: 5, stepMs: 5000 }), start, end);
    for (const [id, readings] of backfill) expect(firstDifference(got.get(id), readings), id).toBe(-1);
  });

  it('rejects when onBatch throws and resolves at once when already aborted', async () => {
    const sim = new HouseholdSimulator({ seed: 5 });
    await expect(
      sim.live({
        signal: new AbortController().signal,
        onBatch: () => {
          throw new Error('store is full');
        },
      }),
    ).rejects.toThrow('store is full');
    let calls = 0;
    await sim.live({ signal: AbortSignal.abort(), onBatch: () => calls++ });
    expect(calls).toBe(0);
  });
});
