import { type Interval, subtractIntervals } from './intervals.ts';
import type { OccupancyDay } from './occupancy.ts';
import { hash3, Rng } from './random.ts';
import type { Weather } from './weather.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const SALT_HOUSEHOLD = 0x40b5;
const SALT_DAY = 0xa991;

/** Every appliance the simulator models. */
export const APPLIANCES = [
  'base',
  'fridge',
  'freezer',
  'kettle',
  'oven',
  'hob',
  'tv',
  'lighting',
  'washing_machine',
  'dishwasher',
  'shower',
  'ev_charger',
] as const;
export type ApplianceName = (typeof APPLIANCES)[number];

/** Where an appliance is used, for room occupancy ("someone is in the kitchen while the kettle boils"). */
export type ApplianceArea = 'kitchen' | 'living' | null;

/** One use of an appliance: a run of constant-power segments. */
export interface ApplianceEvent {
  name: ApplianceName;
  area: ApplianceArea;
  start: number;
  end: number;
  /** Flat `[start, end, watts, start, end, watts, ...]`, sorted, inside `[start, end)`. */
  segments: number[];
}

/** Fixed traits of one household's appliances (drawn once from the seed). */
export interface HouseholdTraits {
  baseW: number;
  kettleW: number;
  fridgeW: number;
  fridgePeriodMin: number;
  fridgeOnMin: number;
  freezerW: number;
  freezerPeriodMin: number;
  freezerOnMin: number;
  hobW: number;
  ovenW: number;
  tvW: number;
  washerHeatW: number;
  dishwasherHeatW: number;
  showerW: number;
  evW: number;
}

/**
 * Draws a household's appliance traits from its seed.
 *
 * @example
 * ```ts
 * householdTraits(seedToUint32(7)).kettleW; // e.g. 2840
 * ```
 */
export function householdTraits(seed: number): HouseholdTraits {
  const r = new Rng(hash3(seed, 0, SALT_HOUSEHOLD));
  return {
    baseW: Math.round(r.between(60, 130)),
    kettleW: Math.round(r.between(2200, 3000)),
    fridgeW: Math.round(r.between(70, 110)),
    fridgePeriodMin: r.between(40, 55),
    fridgeOnMin: r.between(12, 18),
    freezerW: Math.round(r.between(90, 130)),
    freezerPeriodMin: r.between(60, 80),
    freezerOnMin: r.between(18, 28),
    hobW: Math.round(r.between(1200, 2000)),
    ovenW: Math.round(r.between(2000, 2600)),
    tvW: Math.round(r.between(70, 140)),
    washerHeatW: Math.round(r.between(1800, 2200)),
    dishwasherHeatW: Math.round(r.between(1800, 2100)),
    showerW: Math.round(r.between(8500, 10_500)),
    evW: r.chance(0.7) ? Math.round(r.between(6900, 7300)) : Math.round(r.between(3400, 3700)),
  };
}

/** What the scheduler needs besides the occupancy plan. */
export interface ScheduleContext {
  seed: number;
  traits: HouseholdTraits;
  weather: Weather;
  ev: boolean;
  electricShower: boolean;
}

/**
 * Schedules one local day's appliance uses. Attended appliances (kettle, cooking, TV, lighting,
 * shower) run only while someone is awake at home for their whole run; washing machine, dishwasher
 * and EV charger are started by someone at home and may finish after they leave. Nothing but the
 * fridge, freezer and base load runs between 01:30 and 05:00.
 *
 * @example
 * ```ts
 * const events = scheduleDay(occupancy.day(19_800), context);
 * events.filter((e) => e.name === 'kettle').length; // a few per occupied day
 * ```
 */
