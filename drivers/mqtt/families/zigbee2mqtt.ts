/**
 * Zigbee2MQTT (https://www.zigbee2mqtt.io/guide/usage/mqtt_topics_and_messages.html).
 *
 * - `<prefix>/<friendly_name>`: the device state as one JSON object (the default `output: json`).
 *   Known numeric properties become readings at the receive time (Zigbee2MQTT sends no timestamp);
 *   everything else (state, linkquality, update, …) is ignored. `linkquality` is radio diagnostics,
 *   not a measurement of the home, so it is not stored. `null` values are skipped.
 * - `<prefix>/bridge/devices` (retained): names, models, vendors and the units of each property,
 *   kept in state and used for datasource vendor/description and for units (e.g. voltage in mV).
 * - Other `bridge/*` topics and `/set`, `/get`, `/availability` subtopics are recognised and ignored.
 *
 * `voltage` is mains voltage (V) on plugs but battery voltage (mV) on battery devices: the unit
 * from `bridge/devices` decides; without it, a payload that also has `battery` is a battery device.
 * Attribute output (`<name>/<property>` plain values) is not supported.
 */
import { z } from 'zod';
import type { DatasourceSpec } from '../../../box/store/types.ts';
import {
  type DecodeContext,
  type Decoded,
  DecodeError,
  emptyDecoded,
  type FamilyDecoder,
  familyState,
} from '../decoded.ts';
import { DecodedBuilder } from './shared/decoded-builder.ts';
import { MEASURES, type MeasureName, normaliseUnit, specFor } from './shared/measures.ts';
import { optionalFlag, optionalNumber, parseJson, parseJsonObject } from './shared/payload.ts';
import { slugify } from './shared/slug.ts';

export interface Zigbee2MqttOptions {
  /** Zigbee2MQTT's `mqtt.base_topic`; default `zigbee2mqtt`. */
  prefix?: string;
}

/** What `bridge/devices` told us about one device. */
export interface Zigbee2MqttDevice {
  friendlyName: string;
  ieeeAddress: string;
  vendor?: string;
  model?: string;
  description?: string;
  /** Unit of each exposed property, e.g. `voltage` → `mV`. */
  units: Map<string, string>;
}

export interface Zigbee2MqttState {
  devices: Map<string, Zigbee2MqttDevice>;
}

/** Properties stored, with the id suffix and measure; flags are booleans stored as 0/1. */
const PROPERTIES: Record<string, { suffix: string; measure: MeasureName; flag?: true }> = {
  temperature: { suffix: 'temperature', measure: 'temperature' },
  humidity: { suffix: 'humidity', measure: 'humidity' },
  pressure: { suffix: 'pressure', measure: 'pressure' },
  illuminance_lux: { suffix: 'illuminance', measure: 'illuminance' },
  illuminance: { suffix: 'illuminance', measure: 'illuminance' },
  co2: { suffix: 'co2', measure: 'co2' },
  occupancy: { suffix: 'occupancy', measure: 'occupancy', flag: true },
  contact: { suffix: 'contact', measure: 'contact', flag: true },
  water_leak: { suffix: 'water_leak', measure: 'waterLeak', flag: true },
  power: { suffix: 'power', measure: 'power' },
  energy: { suffix: 'energy', measure: 'energy' },
  voltage: { suffix: 'voltage', measure: 'voltage' },
  current: { suffix: 'current', measure: 'current' },
  battery: { suffix: 'battery', measure: 'battery' },
};
const PROPERTY_LIST = Object.entries(PROPERTIES);

const exposeSchema: z.ZodType<{ property?: string; unit?: string; features?: unknown[] }> = z.looseObject({
  property: z.string().optional(),
  unit: z.string().optional(),
  features: z.array(z.unknown()).optional(),
});

const bridgeDevicesSchema = z.array(
  z.looseObject({
    friendly_name: z.string(),
    ieee_address: z.string(),
    definition: z
      .looseObject({
        vendor: z.string().optional(),
        model: z.string().optional(),
        description: z.string().optional(),
        exposes: z.array(z.unknown()).optional(),
      })
      .nullish(),
  }),
);

/**
 * The Zigbee2MQTT decoder.
 *
 * @example
 * ```ts
 * const z2m = createZigbee2MqttDecoder();
 * const ctx = createDecodeContext();
 * z2m.decode('zigbee2mqtt/kitchen', Buffer.from('{"temperature":21.5,"linkquality":72}'), ctx);
 * // readings: [{ sourceId: 'z2m.kitchen.temperature', t: <receive time>, v: 21.5 }]
 * ```
 */
