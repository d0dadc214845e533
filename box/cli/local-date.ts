import type { LocalTime } from '../time/local-time.ts';

/**
 * A moment as the CLI shows it to a person: the box's zone and locale, labelled with the zone's
 * short name so a reader never has to guess (`25 Oct 2026, 02:30 CEST` in en-GB). `--json`
 * outputs keep epoch ms; `databox read` prints ISO with the local offset instead.
 *
 * @example
 * ```ts
 * localDate(boxLocalTime(store), Date.UTC(2026, 9, 25, 0, 30)); // '25 Oct 2026, 02:30 CEST'
 * ```
 */
export function localDate(lt: LocalTime, ms: number): string {
  return `${lt.dateTime(ms)} ${lt.zoneLabel(ms)}`;
}
