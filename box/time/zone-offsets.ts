import { BadRequestError } from '../errors.ts';

const YEAR_MS = 31_556_952_000;
const HOUR = 3_600_000;
/** Offsets are sampled this far apart, then each change is found by bisection to the minute. */
const SAMPLE_MS = 6 * HOUR;
const MINUTE = 60_000;
const OFFSET = /GMT([+\-\u2212])(\d{1,2}):(\d{2})(?::(\d{2}))?/;

interface Segment {
  /** First instant (ms) of this offset. */
  from: number;
  /** Offset from UTC in ms (local = t + offset). */
  offset: number;
}

/**
 * The system's zone and locale (node 20 ships full ICU, so every IANA zone is known). When the
 * environment names no language (`LANG` unset, `C` or `POSIX`, as in most containers and
 * services), ICU falls back to `en-US`, which nobody chose: the box then uses `en-GB` (day-first,
 * 24-hour), the nearest to ISO 8601 among English locales.
 */
export function systemTimeSettings(env: NodeJS.ProcessEnv = process.env): {
  timeZone: string;
  locale: string;
} {
  const options = Intl.DateTimeFormat().resolvedOptions();
  const lang = (env.LC_ALL || env.LC_TIME || env.LANG || '').split('.')[0];
  const chosen = lang !== '' && lang !== 'C' && lang !== 'POSIX';
  return { timeZone: options.timeZone || 'UTC', locale: chosen && options.locale ? options.locale : 'en-GB' };
}

/**
 * Zones already found valid, by the name given: building an Intl.DateTimeFormat costs ~0.15 ms,
 * and every local read checks its zone (the Energy screen makes ~50 of them a view). A box uses a
 * zone or two; the cap keeps hostile `tz` parameters from growing it.
 */
const CHECKED = new Map<string, string>();
const CHECKED_MAX = 64;

/**
 * The canonical name of an IANA zone (`europe/amsterdam` → `Europe/Amsterdam`), or a
 * BadRequestError naming what was wrong (`field: "Mars/Base" is not an IANA time zone …`).
 */
export function checkTimeZone(zone: string, field = 'timeZone'): string {
  const known = CHECKED.get(zone);
  if (known !== undefined) return known;
  const canonical = resolveTimeZone(zone, field);
  if (CHECKED.size >= CHECKED_MAX) CHECKED.clear();
  CHECKED.set(zone, canonical);
  return canonical;
}

function resolveTimeZone(zone: string, field: string): string {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    if (resolved.toLowerCase() === zone.toLowerCase()) return resolved;
    // ICU resolves some current names to old ones (Asia/Kathmandu → Asia/Katmandu): keep the
    // name given, in IANA's capitalisation when it was typed in lower case
    return zone === zone.toLowerCase() ? zone.replace(/(^|[/_-])([a-z])/g, (m) => m.toUpperCase()) : zone;
  } catch {
    throw new BadRequestError(
      `${field}: "${zone}" is not an IANA time zone (e.g. Europe/Amsterdam, Asia/Kolkata, UTC)`,
    );
  }
}

/** The canonical BCP 47 tag of a locale (`nl-nl` → `nl-NL`), or a BadRequestError. */
export function checkLocale(locale: string, field = 'locale'): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(locale);
    if (!canonical) throw new Error('empty');
    return canonical;
  } catch {
    throw new BadRequestError(`${field}: "${locale}" is not a locale tag (e.g. en-GB, nl-NL, hi-IN)`);
  }
}

/**
 * A zone's UTC offsets as a sorted list of segments, computed with `Intl` once per year of time
 * asked about and cached, so `offsetAt` is a binary search, not an ICU call (a year's local-day
 * read needs ~800 offsets; through ICU that alone would cost more than the read).
 *
 * @example
 * ```ts
 * const ams = ZoneOffsets.of('Europe/Amsterdam');
 * ams.offsetAt(Date.UTC(2026, 6, 1)); // 7_200_000 (CEST)
 * ```
 */
