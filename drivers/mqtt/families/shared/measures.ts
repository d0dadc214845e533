/**
 * The one scheme of kinds, units and value types every MQTT family uses, so that an app asking for
 * `temperature` gets °C whichever device measured it.
 *
 * | measure            | kind                        | unit  | value type | notes                          |
 * |--------------------|-----------------------------|-------|------------|--------------------------------|
 * | temperature        | `temperature`               | °C    | gauge      |                                |
 * | humidity           | `humidity`                  | %     | gauge      | relative humidity              |
 * | pressure           | `pressure`                  | hPa   | gauge      | air pressure                   |
 * | illuminance        | `illuminance`               | lx    | gauge      |                                |
 * | co2                | `co2`                       | ppm   | gauge      |                                |
 * | occupancy          | `occupancy`                 | (0/1) | gauge      | 1 = occupied                   |
 * | contact            | `contact`                   | (0/1) | gauge      | 1 = contact closed (door shut) |
 * | waterLeak          | `water_leak`                | (0/1) | gauge      | 1 = leak                       |
 * | power              | `electricity.power`         | W     | gauge      | an appliance's load (plugs)    |
 * | energy             | `electricity.energy`        | kWh   | counter    | an appliance's consumption     |
 * | importPower        | `electricity.import.power`  | W     | gauge      | a meter: power from the grid   |
 * | importEnergy       | `electricity.import.energy` | kWh   | counter    | a meter: energy from the grid  |
 * | exportEnergy       | `electricity.export.energy` | kWh   | counter    | a meter: energy to the grid    |
 * | gasPower           | `gas.power`                 | W     | gauge      |                                |
 * | gasEnergy          | `gas.energy`                | kWh   | counter    |                                |
 * | voltage            | `voltage`                   | V     | gauge      | mains voltage                  |
 * | current            | `current`                   | A     | gauge      |                                |
 * | battery            | `battery`                   | %     | gauge      | state of charge                |
 * | batteryVoltage     | `battery.voltage`           | V     | gauge      | (devices report mV)            |
 * | powerFactor        | `power_factor`              | (0-1) | gauge      |                                |
 * | switchState        | `switch`                    | (0/1) | gauge      | 1 = relay on                   |
 *
 * Appliance kinds (`electricity.power`) and meter kinds (`electricity.import.power`) differ on
 * purpose: a whole-home app must not be handed one plug, nor an appliance app the grid meter.
 * Flags are gauges rather than events: a 0/1 series rolls up to "fraction of time occupied" (mean)
 * and "was it ever open" (max) per bucket, and transitions can be read from the raw series.
 */
import type { DatasourceSpec, ValueType } from '../../../../box/store/types.ts';

export interface Measure {
  kind: string;
  unit: string;
  valueType: ValueType;
}

const gauge = (kind: string, unit: string): Measure => ({ kind, unit, valueType: 'gauge' });
const counter = (kind: string, unit: string): Measure => ({ kind, unit, valueType: 'counter' });

/**
 * @example
 * ```ts
 * const spec = { id: 'z2m.kitchen.temperature', ...MEASURES.temperature }; // kind temperature, °C, gauge
 * ```
 */
export const MEASURES = {
  temperature: gauge('temperature', '°C'),
  humidity: gauge('humidity', '%'),
  pressure: gauge('pressure', 'hPa'),
  illuminance: gauge('illuminance', 'lx'),
  co2: gauge('co2', 'ppm'),
  occupancy: gauge('occupancy', ''),
  contact: gauge('contact', ''),
  waterLeak: gauge('water_leak', ''),
  power: gauge('electricity.power', 'W'),
  energy: counter('electricity.energy', 'kWh'),
  importPower: gauge('electricity.import.power', 'W'),
  importEnergy: counter('electricity.import.energy', 'kWh'),
  exportEnergy: counter('electricity.export.energy', 'kWh'),
  gasPower: gauge('gas.power', 'W'),
  gasEnergy: counter('gas.energy', 'kWh'),
  voltage: gauge('voltage', 'V'),
  current: gauge('current', 'A'),
  battery: gauge('battery', '%'),
  batteryVoltage: gauge('battery.voltage', 'V'),
  powerFactor: gauge('power_factor', ''),
  switchState: gauge('switch', ''),
} as const satisfies Record<string, Measure>;

export type MeasureName = keyof typeof MEASURES;

/**
 * A datasource spec for `measure`, with optional description/vendor.
 *
 * @example
 * ```ts
 * specFor('glow.abc.electricity.import.power', 'importPower', { vendor: 'Hildebrand' });
 * ```
 */
export function specFor(
  id: string,
  measure: MeasureName,
  extra: Pick<DatasourceSpec, 'description' | 'vendor' | 'location'> = {},
): DatasourceSpec {
  const spec: DatasourceSpec = { id, ...MEASURES[measure] };
  if (extra.description !== undefined) spec.description = extra.description;
  if (extra.vendor !== undefined) spec.vendor = extra.vendor;
  if (extra.location !== undefined) spec.location = extra.location;
  return spec;
}

const CONVERSIONS: Record<string, { unit: string; convert: (v: number) => number }> = {
  kW: { unit: 'W', convert: (v) => v * 1000 },
  Wh: { unit: 'kWh', convert: (v) => v / 1000 },
  MWh: { unit: 'kWh', convert: (v) => v * 1000 },
  '°F': { unit: '°C', convert: (v) => ((v - 32) * 5) / 9 },
  K: { unit: '°C', convert: (v) => v - 273.15 },
  mV: { unit: 'V', convert: (v) => v / 1000 },
  mA: { unit: 'A', convert: (v) => v / 1000 },
  Pa: { unit: 'hPa', convert: (v) => v / 100 },
  kPa: { unit: 'hPa', convert: (v) => v * 10 },
  mbar: { unit: 'hPa', convert: (v) => v },
  bar: { unit: 'hPa', convert: (v) => v * 1000 },
  mmHg: { unit: 'hPa', convert: (v) => v * 1.333_223_874 },
  inHg: { unit: 'hPa', convert: (v) => v * 33.863_886_67 },
};

/**
 * The scheme's unit for a foreign unit and a function converting values to it (kW → W, Wh → kWh,
 * °F → °C, mV → V, Pa → hPa, …); units already in the scheme, or unknown, are kept as they are.
 *
 * @example
 * ```ts
 * const { unit, convert } = normaliseUnit('kW'); // unit 'W', convert(0.623) === 623
 * ```
 */
export function normaliseUnit(unit: string): { unit: string; convert: (v: number) => number } {
  const conversion = CONVERSIONS[unit];
  return conversion
    ? { unit: conversion.unit, convert: (v) => tidy(conversion.convert(v)) }
    : { unit, convert: (v) => v };
}

/**
 * Drops binary floating-point noise from a converted value (`0.623 * 1000` → `623`,
 * `499599.717 / 1000` → `499.599717`) by rounding to 15 significant digits, more than any meter has.
 *
 * @example
 * ```ts
 * tidy(499599.717 / 1000); // 499.599717
 * ```
 */
export function tidy(v: number): number {
  return Number(v.toPrecision(15));
}
