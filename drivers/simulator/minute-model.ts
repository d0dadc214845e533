import { type OccupancyModel, PersonState } from './occupancy.ts';
import type { PowerModel } from './power-model.ts';
import { hash3 } from './random.ts';
import type { Weather } from './weather.ts';

const MIN = 60_000;
const MINUTES_PER_DAY = 1440;
/**
 * Room temperatures start this many days before the day from a fixed guess. The slowest thermal
 * mode (walls and floor, ~20 h) forgets the guess to under 1% by then, so consecutive days meet
 * at midnight to within a few hundredths of a degree.
 */
const WARM_UP_DAYS = 4;
const SALT_ROOM = 0x2003;
const SALT_WANDER = 0x3a7d;

/** Household mode per minute: drives the heating schedule. */
const Mode = { away: 0, asleep: 1, awake: 2 } as const;

/** Per-minute room data of one local day. */
export interface MinuteDay {
  day: number;
  start: number;
  /** `occupancy[room][minute]`: 1 when someone is in the room. */
  occupancy: Uint8Array[];
  /** `temperature[room][minute]`, °C rounded to 0.01. */
  temperature: Float64Array[];
}

/** What drives the thermal model, per minute of one day. */
interface DayInputs {
  modes: Uint8Array;
  outdoor: Float64Array;
  sun: Float64Array;
  heating: Uint8Array;
}

interface RoomTraits {
  tauH: number;
  heatMaxPerH: number;
  solarPerH: number;
  bedroom: boolean;
}

/**
 * Room occupancy and temperatures on a one-minute grid. Who is in which room follows the plan
 * (asleep → a bedroom; cooking → kitchen; TV → living room; otherwise wandering in 20-minute
 * blocks). Temperatures follow a first-order thermal model per room (loss to outdoors, a
 * proportional radiator with a comfort/night/away schedule in the heating season, sun and
 * people gains), integrated from a fixed guess two days before each day so that every day is a
 * pure function of (seed, day) yet continuous with the day before.
 *
 * @example
 * ```ts
 * const minutes = new MinuteModel(seed, ['living', 'kitchen', 'bedroom'], occupancy, power, weather);
 * minutes.day(19_800).temperature[0][8 * 60]; // living room at 08:00 local
 * ```
 */
export class MinuteModel {
  private readonly cache = new Map<number, MinuteDay>();
  private readonly inputs = new Map<number, DayInputs>();
  private readonly traits: RoomTraits[];
  private readonly bedrooms: number[];
  private readonly kitchen: number;
  private readonly living: number;

  constructor(
    private readonly seed: number,
    readonly rooms: readonly string[],
    private readonly occupancy: OccupancyModel,
    private readonly power: PowerModel,
    private readonly weather: Weather,
  ) {
    this.traits = rooms.map((name, i) => {
      const h = (salt: number): number => hash3(seed, i, SALT_ROOM + salt) / 4_294_967_296;
      return {
        tauH: 5 + 5 * h(0),
        heatMaxPerH: 4 + 2 * h(1),
        solarPerH: 0.1 + 0.5 * h(2),
        bedroom: name.includes('bed'),
      };
    });
    const beds = rooms.flatMap((name, i) => (name.includes('bed') ? [i] : []));
    this.bedrooms = beds.length > 0 ? beds : [rooms.length - 1];
    this.kitchen = rooms.findIndex((name) => name.includes('kitchen'));
    this.living = rooms.findIndex((name) => /living|lounge|sitting|family/.test(name));
  }

  /** Minute data of local day `day` (two days are cached). */
  day(day: number): MinuteDay {
    const hit = this.cache.get(day);
    if (hit) return hit;
    const result: MinuteDay = {
      day,
      start: this.occupancy.dayStart(day),
      occupancy: this.roomOccupancy(day),
      temperature: this.temperatures(day),
    };
    if (this.cache.size >= 2) this.cache.delete(this.cache.keys().next().value as number);
    this.cache.set(day, result);
    return result;
  }

