/**
 * Local dates and hours in one IANA zone, through `Intl` only (no Node built-ins, so it runs in an
 * isolate). Apps get the household's zone from `ctx.timeZone()` when the householder agreed; with
 * `null` the clock is UTC and says so in its label.
 */
export interface LocalClock {
  /** The zone the clock reads (`'UTC'` when none was given). */
  readonly timeZone: string;
  /** What to write after a time: `(Europe/Amsterdam)`, or `(UTC)`. */
  readonly label: string;
  /** The local date of instant `t` (ms), `YYYY-MM-DD`. */
  date(t: number): string;
  /** The local hour of `t`, 0–23. */
  hour(t: number): number;
  /** The local time of `t`, 24-hour `HH:MM`. */
  time(t: number): string;
  /** The instant (ms) the local day `YYYY-MM-DD` starts (local midnight; 23 or 25 hours before the next where clocks change). */
  dayStart(date: string): number;
}

const MINUTE = 60_000;

/**
 * A {@link LocalClock} for `timeZone`, or for UTC when it is `null` or `undefined` (the householder
 * declined, or the manifest did not ask).
 *
 * @example
 * ```ts
 * const clock = localClock(await ctx.timeZone());
 * clock.hour(Date.UTC(2026, 0, 5, 12, 15)); // 18 in Asia/Kathmandu (+05:45), 12 when declined
 * await ctx.log.info(`peak at ${clock.time(peak.t)} ${clock.label}`); // 'peak at 18:00 (Asia/Kathmandu)'
 * ```
 * @throws RangeError for a zone `Intl` does not know.
 */
export function localClock(timeZone: string | null | undefined): LocalClock {
  const zone = timeZone ?? 'UTC';
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const parts = (t: number) => {
    const out: Record<string, number> = {};
    for (const p of format.formatToParts(t)) if (p.type !== 'literal') out[p.type] = Number(p.value);
    return out as { year: number; month: number; day: number; hour: number; minute: number };
  };
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  // the zone's offset at t: its wall clock read as if it were UTC, minus t (to the minute)
  const offset = (t: number) => {
    const p = parts(t);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - Math.floor(t / MINUTE) * MINUTE;
  };
  return Object.freeze({
    timeZone: zone,
    label: `(${zone})`,
    date: (t: number) => {
      const p = parts(t);
      return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
    },
    hour: (t: number) => parts(t).hour,
    time: (t: number) => {
      const p = parts(t);
      return `${pad(p.hour)}:${pad(p.minute)}`;
    },
    dayStart: (date: string) => {
      const [y, m, d] = date.split('-').map(Number);
      const wall = Date.UTC(y, m - 1, d);
      // twice: the offset at the guess, which is right unless a change falls in between
      const guess = wall - offset(wall);
      return wall - offset(guess);
    },
  });
}
