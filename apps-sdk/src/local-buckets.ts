import { type GrantResolution, RESOLUTION_MS } from './resolution.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Offsets are sampled this far apart, then each change is found by bisection to the minute. */
const SAMPLE_MS = 6 * HOUR;
const OFFSET = /GMT([+\-\u2212])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?/;

/** The machine's IANA zone: what {@link runLocally}'s `timeZone` defaults to. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * `zone` as given when ICU knows it (not ICU's spelling, which may be an old name: Asia/Kathmandu
 * resolves to Asia/Katmandu); throws naming `where` for a zone it does not know.
 */
export function checkTimeZone(zone: string, where = 'timeZone'): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    throw new Error(`${where}: "${zone}" is not an IANA time zone (e.g. Europe/Amsterdam, Asia/Kolkata)`);
  }
}

/**
 * A zone's offsets over one window, found once through ICU (sampled, then bisected to the minute)
 * so each later lookup is a binary search. A standalone twin of the box's `ZoneOffsets`: the SDK
 * depends on nothing in the box.
 */
class ZoneSpan {
  readonly #format: Intl.DateTimeFormat;
  /** Each offset's first instant; the first entry holds from the window's start. */
  readonly #segments: Array<{ from: number; offset: number }>;

  constructor(zone: string, start: number, end: number) {
    this.#format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    const first = Math.floor(start / MINUTE) * MINUTE;
    this.#segments = [{ from: Number.NEGATIVE_INFINITY, offset: this.#icu(first) }];
    let previous = this.#segments[0].offset;
    for (let t = first + SAMPLE_MS; t < end + SAMPLE_MS; t += SAMPLE_MS) {
      const offset = this.#icu(t);
      if (offset === previous) continue;
      let lo = t - SAMPLE_MS;
      let hi = t;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
        if (this.#icu(mid) === previous) lo = mid;
        else hi = mid;
      }
      this.#segments.push({ from: hi, offset });
      previous = offset;
    }
  }

  offsetAt(t: number): number {
    let lo = 0;
    let hi = this.#segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#segments[mid].from <= t) lo = mid;
      else hi = mid - 1;
    }
    return this.#segments[lo].offset;
  }

  /** Instants in `(from, to]` where the offset changes. */
  changesBetween(from: number, to: number): number[] {
    return this.#segments.slice(1).flatMap((s) => (s.from > from && s.from <= to ? [s.from] : []));
  }

  #icu(t: number): number {
    const m = OFFSET.exec(this.#format.format(t));
    if (!m) return 0; // plain "GMT"
    const ms = (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)) * 1000;
    return m[1] === '+' ? ms : -ms;
  }
}

/** Local day number of `t` (days since 1970-01-01 on the local wall clock). */
const dayNumber = (span: ZoneSpan, t: number) => Math.floor((t + span.offsetAt(t)) / DAY);

/** First instant of local day `day`: its midnight, or the end of a change of offset skipping it. */
function dayStart(span: ZoneSpan, day: number): number {
  const base = day * DAY;
  const changes = span.changesBetween(base - 2 * DAY, base + 2 * DAY);
  const offsets = new Set([span.offsetAt(base - 2 * DAY), ...changes.map((t) => span.offsetAt(t))]);
  const exact = [...offsets].map((o) => base - o).filter((c) => c + span.offsetAt(c) === base);
  if (exact.length > 0) return Math.min(...exact);
  const start = changes.find((t) => dayNumber(span, t) === day && dayNumber(span, t - 1) < day);
  if (start === undefined) throw new Error(`no start found for local day ${day}`);
  return start;
}

/** Local midnights from the one at or before `from` to the first at or after `to`. */
function localDays(span: ZoneSpan, from: number, to: number): number[] {
  const out: number[] = [];
  for (let day = dayNumber(span, from); ; day++) {
    out.push(dayStart(span, day));
    if (out[out.length - 1] >= to) return out;
  }
}

/** Local hours (wall clock at :00) from the last at or before `from` to the first at or after `to`. */
function localHours(span: ZoneSpan, from: number, to: number): number[] {
  const start = from - 2 * HOUR;
  const end = to + 2 * HOUR;
  const edges = [start, ...span.changesBetween(start, end), end];
  const out: number[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const offset = span.offsetAt(edges[i]);
    for (let t = Math.ceil((edges[i] + offset) / HOUR) * HOUR - offset; t < edges[i + 1]; t += HOUR)
      out.push(t);
  }
  const first = out.findLastIndex((t) => t <= from);
  const last = out.findIndex((t) => t >= to);
  return out.slice(Math.max(first, 0), last === -1 ? out.length : last + 1);
}

/**
 * Where the box puts an app's `1h` and `1d` buckets, for `runLocally`: on the zone's local hours
 * and local days (23- and 25-hour days included), each moved back onto the granted grid when the
 * grant is finer than an hour and the zone's offset is not a multiple of it (a `30min` grant in
 * Kathmandu, +05:45, gets days from 23:45 local). Only whole buckets inside `[from, to]`, unless
 * `closedOnly` is false (a `raw` grant), which adds the bucket holding `to`. Returns the bucket
 * starts and the end of the last one, or `[]` when no bucket fits. The same rule as the box's
 * arbiter (`box/arbiter/local-buckets.ts`; a test compares the two).
 *
 * @example
 * ```ts
 * localBucketBounds('Asia/Kolkata', '1h', '1d', Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 3), true);
 * // [Date.UTC(2026, 0, 1, 18, 30), Date.UTC(2026, 0, 2, 18, 30)]: one whole local day
 * ```
 */
export function localBucketBounds(
  zone: string,
  granted: GrantResolution,
  resolution: '1h' | '1d',
  from: number,
  to: number,
  closedOnly: boolean,
): number[] {
  const span = new ZoneSpan(zone, from - 4 * DAY, to + 4 * DAY);
  const grid = granted === 'raw' || granted === '1h' || granted === '1d' ? 0 : RESOLUTION_MS[granted];
  const onGrid = (b: number) => (grid === 0 ? b : b - (b % grid));
  const candidates = resolution === '1d' ? localDays(span, from, to) : localHours(span, from, to);
  const bounds: number[] = [];
  for (const b of candidates) {
    const on = onGrid(b);
    if (on >= from && on <= to && on !== bounds[bounds.length - 1]) bounds.push(on);
  }
  if (!closedOnly && bounds.length > 0 && bounds[bounds.length - 1] < to) {
    const next = candidates.map(onGrid).find((b) => b > to);
    if (next !== undefined) bounds.push(next);
  }
  return bounds.length < 2 ? [] : bounds;
}
