import { ZoneOffsets } from './zone-offsets.ts';

/** A box's time settings: an IANA zone and a BCP 47 locale. */
export interface TimeSettings {
  timeZone: string;
  locale: string;
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/**
 * Every date the box shows a person, in one place: in the box's zone, in the locale's custom
 * (24-hour clock and day-first where the locale has them, from ICU), labelled with the zone.
 * Machines get epoch ms or ISO 8601 with the offset ({@link iso}), never local text.
 *
 * @example
 * ```ts
 * const lt = new LocalTime({ timeZone: 'Europe/Amsterdam', locale: 'nl-NL' });
 * lt.dateTime(Date.UTC(2026, 9, 25, 0, 30)); // '25-10-2026 02:30'
 * lt.zoneLabel(Date.UTC(2026, 9, 25, 0, 30)); // 'CEST'
 * lt.iso(Date.UTC(2026, 9, 25, 0, 30)); // '2026-10-25T02:30:00+02:00'
 * ```
 */
export class LocalTime {
  readonly timeZone: string;
  readonly locale: string;
  readonly offsets: ZoneOffsets;
  readonly #dateTime: Intl.DateTimeFormat;
  readonly #date: Intl.DateTimeFormat;
  readonly #time: Intl.DateTimeFormat;
  readonly #zone: Intl.DateTimeFormat;
  readonly #month: Intl.DateTimeFormat;
  readonly #weekday: Intl.DateTimeFormat;

  static readonly #made = new Map<string, LocalTime>();

  /**
   * The formatter for these settings, made once: a LocalTime builds six Intl formatters (~0.9 ms),
   * and every page asks for the box's. It holds no state, so sharing it is safe; a handful of
   * zone/locale pairs at most are ever in use.
   */
  static of(settings: TimeSettings): LocalTime {
    const key = `${settings.timeZone}\u0000${settings.locale}`;
    let made = LocalTime.#made.get(key);
    if (!made) {
      if (LocalTime.#made.size >= 16) LocalTime.#made.clear();
      made = new LocalTime(settings);
      LocalTime.#made.set(key, made);
    }
    return made;
  }

  constructor(settings: TimeSettings) {
    this.offsets = ZoneOffsets.of(settings.timeZone);
    this.timeZone = this.offsets.zone;
    this.locale = settings.locale;
    const base = { timeZone: this.timeZone } as const;
    this.#dateTime = new Intl.DateTimeFormat(this.locale, {
      ...base,
      dateStyle: 'medium',
      timeStyle: 'short',
    });
    this.#date = new Intl.DateTimeFormat(this.locale, { ...base, dateStyle: 'medium' });
    this.#time = new Intl.DateTimeFormat(this.locale, { ...base, timeStyle: 'short' });
    this.#zone = new Intl.DateTimeFormat(this.locale, { ...base, timeZoneName: 'short' });
    this.#month = new Intl.DateTimeFormat(this.locale, { ...base, month: 'long', year: 'numeric' });
    this.#weekday = new Intl.DateTimeFormat(this.locale, {
      ...base,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
    });
  }

  /** Date and time to the minute, e.g. `25 Oct 2026, 02:30` (en-GB). */
  dateTime(ms: number): string {
    return this.#dateTime.format(ms);
  }

  /** The date alone, e.g. `25 Oct 2026`. */
  date(ms: number): string {
    return this.#date.format(ms);
  }

  /** The time of day alone, e.g. `02:30`. */
  time(ms: number): string {
    return this.#time.format(ms);
  }

  /** `October 2026`. */
  month(ms: number): string {
    return this.#month.format(ms);
  }

  /** `Sun 25 Oct`. */
  weekday(ms: number): string {
    return this.#weekday.format(ms);
  }

  /** The zone's short name at `ms` (`CEST`, `GMT+5:45`), to label shown times. */
  zoneLabel(ms: number): string {
    return this.#zone.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? this.timeZone;
  }

  /** `Europe/Amsterdam (CET)`: the zone named in full, for captions and headings. */
  zoneCaption(ms: number): string {
    const short = this.zoneLabel(ms);
    return short === this.timeZone ? short : `${this.timeZone} (${short})`;
  }

  /** ISO 8601 with the local offset, `2026-10-25T02:30:00+02:00`: exact and readable. */
  iso(ms: number): string {
    const offset = this.offsets.offsetAt(ms);
    const wall = new Date(ms + offset).toISOString().slice(0, 19);
    const minutes = Math.round(offset / 60_000);
    return `${wall}${minutes < 0 ? '-' : '+'}${pad(Math.trunc(minutes / 60))}:${pad(minutes % 60)}`;
  }

  /** The local wall clock as a `datetime-local` value (`2026-10-25T02:30`). */
  input(ms: number): string {
    return new Date(ms + this.offsets.offsetAt(ms)).toISOString().slice(0, 16);
  }

  /**
   * The instant a local wall-clock time means (`2026-10-25T02:30`, seconds optional). A time that
   * occurs twice (the hour the clocks go back) is the first; a time the clocks skip (spring
   * forward) is read with the offset before the change, landing just after the gap, as a
   * person who set an alarm for it would expect. `undefined` when it is not a date and time.
   */
  parseWall(text: string): number | undefined {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
    if (!m) return undefined;
    const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    const check = new Date(wall);
    if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
      return undefined;
    const offsets = this.offsets.offsetsBetween(wall - 2 * 86_400_000, wall + 2 * 86_400_000);
    const exact = offsets
      .map((o) => wall - o)
      .filter((t) => t + this.offsets.offsetAt(t) === wall)
      .sort((a, b) => a - b);
    if (exact.length > 0) return exact[0];
    return wall - this.offsets.offsetAt(wall - 2 * 86_400_000);
  }

  /** Whether the locale's own clock is 24-hour (as ICU has it). */
  get hour24(): boolean {
    const cycle = new Intl.DateTimeFormat(this.locale, { hour: 'numeric' }).resolvedOptions().hourCycle;
    return cycle === 'h23' || cycle === 'h24';
  }
}
