/**
 * DSMR timestamps are local time in the CET/CEST zone (NL, BE, LU, HU) written `YYMMDDhhmmssX`
 * where X is `W` (winter, UTC+1) or `S` (summer, UTC+2). The flag is trusted as sent, even when
 * it disagrees with the calendar (some meters send `S` in March). DSMR 2.2 writes 12 digits with
 * no flag; then the EU summer-time rule decides.
 */

const HOUR = 3_600_000;

/** Start and end (ms UTC) of EU summer time in `year`: last Sunday of March/October, 01:00 UTC. */
function euSummerTime(year: number): [number, number] {
  const lastSunday = (month: number): number => {
    const lastDay = new Date(Date.UTC(year, month + 1, 0));
    return Date.UTC(year, month, lastDay.getUTCDate() - lastDay.getUTCDay(), 1);
  };
  return [lastSunday(2), lastSunday(9)];
}

/** True when `utcMs` falls within EU summer time (CEST). */
export function isEuSummerTime(utcMs: number): boolean {
  const [start, end] = euSummerTime(new Date(utcMs).getUTCFullYear());
  return utcMs >= start && utcMs < end;
}

/**
 * Parses a DSMR timestamp (`YYMMDDhhmmssW|S`, or 12 digits without flag) to ms since epoch UTC.
 * Returns `null` for text that is not a valid date, such as the `632525252525W` placeholder some
 * meters send for an M-Bus channel that never reported.
 *
 * @example
 * ```ts
 * parseDsmrTimestamp('170102192002W'); // Date.parse('2017-01-02T18:20:02Z')
 * parseDsmrTimestamp('200512135409S'); // Date.parse('2020-05-12T11:54:09Z')
 * parseDsmrTimestamp('161107190000');  // no flag: EU rule says winter, so 18:00Z
 * ```
 */
export function parseDsmrTimestamp(text: string): number | null {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})([WS]?)$/.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const local = Date.UTC(2000 + year, month - 1, day, hour, minute, second);
  if (new Date(local).getUTCDate() !== day) return null;
  if (m[7] === 'W') return local - HOUR;
  if (m[7] === 'S') return local - 2 * HOUR;
  // No flag: assume winter time, then switch if that instant is in summer time. In the repeated
  // hour at the end of summer time this picks the winter reading (the later instant).
  const winter = local - HOUR;
  return isEuSummerTime(winter - HOUR) && isEuSummerTime(winter) ? local - 2 * HOUR : winter;
}
