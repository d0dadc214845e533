import { hash3 } from './random.ts';

const DAY_MS = 86_400_000;
const YEAR_DAYS = 365.2425;
const SALT_ANOMALY = 0x7e47;
const SALT_CLOUD = 0xc10d;

/**
 * Outdoor climate of a temperate, UK-like place as a pure function of time: a seasonal curve
 * (coldest mid-January, annual mean 10.5 °C, ±7 °C), a daily cycle whose size depends on
 * cloudiness, and a smooth weather anomaly (correlated over a few days, σ≈3 °C) interpolated
 * between per-day values. No state, so any instant can be evaluated alone.
 *
 * @example
 * ```ts
 * const weather = new Weather(seedToUint32(42), 0);
 * weather.temperature(Date.UTC(2024, 0, 15, 5)); // a cold January morning, e.g. 1.8
 * ```
 */
export class Weather {
  constructor(
    private readonly seed: number,
    private readonly offsetMs: number,
  ) {}

  /** Seasonal baseline (no weather, no daily cycle), °C. */
  seasonal(t: number): number {
    return 10.5 - 7 * Math.cos((2 * Math.PI * (t / DAY_MS - 15)) / YEAR_DAYS);
  }

  /** Outdoor air temperature at `t`, °C. */
  temperature(t: number): number {
    const u = t / DAY_MS - 0.5;
    const d0 = Math.floor(u);
    const f = u - d0;
    const s = f * f * (3 - 2 * f);
    const anomaly = this.dayAnomaly(d0) * (1 - s) + this.dayAnomaly(d0 + 1) * s;
    const cloud = this.cloudiness(d0) * (1 - s) + this.cloudiness(d0 + 1) * s;
    const summerness = 0.5 - 0.5 * Math.cos((2 * Math.PI * (t / DAY_MS - 15)) / YEAR_DAYS);
    const amplitude = (1.5 + 3.5 * (1 - cloud)) * (0.6 + 0.4 * summerness);
    const hour = this.localHour(t);
    return this.seasonal(t) + anomaly + amplitude * Math.cos((2 * Math.PI * (hour - 15)) / 24);
  }

  /** Hours of daylight on the day of `t` (7.7 h at midwinter to 16.3 h at midsummer). */
  dayLengthHours(t: number): number {
    return 12 + 4.3 * Math.cos((2 * Math.PI * (t / DAY_MS - 172)) / YEAR_DAYS);
  }

  /** Sun height proxy in [0, 1]: 0 at night, 1 at local solar noon on the longest day. */
  sunlight(t: number): number {
    const half = this.dayLengthHours(t) / 2;
    const fromNoon = Math.abs(this.localHour(t) - 12.25);
    if (fromNoon >= half) return 0;
    return Math.cos((Math.PI / 2) * (fromNoon / half)) * (half / 8.15);
  }

  /** Whether the sun is down (lights are needed) at `t`, with half an hour of dusk on each side. */
  isDark(t: number): boolean {
    const half = this.dayLengthHours(t) / 2 - 0.5;
    return Math.abs(this.localHour(t) - 12.25) >= half;
  }

  /** 0 (clear) .. 1 (overcast) for a UTC day. */
  cloudiness(day: number): number {
    return hash3(this.seed, day, SALT_CLOUD) / 4_294_967_296;
  }

  private localHour(t: number): number {
    const local = (t + this.offsetMs) % DAY_MS;
    return (local < 0 ? local + DAY_MS : local) / 3_600_000;
  }

  /** Three-day moving sum of per-day noise: neighbouring days share weather. */
  private dayAnomaly(day: number): number {
    return ((this.noise(day - 1) + 2 * this.noise(day) + this.noise(day + 1)) / Math.sqrt(6)) * 3;
  }

  /** Roughly standard normal per-day noise (Irwin–Hall of four uniforms). */
  private noise(day: number): number {
    let sum = 0;
    for (let i = 0; i < 4; i++) sum += hash3(this.seed, day, SALT_ANOMALY + i) / 4_294_967_296;
    return (sum - 2) * Math.sqrt(3);
  }
}
