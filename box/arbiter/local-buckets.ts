import { type GrantResolution, RESOLUTION_MS } from '../../apps-sdk/src/resolution.ts';
import { LocalCalendar } from '../time/calendar.ts';

const HOUR = 3_600_000;

/** The buckets of one app read at `1h` or `1d`, as the box fixes them. */
export interface LocalBuckets {
  /** Bucket starts and the end of the last bucket (empty: no bucket fits the window). */
  bounds: number[];
  /** True when every bucket is a whole local day of the zone. */
  wholeDays: boolean;
}

/**
 * Where an app's `1h` and `1d` buckets begin: on the box zone's local hours and local days, never
 * on anything the app chose (it names neither a zone nor an offset, and its window only picks
 * which of these buckets it gets: whole ones inside the granted history, closed by `now`; a `raw`
 * grant also gets the bucket still filling, as its other reads do).
 *
 * Every boundary is also a boundary of the app's **granted grid**, so no two reads can be
 * differenced into finer data than granted: a grant of `1h` or `1d` (or `raw`) has the zone's
 * local hours as its grid, and local days are unions of local hours; a sub-hour grant (`30min` …)
 * has the epoch-aligned grid of its width, and a local hour or midnight that is not on it is
 * moved back to the grid boundary before it. That happens only where the zone's offset is not a
 * multiple of the grant: `30min` grants in +05:45 (Kathmandu) or +12:45 (Chatham) get days and hours
 * that start 15 minutes before local midnight and the local hour.
 *
 * @example
 * ```ts
 * localBuckets('Asia/Kolkata', '1h', '1d', from, to, true); // days from 18:30 UTC, closed ones only
 * ```
 */
export function localBuckets(
  zone: string,
  granted: GrantResolution,
  resolution: '1h' | '1d',
  from: number,
  to: number,
  closedOnly: boolean,
): LocalBuckets {
  const calendar = LocalCalendar.of(zone);
  const grid = granted === 'raw' || granted === '1h' || granted === '1d' ? 0 : RESOLUTION_MS[granted];
  const candidates =
    resolution === '1d' ? calendar.boundaries(from, to, '1d') : localHours(calendar, from, to);
  let moved = false;
  const bounds: number[] = [];
  for (const b of candidates) {
    const on = grid === 0 ? b : b - (b % grid);
    if (on !== b) moved = true;
    if (on >= from && on <= to && on !== bounds[bounds.length - 1]) bounds.push(on);
  }
  if (!closedOnly && bounds.length > 0 && bounds[bounds.length - 1] < to) {
    // a raw grant also gets the bucket holding `to`, as far as it has filled (raw shows it anyway)
    const next = candidates.map((b) => (grid === 0 ? b : b - (b % grid))).find((b) => b > to);
    if (next !== undefined) bounds.push(next);
  }
  if (bounds.length < 2) return { bounds: [], wholeDays: false };
  return { bounds, wholeDays: resolution === '1d' && !moved };
}

/**
 * Local hour boundaries (instants whose local wall clock reads :00) from the last one at or
 * before `from` to the first at or after `to`: per stretch of one offset, every hour minus it.
 */
function localHours(calendar: LocalCalendar, from: number, to: number): number[] {
  const start = from - 2 * HOUR;
  const end = to + 2 * HOUR;
  const edges = [start, ...calendar.offsets.changesBetween(start, end), end];
  const out: number[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const offset = calendar.offsets.offsetAt(edges[i]);
    for (let t = Math.ceil((edges[i] + offset) / HOUR) * HOUR - offset; t < edges[i + 1]; t += HOUR)
      out.push(t);
  }
  const first = out.findLastIndex((t) => t <= from);
  const last = out.findIndex((t) => t >= to);
  return out.slice(Math.max(first, 0), last === -1 ? out.length : last + 1);
}