export function scheduleDay(plan: OccupancyDay, ctx: ScheduleContext): ApplianceEvent[] {
  const rng = new Rng(hash3(ctx.seed, plan.day, SALT_DAY));
  const { traits: tr } = ctx;
  const { start } = plan;
  const at = (hours: number): number => start + Math.round(hours * 3600) * 1000;
  const events: ApplianceEvent[] = [];
  const add = (name: ApplianceName, area: ApplianceArea, segments: number[]): void => {
    if (segments.length === 0) return;
    events.push({ name, area, start: segments[0], end: segments[segments.length - 2], segments });
  };
  const homeAwake = plan.homeAwake;

  events.push(...compressorCycles('fridge', start, tr.fridgeW, tr.fridgePeriodMin, tr.fridgeOnMin, rng));
  events.push(...compressorCycles('freezer', start, tr.freezerW, tr.freezerPeriodMin, tr.freezerOnMin, rng));
  add('base', null, [start, start + 24 * HOUR, tr.baseW + Math.round(rng.between(-10, 15))]);
  // Chargers, router traffic, small gadgets: a little extra while anyone is up.
  const standby = Math.round(rng.between(20, 45));
  for (const [s, e] of homeAwake) add('base', null, [s, e, standby]);

  // Kettle: most people boil one soon after getting up, then a few more through the day.
  const kettles: number[] = [];
  const kettle = (window: readonly Interval[], from: number, to: number): void => {
    const duration = Math.round(rng.between(120, 240)) * 1000;
    const s = place(window, from, to, duration, rng);
    if (s === null || kettles.some((k) => Math.abs(k - s) < 15 * MIN)) return;
    kettles.push(s);
    add('kettle', 'kitchen', [s, s + duration, tr.kettleW]);
  };
  for (const person of plan.persons) {
    if (rng.chance(0.85)) kettle(person.homeAwake, person.awake[0] + 3 * MIN, person.awake[0] + 40 * MIN);
    const hoursHome = person.homeAwake.reduce((sum, [s, e]) => sum + (e - s), 0) / HOUR;
    const extra = Math.floor(rng.between(0, hoursHome / 3.5));
    for (let i = 0; i < extra; i++) kettle(person.homeAwake, person.awake[0], person.awake[1] - 30 * MIN);
  }

  // Dinner: hob, often the oven too; lunch on the hob when someone is home at midday.
  if (rng.chance(0.85)) {
    const cook = Math.round(rng.between(20, 45)) * MIN;
    const s = place(homeAwake, at(17.25), at(19.75), cook, rng);
    if (s !== null) {
      add('hob', 'kitchen', cycling(s, s + cook, tr.hobW, 90, 150, 30, 90, rng));
      const ovenLength = Math.round(rng.between(40, 70)) * MIN;
      const os = s + cook - ovenLength;
      if (rng.chance(0.45) && homeAwake.some(([a, b]) => a <= os && b >= s + cook)) {
        const preheat = [os, os + 10 * MIN, tr.ovenW];
        add('oven', 'kitchen', [
          ...preheat,
          ...cycling(os + 10 * MIN, s + cook, tr.ovenW, 50, 70, 80, 120, rng),
        ]);
      }
    }
  }
  if (rng.chance(0.5)) {
    const lunch = Math.round(rng.between(8, 20)) * MIN;
    const s = place(homeAwake, at(12), at(13.5), lunch, rng);
    if (s !== null) add('hob', 'kitchen', cycling(s, s + lunch, tr.hobW, 90, 150, 30, 90, rng));
  }

  // TV: most evenings, and some weekend afternoons, only while someone watches.
  const tv = (from: number, to: number, minH: number, maxH: number): void => {
    const s = place(homeAwake, from, to, 20 * MIN, rng);
    if (s === null) return;
    const inside = homeAwake.find(([a, b]) => s >= a && s < b);
    const end = Math.min(
      s + Math.round(rng.between(minH, maxH) * 60) * MIN,
      inside ? inside[1] : s + 20 * MIN,
    );
    const segments: number[] = [];
    for (let t = s; t < end; t += 10 * MIN) {
      segments.push(t, Math.min(t + 10 * MIN, end), Math.round(tr.tvW * rng.between(0.85, 1.15)));
    }
    add('tv', 'living', segments);
  };
  if (rng.chance(0.85)) tv(at(19), at(21), 1, 3.5);
  if (plan.weekend && rng.chance(0.4)) tv(at(13), at(16), 1, 2);

  // Lighting: while someone is up and it is dark; level follows how many are up (20-minute blocks).
  const half = ctx.weather.dayLengthHours(at(12)) / 2 - 0.5;
  const dark: Interval[] = [
    [start - 6 * HOUR, at(12.25 - half)],
    [at(12.25 + half), at(24 + 12.25 - half)],
  ];
  for (const [s, e] of subtractIntervals(
    homeAwake,
    subtractIntervals([[start - 6 * HOUR, start + 36 * HOUR]], dark),
  )) {
    const segments: number[] = [];
    for (let t = s, next = s; t < e; t = next) {
      next = Math.min(e, (Math.floor(t / (20 * MIN)) + 1) * 20 * MIN);
      const up = plan.persons.filter((p) => p.homeAwake.some(([a, b]) => t >= a && t < b)).length;
      segments.push(t, next, Math.round(20 + Math.max(1, up) * rng.between(20, 40)));
    }
    add('lighting', null, segments);
  }

  // Laundry and dishes: started by someone at home, finish on their own.
  const washChance = Math.min(0.8, 0.15 + 0.12 * plan.persons.length) * (plan.weekend ? 1.3 : 1);
  if (rng.chance(washChance)) {
    const s = place(homeAwake, at(7.5), at(21.5), 5 * MIN, rng);
    if (s !== null) {
      const heat = Math.round(rng.between(10, 20)) * MIN;
      let t = s + 4 * MIN;
      const segments = [s, t, 15, t, t + heat, tr.washerHeatW];
      t += heat;
      t = pushAlternating(segments, t, 40 * MIN, 60, 180, 30, 40);
      t = pushAlternating(segments, t, 15 * MIN, 60, 120, 30, 40);
      segments.push(t, t + 8 * MIN, Math.round(rng.between(350, 500)));
      add('washing_machine', 'kitchen', segments);
    }
  }
  if (rng.chance(Math.min(0.9, 0.35 + 0.15 * plan.persons.length))) {
    const s = place(homeAwake, at(19.5), at(22.75), 5 * MIN, rng);
    if (s !== null) {
      const steps: Array<[number, number]> = [
        [10, 70],
        [15, tr.dishwasherHeatW],
        [30, 80],
        [10, tr.dishwasherHeatW],
        [35, 15],
      ];
      const segments: number[] = [];
      let t = s;
      for (const [minutes, watts] of steps) {
        segments.push(t, t + minutes * MIN, watts);
        t += minutes * MIN;
      }
      add('dishwasher', 'kitchen', segments);
    }
  }

  // Electric shower (one bathroom: showers never overlap), mostly in the morning.
  if (ctx.electricShower) {
    const showers: number[] = [];
    for (const person of plan.persons) {
      const morning = rng.chance(0.7);
      if (!morning && !rng.chance(0.2)) continue;
      const duration = Math.round(rng.between(6, 10)) * MIN;
      const [from, to] = morning
        ? [person.awake[0] + 5 * MIN, person.awake[0] + 60 * MIN]
        : [at(18), person.awake[1] - 40 * MIN];
      const s = place(person.homeAwake, from, to, duration, rng);
      if (s === null || showers.some((o) => Math.abs(o - s) < 12 * MIN)) continue;
      showers.push(s);
      add('shower', null, [s, s + duration, tr.showerW]);
    }
  }

  // EV: plugged in after getting home in the evening; tapers for its last 20 minutes.
  if (ctx.ev && rng.chance(plan.weekend ? 0.35 : 0.55)) {
    const s = place(homeAwake, at(17), at(21.5), 5 * MIN, rng);
    if (s !== null) {
      const full = Math.round(rng.between(1.5, 3.5) * 60) * MIN;
      add('ev_charger', null, [
        s,
        s + full,
        tr.evW,
        s + full,
        s + full + 20 * MIN,
        Math.round(tr.evW * 0.45),
      ]);
    }
  }
  return events;
}

