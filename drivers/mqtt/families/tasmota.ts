/**
 * Tasmota (https://tasmota.github.io/docs/MQTT/), default full topic `%prefix%/%topic%/`:
 *
 * - `tele/<topic>/SENSOR`: the `ENERGY` block gives `Total` (kWh counter), `Power` (W), `Voltage`
 *   (V) and `Current` (A); arrays (multi-channel devices) become `power1`, `power2`, …. `Today`,
 *   `Yesterday`, `Period` and the reactive/apparent power and factor are not stored: they reset at
 *   device-local midnight or are derived, and rollups of `Total` give the same answers. Every other
 *   object with `Temperature`, `Humidity` or `Pressure` (`DS18B20`, `AM2301`, `BME280`, …) is a
 *   sensor; `TempUnit` `F` and `PressureUnit` `mmHg`/`inHg` are converted to °C and hPa.
 * - `stat/<topic>/RESULT` with `EnergyTotal.Total`: the answer to the `EnergyTotal` command, an
 *   energy reading at the receive time, so a reset to 0 reaches the store as soon as it happens.
 * - `stat/<topic>/STATUS10` (and `STATUS8` of older firmware): the answer to `Status 10`, whose
 *   `StatusSNS` object has the same shape as `SENSOR` and is decoded the same way.
 * - Other `tele/*` and `stat/*` topics (STATE, LWT, POWER, RESULT of other commands) are ignored.
 *
 * Times: Tasmota's `Time` is device-local time without an offset, so readings are stamped with the
 * receive time. A `Time` that carries an offset (Tasmota `SetOption52 1`) is used as is; with the
 * `utcOffsetMinutes` option, an offset-less `Time` is read as local time at that fixed offset.
 */
import type { DecodeContext, Decoded, FamilyDecoder } from '../decoded.ts';
import { DecodeError, emptyDecoded } from '../decoded.ts';
import { DecodedBuilder } from './shared/decoded-builder.ts';
import { type MeasureName, normaliseUnit, specFor } from './shared/measures.ts';
import { describe, isObject, type JsonObject, optionalObject, parseJsonObject } from './shared/payload.ts';
import { slugify } from './shared/slug.ts';

export interface TasmotaOptions {
  /** When set, an offset-less `Time` is device-local time at this fixed offset from UTC. */
  utcOffsetMinutes?: number;
}

const ENERGY_FIELDS: Array<[key: string, suffix: string, measure: MeasureName]> = [
  ['Total', 'energy', 'energy'],
  ['Power', 'power', 'power'],
  ['Voltage', 'voltage', 'voltage'],
  ['Current', 'current', 'current'],
];

const SENSOR_FIELDS: Array<[key: string, suffix: string, measure: MeasureName]> = [
  ['Temperature', 'temperature', 'temperature'],
  ['Humidity', 'humidity', 'humidity'],
  ['Pressure', 'pressure', 'pressure'],
];

/**
 * The Tasmota decoder.
 *
 * @example
 * ```ts
 * const tasmota = createTasmotaDecoder();
 * tasmota.decode('tele/athomspv3a/SENSOR', Buffer.from('{"ENERGY":{"Total":1066.0,"Power":0}}'), ctx);
 * // readings: tasmota.athomspv3a.energy 1066 (kWh counter), tasmota.athomspv3a.power 0 (W)
 * ```
 */
export function createTasmotaDecoder(options: TasmotaOptions = {}): FamilyDecoder {
  return {
    family: 'tasmota',
    matches: (topic) => /^(tele|stat)\/[^/]+\/[^/]+$/.test(topic),
    decode(topic, payload, ctx) {
      const [prefix, device, command] = topic.split('/');
      if (prefix === 'tele' && command === 'SENSOR')
        return decodeSensor(topic, device, payload, ctx, options);
      if (prefix === 'stat' && command === 'RESULT') return decodeResult(topic, device, payload, ctx);
      if (prefix === 'stat' && (command === 'STATUS10' || command === 'STATUS8')) {
        const status = optionalObject(topic, parseJsonObject(topic, payload), 'StatusSNS');
        if (!status) throw new DecodeError(topic, `${command} has no StatusSNS object`);
        return sensorBody(topic, device, status, ctx, options, 'StatusSNS.');
      }
      return emptyDecoded();
    },
  };
}

