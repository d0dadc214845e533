/**
 * ISO 8601 durations in manifests (`history`, `schedule.every`) and grants (`P90D`, `PT30M`, `P1Y`).
 * Calendar units have fixed lengths, exactly as in the box: a year is 365 days, a month 30 days, a
 * week 7 days, so a duration is a plain number of milliseconds.
 */
const PATTERN =
  /^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const UNIT_MS = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/**
 * True when `text` is an ISO 8601 duration the box understands.
 *
 * @example
 * ```ts
 * isDuration('P90D'); // true
 * isDuration('90 days'); // false
 * ```
 */
export function isDuration(text: string): boolean {
  return PATTERN.test(text);
}

/**
 * Parses an ISO 8601 duration into milliseconds.
 *
 * @example
 * ```ts
 * durationMs('P30D'); // 2_592_000_000
 * durationMs('PT30M'); // 1_800_000
 * ```
 * @throws Error naming the text when it is not a duration.
 */
export function durationMs(text: string): number {
  const match = PATTERN.exec(text);
  if (!match) throw new Error(`"${text}" is not an ISO 8601 duration (e.g. P30D, PT6H, P1Y)`);
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = match[i + 1];
    if (part !== undefined) ms += Number(part) * UNIT_MS[i];
  }
  return Math.round(ms);
}
