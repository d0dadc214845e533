import type { ReadResolution } from '../../store/types.ts';

/**
 * What a datasource kind is about, for the risk text: the wording depends on what is measured
 * (a bedroom thermometer is not a smart meter), then on how finely.
 */
export const DATA_FAMILIES = [
  'electricity',
  'gas',
  'water',
  'occupancy',
  'contact',
  'temperature',
  'humidity',
  'air',
  'light',
  'location',
  'health',
  'price',
  'device',
  'other',
] as const;
export type DataFamily = (typeof DATA_FAMILIES)[number];

/** Rules in order; the first match wins. Kinds are dotted names such as `electricity.import.power`. */
const RULES: Array<[RegExp, DataFamily]> = [
  [/^(health|workout)(\.|$)/, 'health'],
  [/^price(\.|$)/, 'price'],
  // a meter's switch, failures and limits, and sensors' batteries: device state, not use
  [/^electricity\.(power-failures?|breaker|threshold|tariff)(\.|$)/, 'device'],
  [/^(battery|water_leak)(\.|_|$)/, 'device'],
  [/^electricity(\.|$)/, 'electricity'],
  // district heat is used like gas: heating and hot water
  [/^(gas|heat)(\.|$)/, 'gas'],
  [/^water(\.|$)/, 'water'],
  [/^(occupancy|presence|motion)(\.|$)/, 'occupancy'],
  [/^(contact|door|window)(\.|$)/, 'contact'],
  [/^temperature(\.|$)/, 'temperature'],
  [/^humidity(\.|$)/, 'humidity'],
  [/^(co2|voc|air)(\.|$)/, 'air'],
  [/^(illuminance|light)(\.|$)/, 'light'],
  [/^(location|gps|position)(\.|$)/, 'location'],
];

/**
 * The family of a datasource kind. Costs (`cost.<kind>`) follow the kind they cost: money per half
 * hour shows what the consumption shows.
 *
 * @example
 * ```ts
 * familyOf('electricity.import.power'); // 'electricity'
 * familyOf('cost.electricity.import.energy.interval'); // 'electricity'
 * familyOf('temperature'); // 'temperature'
 * familyOf('something.new'); // 'other'
 * ```
 */
export function familyOf(kind: string): DataFamily {
  if (kind.startsWith('cost.')) return familyOf(kind.slice(5));
  return RULES.find(([pattern]) => pattern.test(kind))?.[1] ?? 'other';
}

/** Resolutions grouped by what they reveal (the reference's "practical reading" bands). */
export type Band = 'seconds' | 'minutes' | 'halfHour' | 'hour' | 'day';
export const BANDS: readonly Band[] = ['seconds', 'minutes', 'halfHour', 'hour', 'day'];

/**
 * The band of a granted resolution: `raw` (every reading, typically every 1–10 s) is `seconds`;
 * 1–15 minutes is `minutes`; then half hour, hour and day.
 *
 * @example
 * ```ts
 * bandOf('15min'); // 'minutes'
 * ```
 */
export function bandOf(resolution: ReadResolution): Band {
  switch (resolution) {
    case 'raw':
      return 'seconds';
    case '1min':
    case '5min':
    case '15min':
      return 'minutes';
    case '30min':
      return 'halfHour';
    case '1h':
      return 'hour';
    case '1d':
      return 'day';
  }
}
