import { type ApplianceEvent, type ApplianceName, type ScheduleContext, scheduleDay } from './appliances.ts';
import type { OccupancyModel } from './occupancy.ts';
import { hash3 } from './random.ts';

const SALT_NOISE = 0x5eed;
const NOISE_LEVELS = 9;
/** The energy counter reads 0 kWh at the start of local day 2000-01-01 (negative before it). */
const ENERGY_ORIGIN_DAY = 10_957;

/** One local day's power as a step function: sorted change points and level deltas (integer W). */
export interface DayPlan {
  day: number;
  start: number;
  end: number;
  /** Appliance uses overlapping the day, including runs that started the day before. */
  events: ApplianceEvent[];
  changeT: Float64Array;
  changeW: Float64Array;
}

/** An appliance running at some instant. */
export interface ApplianceActivity {
  name: ApplianceName;
  /** Power it draws at that instant, W. */
  watts: number;
  /** When this use started and ends (UTC ms). */
  start: number;
  end: number;
}

/**
 * Household power as a pure function of time, sampled on the grid `t = k · stepMs`. The power at a
 * sample is the step-function level (integer W) plus noise `g(k+1) − g(k)` with `g` a hash: its
 * sum over any range telescopes, so the energy of a day (and so the counter's value at any instant)
 * is computed exactly, in integer W·ms, from change points alone, without visiting every sample.
 *
 * @example
 * ```ts
 * const model = new PowerModel(seed, 10_000, occupancy, context);
 * const plan = model.plan(model.occupancy.dayOf(t));
 * model.powerAt(t); // W at the sample at or before t
 * ```
 */
export class PowerModel {
  private readonly raw = new Map<number, ApplianceEvent[]>();
  private readonly plans = new Map<number, DayPlan>();
  /** Counter value (Wh) at the start of each local day computed so far. */
  private readonly dayStartWh = new Map<number, number>([[ENERGY_ORIGIN_DAY, 0]]);
  private readonly noiseSeed: number;

  constructor(
    seed: number,
    readonly stepMs: number,
    readonly occupancy: OccupancyModel,
    private readonly context: ScheduleContext,
  ) {
    this.noiseSeed = hash3(seed, stepMs, SALT_NOISE);
  }

  /** The step-function plan of local day `day` (a few days are cached). */
  plan(day: number): DayPlan {
    const hit = this.plans.get(day);
    if (hit) return hit;
    const start = this.occupancy.dayStart(day);
    const end = this.occupancy.dayStart(day + 1);
    const events = [...this.rawEvents(day - 1).filter((e) => e.end > start), ...this.rawEvents(day)];
    const changes: number[] = [];
    for (const event of events) {
      const s = event.segments;
      for (let i = 0; i < s.length; i += 3) {
        const a = Math.max(s[i], start);
        const b = Math.min(s[i + 1], end);
        if (b > a) changes.push(a, s[i + 2], b, -s[i + 2]);
      }
    }
    const order = Array.from({ length: changes.length / 2 }, (_, i) => i).sort(
      (x, y) => changes[2 * x] - changes[2 * y],
    );
    const changeT = new Float64Array(order.length);
    const changeW = new Float64Array(order.length);
    order.forEach((o, i) => {
      changeT[i] = changes[2 * o];
      changeW[i] = changes[2 * o + 1];
    });
    const plan: DayPlan = { day, start, end, events, changeT, changeW };
    remember(this.plans, day, plan, 4);
    return plan;
  }

  /** Noise term `g(k)` (integer, 0..8). */
  noise(k: number): number {
    return hash3(this.noiseSeed, k, SALT_NOISE) % NOISE_LEVELS;
  }

  /** Sum of sampled power (W) over the samples `k·step` in `[a, b)`, within one day plan. Exact. */
  sampleSum(plan: DayPlan, a: number, b: number): number {
    const step = this.stepMs;
    const count = (x: number, y: number): number => (y > x ? Math.ceil(y / step) - Math.ceil(x / step) : 0);
    let sum = this.noise(Math.ceil(b / step)) - this.noise(Math.ceil(a / step));
    let level = 0;
    const n = plan.changeT.length;
    for (let i = 0; i < n; i++) {
      level += plan.changeW[i];
      const from = Math.max(plan.changeT[i], a);
      const to = Math.min(i + 1 < n ? plan.changeT[i + 1] : plan.end, b);
      sum += level * count(from, to);
    }
    return sum;
  }