  private roomOccupancy(day: number): Uint8Array[] {
    const start = this.occupancy.dayStart(day);
    const out = this.rooms.map(() => new Uint8Array(MINUTES_PER_DAY));
    const kitchenBusy = new Uint8Array(MINUTES_PER_DAY);
    const tvOn = new Uint8Array(MINUTES_PER_DAY);
    for (const event of this.power.plan(day).events) {
      const flags =
        event.name === 'tv' ? tvOn : ['kettle', 'hob', 'oven'].includes(event.name) ? kitchenBusy : null;
      if (!flags) continue;
      const a = Math.max(0, Math.floor((event.start - start) / MIN));
      const b = Math.min(MINUTES_PER_DAY, Math.ceil((event.end - start) / MIN));
      flags.fill(1, a, Math.max(a, b));
    }
    for (let m = 0; m < MINUTES_PER_DAY; m++) {
      const t = start + m * MIN;
      let cookAssigned = false;
      for (let p = 0; p < this.occupancy.occupants; p++) {
        const state = this.occupancy.stateOf(p, t);
        if (state === PersonState.away) continue;
        let room: number;
        if (state === PersonState.asleep) room = this.bedrooms[p % this.bedrooms.length];
        else if (kitchenBusy[m] && !cookAssigned && this.kitchen >= 0) {
          room = this.kitchen;
          cookAssigned = true;
        } else if (tvOn[m] && this.living >= 0) room = this.living;
        else room = hash3(this.seed, Math.floor(t / (20 * MIN)), SALT_WANDER + p) % this.rooms.length;
        out[room][m] = 1;
      }
    }
    return out;
  }

  /** Thermal-model inputs per minute of a day (cached: each day is read by several warm-ups). */
  private inputsOf(day: number): DayInputs {
    const hit = this.inputs.get(day);
    if (hit) return hit;
    const start = this.occupancy.dayStart(day);
    const inputs: DayInputs = {
      modes: new Uint8Array(MINUTES_PER_DAY),
      outdoor: new Float64Array(MINUTES_PER_DAY),
      sun: new Float64Array(MINUTES_PER_DAY),
      heating: new Uint8Array(MINUTES_PER_DAY),
    };
    for (let m = 0; m < MINUTES_PER_DAY; m++) {
      const t = start + m * MIN;
      let mode: number = Mode.away;
      for (let p = 0; p < this.occupancy.occupants && mode !== Mode.awake; p++) {
        const state = this.occupancy.stateOf(p, t);
        if (state === PersonState.awake) mode = Mode.awake;
        else if (state === PersonState.asleep) mode = Mode.asleep;
      }
      inputs.modes[m] = mode;
      inputs.outdoor[m] = this.weather.temperature(t);
      inputs.sun[m] = this.weather.sunlight(t);
      inputs.heating[m] = this.weather.seasonal(t) < 13.5 ? 1 : 0;
    }
    if (this.inputs.size >= WARM_UP_DAYS + 2) this.inputs.delete(this.inputs.keys().next().value as number);
    this.inputs.set(day, inputs);
    return inputs;
  }

  private temperatures(day: number): Float64Array[] {
    // A guess near the typical state keeps the warm-up short: heated ~19 °C, else a little above outside.
    const guess = Math.max(19, this.weather.seasonal(this.occupancy.dayStart(day - WARM_UP_DAYS)) + 4);
    const air = this.traits.map(() => guess);
    const fabric = this.traits.map(() => guess);
    const out = this.rooms.map(() => new Float64Array(MINUTES_PER_DAY));
    const dtH = 1 / 60;
    for (let d = day - WARM_UP_DAYS; d <= day; d++) {
      const { modes, outdoor, sun, heating } = this.inputsOf(d);
      for (let m = 0; m < MINUTES_PER_DAY; m++) {
        const mode = modes[m];
        const people = mode === Mode.awake ? 0.15 : mode === Mode.asleep ? 0.05 : 0;
        for (let r = 0; r < air.length; r++) {
          const room = this.traits[r];
          const T = air[r];
          const setpoint =
            mode === Mode.awake
              ? room.bedroom
                ? 18.5
                : 20.5
              : mode === Mode.asleep
                ? room.bedroom
                  ? 17
                  : 16
                : 14;
          const heat = heating[m]
            ? Math.min(room.heatMaxPerH, Math.max(0, (setpoint - T) * 2 * room.heatMaxPerH))
            : 0;
          // Air exchanges with outdoors (leaks, windows) and with walls and floor, which change slowly.
          air[r] +=
            dtH *
            ((outdoor[m] - T) / room.tauH + (fabric[r] - T) / 4 + heat + room.solarPerH * sun[m] + people);
          fabric[r] += dtH * ((T - fabric[r]) / 16 + (outdoor[m] - fabric[r]) / 32);
          if (d === day) out[r][m] = Math.round(air[r] * 100) / 100;
        }
      }
    }
    return out;
  }
}
