import { ZoneOffsets } from './zone-offsets.ts';

const DAY = 86_400_000;

/** Calendar resolutions: local days, ISO weeks (from Monday), months and years. */
export const CALENDAR_RESOLUTIONS = ['1d', '1w', '1mo', '1y'] as const;
export type CalendarResolution = (typeof CALENDAR_RESOLUTIONS)[number];

export function isCalendarResolution(name: string): name is CalendarResolution {
  return (CALENDAR_RESOLUTIONS as readonly string[]).includes(name);
}

/**
 * A zone's local calendar as instants: where each local day, ISO week, month and year starts.
 * Days are numbered from 1970-01-01 (day 0, a Thursday) on the local wall clock, so 23- and
 * 25-hour days and +05:45 zones need no special case: a bucket is every instant whose local date
 * falls in it.
 *
 * @example
 * ```ts
 * const cal = LocalCalendar.of('Europe/Amsterdam');
 * cal.startOf(Date.UTC(2026, 9, 25, 12), '1d'); // Date.UTC(2026, 9, 24, 22): 00:00 CEST
 * cal.next(Date.UTC(2026, 9, 24, 22), '1d'); // Date.UTC(2026, 9, 25, 23): a 25-hour day
 * ```
 */
export class LocalCalendar {
  static readonly #cache = new Map<string, LocalCalendar>();
  readonly zone: string;
  readonly offsets: ZoneOffsets;

  private constructor(offsets: ZoneOffsets) {
    this.offsets = offsets;
    this.zone = offsets.zone;
  }

  static of(zone: string): LocalCalendar {
    let found = LocalCalendar.#cache.get(zone);
    if (!found) {
      found = new LocalCalendar(ZoneOffsets.of(zone));
      LocalCalendar.#cache.set(zone, found);
    }
    return found;
  }

  /** The local day number of instant `t` (days since 1970-01-01 on the local clock). */
  dayNumber(t: number): number {
    return Math.floor((t + this.offsets.offsetAt(t)) / DAY);
  }

  /** The local wall-clock time of `t` as ms since 1970 read as UTC (for field extraction). */
  wall(t: number): number {
    return t + this.offsets.offsetAt(t);
  }

  /** First instant whose local date is day `day` (local midnight, or the end of a DST gap over it). */
  dayStart(day: number): number {
    const base = day * DAY;
    const constant = this.offsets.constantBetween(base - 2 * DAY, base + 2 * DAY);
    if (constant !== undefined) return base - constant;
    let best = Number.POSITIVE_INFINITY;
    for (const o of this.offsets.offsetsBetween(base - 2 * DAY, base + 2 * DAY)) {
      const c = base - o;
      if (this.wall(c) === base && c < best) best = c;
    }
    if (best !== Number.POSITIVE_INFINITY) return best;
    // midnight skipped by a change of offset: the day starts at the change
    for (const t of this.offsets.changesBetween(base - 2 * DAY, base + 2 * DAY))
      if (this.dayNumber(t) === day && this.dayNumber(t - 1) < day) return t;
    throw new Error(`no start found for local day ${day} in ${this.zone}`);
  }

  /** Day number where the bucket of `resolution` holding local day `day` begins. */
  bucketDay(day: number, resolution: CalendarResolution): number {
    if (resolution === '1d') return day;
    if (resolution === '1w') return day - ((((day + 3) % 7) + 7) % 7);
    const date = new Date(day * DAY);
    const first =
      resolution === '1mo'
        ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
        : Date.UTC(date.getUTCFullYear(), 0, 1);
    return first / DAY;
  }

  /** Day number of the bucket after the one starting on `day`. */
  nextBucketDay(day: number, resolution: CalendarResolution): number {
    if (resolution === '1d') return day + 1;
    if (resolution === '1w') return day + 7;
    const date = new Date(day * DAY);
    return resolution === '1mo'
      ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / DAY
      : Date.UTC(date.getUTCFullYear() + 1, 0, 1) / DAY;
  }

  /** Start of the local bucket of `resolution` holding instant `t`. */
  startOf(t: number, resolution: CalendarResolution): number {
    return this.dayStart(this.bucketDay(this.dayNumber(t), resolution));
  }

  /** Start of the local bucket after the one holding `t`. */
  next(t: number, resolution: CalendarResolution): number {
    return this.dayStart(this.nextBucketDay(this.bucketDay(this.dayNumber(t), resolution), resolution));
  }

  /** Move `n` buckets from the one holding `t` (n may be negative); returns its start. */
  shift(t: number, resolution: CalendarResolution, n: number): number {
    let day = this.bucketDay(this.dayNumber(t), resolution);
    if (resolution === '1d' || resolution === '1w')
      return this.dayStart(day + n * (resolution === '1d' ? 1 : 7));
    const date = new Date(day * DAY);
    const months = resolution === '1mo' ? n : 12 * n;
    day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1) / DAY;
    return this.dayStart(day);
  }

  /**
   * Starts of the buckets that overlap `[from, to)`, plus the end of the last one: the first
   * holds `from` (as the store floors `from` to its bucket), the list ends at or after `to`.
   */
  boundaries(from: number, to: number, resolution: CalendarResolution): number[] {
    if (resolution === '1d') return this.#dayBoundaries(from, to);
    let day = this.bucketDay(this.dayNumber(from), resolution);
    const out = [this.dayStart(day)];
    while (out[out.length - 1] < to) {
      day = this.nextBucketDay(day, resolution);
      out.push(this.dayStart(day));
    }
    return out;
  }

  /**
   * {@link boundaries} of local days, fast: a day with no change of offset within two days of
   * its midnight starts at that midnight minus the offset (a year's read needs 366 of them).
   */
  #dayBoundaries(from: number, to: number): number[] {
    let day = this.dayNumber(from);
    const changes = this.offsets.changesBetween(day * DAY - 3 * DAY, Math.max(to, from) + 3 * DAY);
    const out: number[] = [];
    let c = 0;
    let offset = Number.NaN; // the offset in force since the last change passed
    for (;;) {
      const base = day * DAY;
      while (c < changes.length && changes[c] < base - 2 * DAY) {
        c++;
        offset = Number.NaN;
      }
      let start: number;
      if (c < changes.length && changes[c] <= base + 2 * DAY) start = this.dayStart(day);
      else {
        if (Number.isNaN(offset)) offset = this.offsets.offsetAt(base);
        start = base - offset;
      }
      out.push(start);
      if (start >= to) return out;
      day++;
    }
  }
}