export class ZoneOffsets {
  static readonly #zones = new Map<string, ZoneOffsets>();
  readonly zone: string;
  readonly #format: Intl.DateTimeFormat;
  readonly #years = new Map<number, Segment[]>();

  private constructor(zone: string) {
    this.zone = zone;
    // `longOffset` ("GMT+05:45") is one format call, ~10x cheaper than formatToParts
    this.#format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
  }

  /** The (cached) offsets of `zone`; throws a BadRequestError for an unknown zone. */
  static of(zone: string): ZoneOffsets {
    let found = ZoneOffsets.#zones.get(zone);
    if (!found) {
      found = new ZoneOffsets(checkTimeZone(zone));
      ZoneOffsets.#zones.set(zone, found);
    }
    return found;
  }

  /** Offset from UTC (ms) in force at instant `t`. */
  offsetAt(t: number): number {
    const segments = this.#segments(Math.floor(t / YEAR_MS));
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments[mid].from <= t) lo = mid;
      else hi = mid - 1;
    }
    return segments[lo].offset;
  }

  /** The offset if it is the same throughout `[from, to]` (the common case), else undefined. */
  constantBetween(from: number, to: number): number | undefined {
    const a = this.#segments(Math.floor(from / YEAR_MS));
    const b =
      Math.floor(to / YEAR_MS) === Math.floor(from / YEAR_MS) ? a : this.#segments(Math.floor(to / YEAR_MS));
    const at = (segments: Segment[], t: number) => {
      let i = segments.length - 1;
      while (i > 0 && segments[i].from > t) i--;
      return i;
    };
    const i = at(a, from);
    const j = at(b, to);
    if (a === b) return i === j ? a[i].offset : undefined;
    // across a slot edge: constant only if neither slot has a change inside the window
    return a.slice(i + 1).length === 0 && j === 0 && a[i].offset === b[0].offset ? a[i].offset : undefined;
  }

  /** Instants in `(from, to]` where the offset changes. */
  changesBetween(from: number, to: number): number[] {
    const out: number[] = [];
    for (let y = Math.floor(from / YEAR_MS); y <= Math.floor(to / YEAR_MS); y++)
      for (const s of this.#segments(y).slice(1)) if (s.from > from && s.from <= to) out.push(s.from);
    return out;
  }

  /** Offsets in force somewhere in `[from, to]` (at most a few). */
  offsetsBetween(from: number, to: number): number[] {
    const set = new Set([this.offsetAt(from), this.offsetAt(to)]);
    for (const t of this.changesBetween(from, to)) set.add(this.offsetAt(t));
    return [...set];
  }

  /** The segments covering slot `year` (YEAR_MS wide), padded by a day on each side. */
  #segments(year: number): Segment[] {
    let segments = this.#years.get(year);
    if (segments) return segments;
    const start = Math.floor((year * YEAR_MS - 86_400_000) / MINUTE) * MINUTE;
    const end = (year + 1) * YEAR_MS + 86_400_000;
    segments = [{ from: Number.NEGATIVE_INFINITY, offset: this.#icuOffset(start) }];
    let previous = segments[0].offset;
    for (let t = start + SAMPLE_MS; t <= end; t += SAMPLE_MS) {
      const offset = this.#icuOffset(t);
      if (offset === previous) continue;
      // bisect to the minute: offsets change on whole minutes
      let lo = t - SAMPLE_MS;
      let hi = t;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
        if (this.#icuOffset(mid) === previous) lo = mid;
        else hi = mid;
      }
      segments.push({ from: hi, offset });
      previous = offset;
    }
    this.#years.set(year, segments);
    return segments;
  }

  /** Offset through ICU, from the zone's `GMT+05:45` label. */
  #icuOffset(t: number): number {
    const match = OFFSET.exec(this.#format.format(t));
    if (!match) return 0; // plain "GMT"
    const ms = (Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? 0)) * 1000;
    return match[1] === '-' || match[1] === '\u2212' ? -ms : ms;
  }
}