function decodeSensor(
  topic: string,
  device: string,
  payload: Buffer,
  ctx: DecodeContext,
  options: TasmotaOptions,
): Decoded {
  return sensorBody(topic, device, parseJsonObject(topic, payload), ctx, options);
}

function sensorBody(
  topic: string,
  device: string,
  body: JsonObject,
  ctx: DecodeContext,
  options: TasmotaOptions,
  where = '',
): Decoded {
  const t = messageTime(topic, body.Time, ctx, options);
  const out = new DecodedBuilder(topic, ctx);
  const base = `tasmota.${slugify(device, 24)}`;
  const energy = optionalObject(topic, body, 'ENERGY');
  if (energy) {
    for (const [key, suffix, measure] of ENERGY_FIELDS) {
      addValues(
        out,
        topic,
        energy,
        key,
        `${where}ENERGY.${key}`,
        (i) => `${base}.${suffix}${i}`,
        measure,
        device,
        t,
      );
    }
  }
  const temperatureUnit = body.TempUnit === 'F' ? '°F' : '°C';
  const pressureUnit = typeof body.PressureUnit === 'string' ? body.PressureUnit : 'hPa';
  for (const [block, value] of Object.entries(body)) {
    if (block === 'ENERGY' || !isObject(value)) continue;
    if (!SENSOR_FIELDS.some(([key]) => key in value)) continue;
    const sensor = slugify(block, 16, { caseInsensitive: true });
    for (const [key, suffix, measure] of SENSOR_FIELDS) {
      const from = key === 'Temperature' ? temperatureUnit : key === 'Pressure' ? pressureUnit : '%';
      const id = (i: string) => `${base}.${sensor}.${suffix}${i}`;
      addValues(
        out,
        topic,
        value,
        key,
        `${where}${block}.${key}`,
        id,
        measure,
        `${device} ${block}`,
        t,
        from,
      );
    }
  }
  return out.build();
}

function decodeResult(topic: string, device: string, payload: Buffer, ctx: DecodeContext): Decoded {
  const body = parseJsonObject(topic, payload);
  const energyTotal = optionalObject(topic, body, 'EnergyTotal');
  const out = new DecodedBuilder(topic, ctx);
  if (energyTotal) {
    const id = () => `tasmota.${slugify(device, 24)}.energy`;
    addValues(out, topic, energyTotal, 'Total', 'EnergyTotal.Total', id, 'energy', device, ctx.now());
  }
  return out.build();
}

/** Adds `obj[key]` (a number, or an array of numbers: one datasource per channel). */
function addValues(
  out: DecodedBuilder,
  topic: string,
  obj: JsonObject,
  key: string,
  where: string,
  id: (channel: string) => string,
  measure: MeasureName,
  label: string,
  t: number,
  fromUnit?: string,
): void {
  const value = obj[key];
  if (value === undefined || value === null) return;
  const values = Array.isArray(value) ? value : [value];
  const { unit, convert } = normaliseUnit(fromUnit ?? '');
  if (fromUnit !== undefined && unit !== specFor('x', measure).unit) {
    throw new DecodeError(topic, `${where}: unit "${fromUnit}" cannot be converted`);
  }
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new DecodeError(
        topic,
        `${where}${Array.isArray(value) ? `[${i}]` : ''} is ${describe(v)}, expected a number`,
      );
    }
    const channel = Array.isArray(value) ? String(i + 1) : '';
    const description = `${specFor('x', measure).kind} from Tasmota ${label}${channel ? ` channel ${channel}` : ''}`;
    out.reading(specFor(id(channel), measure, { description }), t, convert(v));
  });
}

function messageTime(topic: string, time: unknown, ctx: DecodeContext, options: TasmotaOptions): number {
  if (typeof time !== 'string') return ctx.now();
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(Z|[+-]\d\d:\d\d)?$/.exec(time);
  if (!match) throw new DecodeError(topic, `Time "${time}" is not an ISO 8601 time`);
  if (match[2] !== undefined) return Date.parse(time);
  if (options.utcOffsetMinutes === undefined) return ctx.now();
  return Date.parse(`${match[1]}Z`) - options.utcOffsetMinutes * 60_000;
}
