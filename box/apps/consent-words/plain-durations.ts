/**
 * Durations and resolutions in plain words for the consent screen, the terminal prompt and the
 * catalogue: "90 days", "every 30 minutes", "every reading as it arrives". Manifests, forms and
 * the API keep ISO 8601 (`P90D`) and resolution names (`30min`); people never see those.
 *
 * The dashboard's language is English; the box's locale (box/time) formats the numbers
 * (`1,000` / `1.000`), as it formats dates.
 */
import { durationMs, isDuration } from '../../../apps-sdk/src/duration.ts';
import type { ManifestResolution } from '../../../apps-sdk/src/resolution.ts';

const UNITS = [
  ['year', 'years'],
  ['month', 'months'],
  ['week', 'weeks'],
  ['day', 'days'],
  ['hour', 'hours'],
  ['minute', 'minutes'],
  ['second', 'seconds'],
] as const;

// the same grammar as apps-sdk/src/duration.ts (Y M W D T H M S), capturing each number
const PARTS =
  /^P(?:([\d.]+)Y)?(?:([\d.]+)M)?(?:([\d.]+)W)?(?:([\d.]+)D)?(?:T(?:([\d.]+)H)?(?:([\d.]+)M)?(?:([\d.]+)S)?)?$/;

function number(n: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(n);
}

function parts(iso: string): Array<{ n: number; unit: (typeof UNITS)[number] }> {
  const match = isDuration(iso) ? PARTS.exec(iso) : null;
  if (!match) throw new Error(`"${iso}" is not an ISO 8601 duration (e.g. P90D, PT30M, P1Y)`);
  return UNITS.flatMap((unit, i) => {
    const text = match[i + 1];
    return text === undefined || Number(text) === 0 ? [] : [{ n: Number(text), unit }];
  });
}

function joinAnd(items: string[], locale: string): string {
  return new Intl.ListFormat(locale.startsWith('en') ? locale : 'en', { type: 'conjunction' }).format(items);
}

/**
 * An ISO 8601 duration in words: `P90D` → "90 days", `P1DT12H` → "1 day and 12 hours".
 *
 * @example
 * ```ts
 * durationWords('P90D', 'en-GB'); // '90 days'
 * durationWords('P1Y', 'en-GB'); // '1 year'
 * durationWords('PT0S', 'en-GB'); // 'no time at all'
 * ```
 * @throws Error naming the text when it is not a duration.
 */
export function durationWords(iso: string, locale: string): string {
  const list = parts(iso).map(({ n, unit }) => `${number(n, locale)} ${n === 1 ? unit[0] : unit[1]}`);
  return list.length === 0 ? 'no time at all' : joinAnd(list, locale);
}

/**
 * How often, for a schedule's `every`: `P1D` → "every day", `PT6H` → "every 6 hours".
 *
 * @example
 * ```ts
 * everyWords('P1D', 'en-GB'); // 'every day'
 * everyWords('PT30M', 'en-GB'); // 'every 30 minutes'
 * ```
 */
export function everyWords(iso: string, locale: string): string {
  const list = parts(iso);
  if (list.length === 1 && list[0].n === 1) return `every ${list[0].unit[0]}`;
  return `every ${durationWords(iso, locale)}`;
}

const RESOLUTION_ISO: Record<Exclude<ManifestResolution, 'raw'>, string> = {
  '10s': 'PT10S',
  '1min': 'PT1M',
  '5min': 'PT5M',
  '15min': 'PT15M',
  '30min': 'PT30M',
  '1h': 'PT1H',
  '1d': 'P1D',
};

/**
 * A resolution as a person reads it: `30min` → "every 30 minutes", `1d` → "one value a day",
 * `raw` → "every reading as it arrives" (what the box grants for a `10s` request).
 *
 * @example
 * ```ts
 * resolutionWords('30min', 'en-GB'); // 'every 30 minutes'
 * resolutionWords('10s', 'en-GB'); // 'every 10 seconds'
 * resolutionWords('raw', 'en-GB'); // 'every reading as it arrives'
 * ```
 */
export function resolutionWords(resolution: ManifestResolution, locale: string): string {
  if (resolution === 'raw') return 'every reading as it arrives';
  return everyWords(RESOLUTION_ISO[resolution], locale);
}

/**
 * What the app would receive at a granted resolution, as a noun phrase for captions: "one mean
 * value every 30 minutes", "every reading as it arrives".
 *
 * @example
 * ```ts
 * valuesWords('30min', 'mean', 'en-GB'); // 'one mean value every 30 minutes'
 * ```
 */
export function valuesWords(
  resolution: ManifestResolution,
  aggregate: string | undefined,
  locale: string,
): string {
  if (resolution === 'raw') return 'every reading as it arrives';
  const what = aggregate === 'delta' ? 'amount used' : aggregate ? `${aggregate} value` : 'value';
  return `one ${what} ${resolutionWords(resolution, locale)}`;
}

/** History windows offered besides the one the app asks for (never longer than it). */
const HISTORIES = ['P1D', 'P7D', 'P30D', 'P90D', 'P1Y', 'P2Y', 'P5Y'];

/**
 * The history windows to offer for a request: the usual ones shorter than `asked`, then `asked`,
 * shortest first; `chosen` too when given (an old form's value is kept so its error can name it).
 *
 * @example
 * ```ts
 * historyOptions('P90D'); // ['P1D', 'P7D', 'P30D', 'P90D']
 * ```
 */
export function historyOptions(asked: string, chosen?: string): string[] {
  const askedMs = durationMs(asked);
  const values = [...new Set([...HISTORIES.filter((h) => durationMs(h) < askedMs), asked, chosen ?? asked])];
  const ms = (v: string) => (isDuration(v) ? durationMs(v) : Number.POSITIVE_INFINITY);
  return values.sort((a, b) => ms(a) - ms(b));
}
