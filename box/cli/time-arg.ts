import { BadRequestError } from '../errors.ts';
import { parseIsoDuration } from '../util/iso-duration.ts';

const RELATIVE = /^-(\d+(?:\.\d+)?)(s|m|h|d|w|y)$/;
const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** An ISO date and time: offset-less ones are local time, as JavaScript reads them. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A time on the command line: `now`, ms since 1970, relative to now (`-24h`, `-7d`, `-30m`,
 * `-1.5h`, `-P90D`), a local date (`2026-01-01` is local midnight, as a person means it) or an
 * ISO date-time (`2026-01-01T08:00` local, `2026-01-01T08:00Z` or `…+01:00` exact).
 *
 * @example
 * parseTimeArg('-7d', 'from', Date.UTC(2026, 0, 8)); // Date.UTC(2026, 0, 1)
 * parseTimeArg('2026-01-01', 'from'); // new Date(2026, 0, 1).getTime()
 */
export function parseTimeArg(text: string, name: string, now = Date.now()): number {
  const value = text.trim();
  if (value === 'now') return now;
  if (/^\d+$/.test(value)) return Number(value);
  const relative = RELATIVE.exec(value);
  if (relative) return Math.round(now - Number(relative[1]) * UNIT_MS[relative[2]]);
  if (value.startsWith('-P')) {
    try {
      return now - parseIsoDuration(value.slice(1));
    } catch {
      // fall through to the error below
    }
  }
  const date = DATE_ONLY.exec(value);
  if (date) {
    const ms = new Date(Number(date[1]), Number(date[2]) - 1, Number(date[3])).getTime();
    const back = new Date(ms);
    if (back.getMonth() === Number(date[2]) - 1 && back.getDate() === Number(date[3])) return ms;
  } else if (DATE_TIME.test(value)) {
    const ms = Date.parse(value.replace(' ', 'T'));
    if (!Number.isNaN(ms)) return ms;
  }
  throw new BadRequestError(
    `--${name} "${text}" is not a time: use now, -24h, -7d, -P90D, a date (2026-01-31, local), ` +
      'a date-time (2026-01-31T08:00 local, or with Z or +01:00) or ms since 1970',
  );
}
