import { clipIntervals, type Interval, inIntervals, subtractIntervals, unionIntervals } from './intervals.ts';
import { hash3, Rng } from './random.ts';

export const DAY_MS = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;
const SALT_PERSON = 0x9e00;
const SALT_HOUSE = 0x4a11;
const SALT_TRIP = 0x7219;
/** Longest household trip, in nights: trips that started this many days ago can still cover today. */
const MAX_TRIP_NIGHTS = 4;

/** What one person is doing at an instant. */
export const PersonState = { away: 0, asleep: 1, awake: 2 } as const;
export type PersonState = (typeof PersonState)[keyof typeof PersonState];

/** One person's local day: awake from wake to sleep (may pass midnight), minus time out. */
export interface PersonDay {
  /** `[wake, sleep)`; sleep can be up to 01:00 the next day. */
  awake: Interval;
  /** Times out of the house within the awake span (work, school, outings). */
  away: Interval[];
  /** Awake and at home: `awake` minus `away` minus household trips. */
  homeAwake: Interval[];
}

/** The household's plan for one local day (`start`..`end` in UTC ms). */
export interface OccupancyDay {
  day: number;
  start: number;
  end: number;
  weekend: boolean;
  persons: PersonDay[];
  /** Household trips (everybody away, nights included) that touch this day ±1 day. */
  trips: Interval[];
  /** When at least one person is awake at home (union over persons). */
  homeAwake: Interval[];
}

/**
 * Occupancy as a pure function of (seed, local day): adults who commute or work from home, children
 * at school, weekend lie-ins and outings, evening outings and multi-day household trips. Each day's
 * plan is seeded by `hash(seed, day)`, so any day can be generated alone.
 *
 * @example
 * ```ts
 * const model = new OccupancyModel(seedToUint32(1), 0, 2);
 * model.stateOf(0, Date.UTC(2024, 0, 10, 3)); // PersonState.asleep (3 a.m. on a Wednesday)
 * ```
 */
export class OccupancyModel {
  private readonly cache = new Map<number, OccupancyDay>();

  constructor(
    private readonly seed: number,
    readonly offsetMs: number,
    readonly occupants: number,
  ) {}

  /** Local day index of `t` (days since 1970-01-01 in local time). */
  dayOf(t: number): number {
    return Math.floor((t + this.offsetMs) / DAY_MS);
  }

  /** UTC ms at which local day `day` starts. */
  dayStart(day: number): number {
    return day * DAY_MS - this.offsetMs;
  }

  /** The plan for local day `day` (cached; a handful of days are kept). */
  day(day: number): OccupancyDay {
    const hit = this.cache.get(day);
    if (hit) return hit;
    const plan = this.build(day);
    if (this.cache.size >= 8) this.cache.delete(this.cache.keys().next().value as number);
    this.cache.set(day, plan);
    return plan;
  }

  /** State of person `index` at `t`. */
  stateOf(index: number, t: number): PersonState {
    const d = this.dayOf(t);
    const today = this.day(d);
    if (inIntervals(today.trips, t)) return PersonState.away;
    for (const plan of [today, this.day(d - 1)]) {
      const person = plan.persons[index];
      if (t >= person.awake[0] && t < person.awake[1]) {
        return inIntervals(person.away, t) ? PersonState.away : PersonState.awake;
      }
    }
    return PersonState.asleep;
  }

  private build(day: number): OccupancyDay {
    const start = this.dayStart(day);
    const dow = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
    const weekend = dow === 0 || dow === 6;
    const trips = this.tripsNear(day);
    const house = new Rng(hash3(this.seed, day, SALT_HOUSE));
    // A shared weekend outing (shopping, visiting) takes everybody out at once.
    const sharedOuting: Interval | null =
      weekend && house.chance(0.45)
        ? ((s) => [s, s + house.between(2, 5) * HOUR] as const)(start + house.between(10, 14) * HOUR)
        : null;
    const persons: PersonDay[] = [];
    for (let i = 0; i < this.occupants; i++) {
      const rng = new Rng(hash3(this.seed, day, SALT_PERSON + i));
      const role = i === 0 ? 'worker' : i === 1 ? 'part-time' : 'child';
      const at = (hours: number): number => start + Math.round(hours * 60) * MIN;
      let wake: number;
      let sleep: number;
      const away: Interval[] = [];
      if (role === 'child') {
        wake = at(weekend ? rng.between(7, 8.5) : rng.between(6.75, 7.5));
        sleep = at(weekend ? rng.between(20.75, 22) : rng.between(20, 21.5));
        if (!weekend)
          away.push([at(rng.between(8.25, 8.67)), at(rng.chance(0.2) ? 17.5 : rng.between(15.25, 16.5))]);
      } else {
        wake = at(weekend ? rng.between(7.5, 9.5) : rng.between(6, 7.5));
        sleep = at(weekend ? rng.between(22.5, 24.75) : rng.between(22, 23.75));
        const homeDay = weekend || rng.chance(role === 'worker' ? 0.25 : 0.5);
        if (!homeDay) {
          away.push([wake + Math.round(rng.between(45, 90)) * MIN, at(rng.between(16.75, 18.75))]);
        } else if (rng.chance(0.4)) {
          const out = at(rng.between(11, 15));
          away.push([out, out + Math.round(rng.between(30, 150)) * MIN]);
        }
        if (rng.chance(0.15)) {
          const out = at(rng.between(19, 20.5));
          away.push([out, out + Math.round(rng.between(90, 150)) * MIN]);
        }
      }
      if (sharedOuting) away.push(sharedOuting);
      const awayInAwake = clipIntervals(unionIntervals(away), wake, sleep);
      const homeAwake = subtractIntervals(subtractIntervals([[wake, sleep]], awayInAwake), trips);
      persons.push({ awake: [wake, sleep], away: awayInAwake, homeAwake });
    }
    const homeAwake = unionIntervals(persons.flatMap((p) => p.homeAwake));
    return { day, start, end: start + DAY_MS, weekend, persons, trips, homeAwake };
  }

  /** Household trips: about one start in 50 days, 1–4 nights, leaving in the morning, back by evening. */
  private tripsNear(day: number): Interval[] {
    const trips: Interval[] = [];
    for (let d = day - MAX_TRIP_NIGHTS - 1; d <= day + 1; d++) {
      const rng = new Rng(hash3(this.seed, d, SALT_TRIP));
      if (!rng.chance(0.02)) continue;
      const nights = rng.int(1, MAX_TRIP_NIGHTS);
      const leave = this.dayStart(d) + Math.round(rng.between(8, 11) * 60) * MIN;
      const back = this.dayStart(d + nights) + Math.round(rng.between(13, 19) * 60) * MIN;
      trips.push([leave, back]);
    }
    return unionIntervals(trips);
  }
}
