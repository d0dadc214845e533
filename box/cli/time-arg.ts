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

/**
 * A time on the command line: `now`, ms since 1970, an ISO 8601 date, or relative to now:
 * `-24h`, `-7d`, `-30m`, `-P90D`.
 */
export function parseTimeArg(text: string, name: string, now = Date.now()): number {
  if (text === 'now') return now;
  if (/^\d+$/.test(text)) return Number(text);
  const relative = RELATIVE.exec(text);
  if (relative) return Math.round(now - Number(relative[1]) * UNIT_MS[relative[2]]);
  if (text.startsWith('-P')) {
    try {
      return now - parseIsoDuration(text.slice(1));
    } catch {
      // fall through to the error below
    }
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new BadRequestError(
      `--${name} "${text}" is not a time: use now, -24h, -7d, an ISO date or ms since 1970`,
    );
  }
  return ms;
}