/**
 * A start time in `[from, to]` such that `[start, start + duration)` lies inside one interval, chosen
 * uniformly over all feasible starts; `null` when nothing fits. Whole seconds.
 */
function place(
  intervals: readonly Interval[],
  from: number,
  to: number,
  duration: number,
  rng: Rng,
): number | null {
  const ranges: Array<[number, number]> = [];
  let total = 0;
  for (const [s, e] of intervals) {
    const lo = Math.max(s, from);
    const hi = Math.min(e - duration, to);
    if (hi < lo) continue;
    ranges.push([lo, hi]);
    total += hi - lo + 1000;
  }
  if (ranges.length === 0) return null;
  let pick = rng.next() * total;
  for (const [lo, hi] of ranges) {
    const width = hi - lo + 1000;
    if (pick < width) return Math.min(hi, lo + Math.floor(pick / 1000) * 1000);
    pick -= width;
  }
  return ranges[ranges.length - 1][1];
}

/** Thermostat-style on/off cycling between `start` and `end` (on/off lengths in seconds). */
function cycling(
  start: number,
  end: number,
  watts: number,
  onLo: number,
  onHi: number,
  offLo: number,
  offHi: number,
  rng: Rng,
): number[] {
  const segments: number[] = [];
  let t = start;
  while (t < end) {
    const on = Math.min(end, t + Math.round(rng.between(onLo, onHi)) * 1000);
    segments.push(t, on, watts);
    t = on + Math.round(rng.between(offLo, offHi)) * 1000;
  }
  return segments;
}

/** Drum tumbling: `onS` seconds at `onW`, `offS` at `offW`, repeated for `length`; returns the end. */
function pushAlternating(
  segments: number[],
  start: number,
  length: number,
  onS: number,
  onW: number,
  offS: number,
  offW: number,
): number {
  const end = start + length;
  for (let t = start; t < end; ) {
    const a = Math.min(end, t + onS * 1000);
    segments.push(t, a, onW);
    const b = Math.min(end, a + offS * 1000);
    if (b > a) segments.push(a, b, offW);
    t = b;
  }
  return end;
}

/** Compressor cycles starting within the day (the last may run past midnight). */
function compressorCycles(
  name: 'fridge' | 'freezer',
  dayStart: number,
  watts: number,
  periodMin: number,
  onMin: number,
  rng: Rng,
): ApplianceEvent[] {
  const events: ApplianceEvent[] = [];
  let t = dayStart + Math.round(rng.between(0, periodMin) * 60) * 1000;
  while (t < dayStart + 24 * HOUR) {
    const on = Math.round(onMin * rng.between(0.85, 1.15) * 60) * 1000;
    events.push({ name, area: null, start: t, end: t + on, segments: [t, t + on, watts] });
    t += Math.round(periodMin * rng.between(0.9, 1.1) * 60) * 1000;
  }
  return events;
}