  /**
   * {@link sampleSum} over a whole local day, straight from the scheduled segments (no sorting):
   * the energy walk from the origin visits thousands of days and this keeps it cheap.
   */
  daySampleSum(day: number): number {
    const step = this.stepMs;
    const start = this.occupancy.dayStart(day);
    const end = this.occupancy.dayStart(day + 1);
    let sum = this.noise(Math.ceil(end / step)) - this.noise(Math.ceil(start / step));
    for (const events of [this.rawEvents(day - 1), this.rawEvents(day)]) {
      for (const event of events) {
        if (event.end <= start || event.start >= end) continue;
        const seg = event.segments;
        for (let i = 0; i < seg.length; i += 3) {
          const a = Math.max(seg[i], start);
          const b = Math.min(seg[i + 1], end);
          if (b > a) sum += seg[i + 2] * (Math.ceil(b / step) - Math.ceil(a / step));
        }
      }
    }
    return sum;
  }

  /** The energy counter (kWh) at `t`: the integral of the sampled power since the origin. */
  energyAt(t: number): number {
    const plan = this.plan(this.occupancy.dayOf(t));
    return this.energyKwh(plan.day, this.sampleSum(plan, plan.start, t) * this.stepMs);
  }

  /** Counter value from the day's start value and the exact W·ms since the day started. */
  energyKwh(day: number, wattMsIntoDay: number): number {
    return (this.dayStartEnergyWh(day) + wattMsIntoDay / 3_600_000) / 1000;
  }

  /** Counter value (Wh) at the start of local day `day`, summed day by day from the origin (cached). */
  dayStartEnergyWh(day: number): number {
    const known = this.dayStartWh.get(day);
    if (known !== undefined) return known;
    // Walk from the origin toward `day`, always in the same order, so the float sums never differ;
    // every day on the way is cached, so continue from the nearest known day.
    const dir = day > ENERGY_ORIGIN_DAY ? 1 : -1;
    let d = day - dir;
    while (!this.dayStartWh.has(d)) d -= dir;
    let wh = this.dayStartWh.get(d) as number;
    while (d !== day) {
      const next = d + dir;
      const dayWh = (this.daySampleSum(dir > 0 ? d : next) * this.stepMs) / 3_600_000;
      wh = dir > 0 ? wh + dayWh : wh - dayWh;
      this.dayStartWh.set(next, wh);
      d = next;
    }
    return wh;
  }

  /** Power (W) of the sample at or before `t`. */
  powerAt(t: number): number {
    const k = Math.floor(t / this.stepMs);
    const ts = k * this.stepMs;
    const plan = this.plan(this.occupancy.dayOf(ts));
    let level = 0;
    for (let i = 0; i < plan.changeT.length && plan.changeT[i] <= ts; i++) level += plan.changeW[i];
    return level + this.noise(k + 1) - this.noise(k);
  }

  /**
   * Appliance uses in progress at `t` (exact instant, not snapped to the sample grid), without the
   * always-on base load. Cycling appliances (hob, oven) report 0 W during a thermostat off phase.
   */
  appliancesAt(t: number): ApplianceActivity[] {
    const out: ApplianceActivity[] = [];
    for (const event of this.plan(this.occupancy.dayOf(t)).events) {
      if (t < event.start || t >= event.end) continue;
      const s = event.segments;
      let watts = 0;
      for (let i = 0; i < s.length; i += 3) if (t >= s[i] && t < s[i + 1]) watts += s[i + 2];
      if (event.name !== 'base') out.push({ name: event.name, watts, start: event.start, end: event.end });
    }
    return out;
  }

  /** Appliance uses of one local day as scheduled (cached). */
  rawEvents(day: number): ApplianceEvent[] {
    const hit = this.raw.get(day);
    if (hit) return hit;
    const events = scheduleDay(this.occupancy.day(day), this.context);
    remember(this.raw, day, events, 4);
    return events;
  }
}

function remember<V>(cache: Map<number, V>, key: number, value: V, size: number): void {
  if (cache.size >= size) cache.delete(cache.keys().next().value as number);
  cache.set(key, value);
}
