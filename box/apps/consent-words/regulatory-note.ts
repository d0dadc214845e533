import type { Datasource, ReadResolution } from '../../store/types.ts';
import { GB_CONSENT_NOTE } from '../inference-reference.ts';

/**
 * Where a datasource's readings come from, as far as the catalogue tells: a GB supplier's smart
 * meter, another country's meter, or not known.
 * - GB: Octopus Energy's consumption import and Hildebrand Glow (a GB smart-meter display) read
 *   the supplier's SMETS meter;
 * - elsewhere: a DSMR P1 port (`p1.*`) is the Dutch/Belgian/Luxembourg meter standard, Green
 *   Button (`greenbutton.*`) is North America's; a Shelly or a Zigbee plug is a device of the
 *   household's, not a supplier's meter;
 * - anything else (the simulator, Home Assistant, InfluxDB writes): unknown.
 */
export type MeterOrigin = 'gb-smart-meter' | 'not-gb-meter' | 'unknown';

const GB_VENDORS = new Set(['Octopus Energy', 'Hildebrand']);
const GB_PREFIXES = ['octopus.', 'glow.'];
const OTHER_PREFIXES = ['p1.', 'greenbutton.', 'shelly', 'zigbee2mqtt.', 'z2m.', 'tasmota.'];
const OTHER_VENDORS = new Set(['Shelly', 'Apple Health']);

/** The box's zones that are Great Britain (IANA `Europe/London` and its aliases). */
const GB_ZONES = new Set(['Europe/London', 'GB', 'Europe/Belfast', 'GB-Eire']);

/**
 * The meter behind a datasource, from its id and vendor (see {@link MeterOrigin}).
 *
 * @example
 * ```ts
 * meterOrigin({ id: 'octopus.electricity.import.interval', vendor: 'Octopus Energy' }); // 'gb-smart-meter'
 * meterOrigin({ id: 'p1.electricity.import.power', vendor: 'ISK' }); // 'not-gb-meter'
 * ```
 */
export function meterOrigin(source: Pick<Datasource, 'id' | 'vendor'>): MeterOrigin {
  if (GB_VENDORS.has(source.vendor) || GB_PREFIXES.some((p) => source.id.startsWith(p)))
    return 'gb-smart-meter';
  if (OTHER_VENDORS.has(source.vendor) || OTHER_PREFIXES.some((p) => source.id.startsWith(p)))
    return 'not-gb-meter';
  return 'unknown';
}

/** Consumption the licence condition is about: electricity use, not prices, costs or a meter's switch. */
const CONSUMPTION = /^electricity\.((import|export)\.)?(power|energy|demand)(\.|$)/;

/**
 * The GB licence-condition note, only where it applies: electricity consumption finer than daily
 * (`shared/reference/smart-meter-inference.md`: Smart Energy Code / supply licence condition 47)
 * from a GB smart meter, or from a meter of unknown origin on a box whose time zone is Great
 * Britain's. A DSMR meter in Amsterdam, a Zigbee plug, a temperature sensor or a daily read get
 * no note. (Gas is left out: the reference cites the electricity condition only.)
 *
 * @example
 * ```ts
 * regulatoryNote(source, '30min', 'Europe/London'); // the GB note, or null
 * ```
 */
export function regulatoryNote(
  source: Pick<Datasource, 'id' | 'vendor' | 'kind'>,
  resolution: ReadResolution,
  timeZone: string,
): string | null {
  if (resolution === '1d' || !CONSUMPTION.test(source.kind)) return null;
  const origin = meterOrigin(source);
  if (origin === 'gb-smart-meter' || (origin === 'unknown' && GB_ZONES.has(timeZone))) return GB_CONSENT_NOTE;
  return null;
}