export function createZigbee2MqttDecoder(options: Zigbee2MqttOptions = {}): FamilyDecoder {
  const prefix = `${options.prefix ?? 'zigbee2mqtt'}/`;
  const family = 'zigbee2mqtt';
  return {
    family,
    matches: (topic) => topic.startsWith(prefix) && topic.length > prefix.length,
    decode(topic, payload, ctx) {
      const rest = topic.slice(prefix.length);
      const state = familyState<Zigbee2MqttState>(ctx, family, () => ({ devices: new Map() }));
      if (rest === 'bridge/devices') return readBridgeDevices(topic, payload, state);
      if (rest.startsWith('bridge/') || /\/(set|get|availability)(\/.*)?$/.test(rest)) return emptyDecoded();
      return decodeDeviceState(topic, rest, payload, ctx, state.devices.get(rest));
    },
  };
}

function readBridgeDevices(topic: string, payload: Buffer, state: Zigbee2MqttState): Decoded {
  const parsed = bridgeDevicesSchema.safeParse(parseJson(topic, payload));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DecodeError(topic, `bridge/devices at [${issue.path.join('.')}]: ${issue.message}`);
  }
  state.devices.clear();
  for (const device of parsed.data) {
    const units = new Map<string, string>();
    collectUnits(device.definition?.exposes ?? [], units);
    state.devices.set(device.friendly_name, {
      friendlyName: device.friendly_name,
      ieeeAddress: device.ieee_address,
      vendor: device.definition?.vendor,
      model: device.definition?.model,
      description: device.definition?.description,
      units,
    });
  }
  return emptyDecoded();
}

function collectUnits(exposes: readonly unknown[], units: Map<string, string>): void {
  for (const raw of exposes) {
    const expose = exposeSchema.safeParse(raw);
    if (!expose.success) continue;
    if (expose.data.property !== undefined && expose.data.unit !== undefined) {
      units.set(expose.data.property, expose.data.unit);
    }
    collectUnits(expose.data.features ?? [], units);
  }
}

function decodeDeviceState(
  topic: string,
  name: string,
  payload: Buffer,
  ctx: DecodeContext,
  device: Zigbee2MqttDevice | undefined,
): Decoded {
  const body = parseJsonObject(topic, payload);
  const out = new DecodedBuilder(topic, ctx);
  const t = ctx.now();
  const slug = slugify(name);
  for (const [key, property] of PROPERTY_LIST) {
    if (!(key in body)) continue;
    if (key === 'illuminance' && body.illuminance_lux != null) continue;
    const raw = property.flag ? optionalFlag(topic, body, key) : optionalNumber(topic, body, key);
    if (raw === undefined) continue;
    let { suffix, measure } = property;
    const deviceUnit = device?.units.get(key);
    if (key === 'voltage' && (deviceUnit === 'mV' || (deviceUnit === undefined && 'battery' in body))) {
      suffix = 'battery_voltage';
      measure = 'batteryVoltage';
    }
    const fromUnit = deviceUnit ?? (measure === 'batteryVoltage' ? 'mV' : MEASURES[measure].unit);
    const { unit, convert } = normaliseUnit(fromUnit);
    if (fromUnit !== '' && unit !== MEASURES[measure].unit) continue; // a unit we cannot convert: do not guess
    out.reading(describeSource(`z2m.${slug}.${suffix}`, measure, name, device), t, convert(raw));
  }
  return out.build();
}

/** Specs by id, reused while the device's description (from bridge/devices) is the same object. */
const SPECS = new Map<
  string,
  { device: Zigbee2MqttDevice | undefined; name: string; spec: DatasourceSpec }
>();

function describeSource(
  id: string,
  measure: MeasureName,
  name: string,
  device: Zigbee2MqttDevice | undefined,
): DatasourceSpec {
  const cached = SPECS.get(id);
  if (cached && cached.device === device && cached.name === name) return cached.spec;
  const spec = buildSpec(id, measure, name, device);
  if (SPECS.size >= 10_000) SPECS.clear();
  SPECS.set(id, { device, name, spec });
  return spec;
}

function buildSpec(
  id: string,
  measure: MeasureName,
  name: string,
  device: Zigbee2MqttDevice | undefined,
): DatasourceSpec {
  const what = MEASURES[measure].kind;
  const model = [device?.vendor, device?.model].filter(Boolean).join(' ');
  const about = device?.description ? `${device.description}${model ? `, ${model}` : ''}` : model;
  return specFor(id, measure, {
    description: `${what} of Zigbee2MQTT device "${name}"${about ? ` (${about})` : ''}`,
    vendor: device?.vendor,
  });
}
