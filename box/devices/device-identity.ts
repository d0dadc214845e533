import type { Datasource } from '../store/types.ts';

/**
 * Families whose datasource ids are `<family>.<device>.<what>…`: the device is the first two
 * segments, whatever follows (a Shelly's `relay0.energy`, a Tasmota's `am2301.temperature`).
 * They are the prefixes the MQTT families write (drivers/mqtt/families/*).
 */
const TWO_SEGMENT_FAMILIES = new Set(['z2m', 'shelly', 'tasmota', 'glow']);

/**
 * Segments that name a measurement rather than a thing: an id is cut before the first of them
 * (`p1.electricity.import.power` → `p1`, `sim.kitchen.temperature` → `sim.kitchen`,
 * `plug.power` → `plug`). Taken from the kinds and suffixes the drivers use.
 */
const MEASURE_WORDS = new Set([
  'electricity',
  'gas',
  'water',
  'power',
  'energy',
  'voltage',
  'current',
  'temperature',
  'humidity',
  'pressure',
  'illuminance',
  'co2',
  'occupancy',
  'contact',
  'water_leak',
  'battery',
  'steps',
  'heart_rate',
]);

/**
 * The device a datasource belongs to: a stable id derived from the datasource id alone, so it
 * never changes while the datasource exists and needs no driver change. A Zigbee plug's
 * `z2m.kitchen-plug.power`, `.energy`, `.voltage` and `.current` are one device
 * `z2m.kitchen-plug`; a P1 meter's `p1.electricity.import.t1` and `p1.gas.m1` are one device
 * `p1`; an id with no recognisable measurement (`hass.sensor.x`) is a device of its own.
 *
 * @example
 * deviceIdOf('z2m.kitchen-plug.energy'); // 'z2m.kitchen-plug'
 * deviceIdOf('sim.power'); // 'sim'
 */
export function deviceIdOf(datasourceId: string): string {
  const parts = datasourceId.split('.');
  if (TWO_SEGMENT_FAMILIES.has(parts[0]) && parts.length > 2) return parts.slice(0, 2).join('.');
  const cut = parts.findIndex((p, i) => i > 0 && MEASURE_WORDS.has(p));
  return cut > 0 ? parts.slice(0, cut).join('.') : datasourceId;
}

/** `kitchen-plug` → `Kitchen plug`. */
function humanise(word: string): string {
  const spaced = word.replace(/[-_]+/g, ' ').trim();
  return spaced ? spaced[0].toUpperCase() + spaced.slice(1) : word;
}

/**
 * The name a device has before the householder names it: the device name a driver put in a
 * description (Zigbee2MQTT's `… of Zigbee2MQTT device "Kitchen plug"`), else the device id's last
 * segment made readable (`sim.kitchen` → `Kitchen`), `Meter` for a meter's bare prefix.
 */
export function defaultDeviceName(deviceId: string, sources: readonly Datasource[]): string {
  for (const source of sources) {
    const named = /device "([^"]{1,64})"/.exec(source.description);
    if (named) return named[1];
  }
  if (!deviceId.includes('.') && sources.some((s) => /^(electricity|gas|water)\./.test(s.kind)))
    return /meter$/i.test(deviceId) ? humanise(deviceId) : `${humanise(deviceId)} meter`;
  return humanise(deviceId.slice(deviceId.lastIndexOf('.') + 1));
}

/** The room a driver reported, when all of a device's datasources agree on one. */
export function defaultRoom(sources: readonly Datasource[]): string {
  const rooms = new Set(sources.map((s) => s.location));
  const [room] = rooms;
  return rooms.size === 1 && room && room !== 'meter' ? humanise(room) : '';
}
