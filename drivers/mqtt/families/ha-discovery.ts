/**
 * Home Assistant MQTT discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery).
 *
 * - `<prefix>/<component>/[<node_id>/]<object_id>/config`: a JSON config (abbreviations and `~`
 *   expanded). `sensor` and `binary_sensor` configs are kept in state, keyed by config topic; an
 *   empty payload removes the entry. Sensors without a unit, a state class or a numeric device
 *   class are text sensors and are ignored, as are other components (switch, light, …).
 * - Any `state_topic` a kept config names: each config on that topic renders its `value_template`
 *   (see `shared/ha-template.ts`; unsupported templates are refused when the config arrives) and
 *   yields one reading at the receive time. A value missing from the payload, or HA's
 *   `unknown`/`unavailable`, yields no reading for that config.
 *
 * Datasources are `ha.<unique_id slug>` (or `ha.<node_id>_<object_id>`). The device class picks
 * the kind from the common scheme (`temperature` °C, `power` → `electricity.power` W, …) with units
 * converted (kW → W, Wh → kWh, °F → °C); other device classes keep their own name and unit. Binary
 * sensors are 0/1 gauges: `occupancy`/`motion`/`presence` → `occupancy`, `door`/`window`/`opening`
 * → `contact` (inverted: HA's ON means open), `moisture` → `water_leak`. Device name, manufacturer
 * and suggested area become description, vendor and location; devices that share an identifier
 * share what any of their configs said.
 */
import type { DatasourceSpec } from '../../../box/store/types.ts';
import type { DecodeContext, Decoded, FamilyDecoder } from '../decoded.ts';
import { DecodeError, emptyDecoded, familyState } from '../decoded.ts';
import { DecodedBuilder } from './shared/decoded-builder.ts';
import { expandDiscoveryConfig } from './shared/ha-abbreviations.ts';
import { compileValueTemplate, TemplateValueError, type ValueTemplate } from './shared/ha-template.ts';
import { MEASURES, type Measure, type MeasureName, normaliseUnit } from './shared/measures.ts';
import {
  describe,
  isObject,
  type JsonObject,
  numberFromText,
  parseJson,
  parseJsonObject,
  payloadText,
} from './shared/payload.ts';
import { slugify } from './shared/slug.ts';

export interface HaDiscoveryOptions {
  /** Discovery prefix; default `homeassistant`. */
  prefix?: string;
  /**
   * True for a state topic another family already decodes (Zigbee2MQTT and Tasmota publish
   * discovery configs for their own devices): such configs are ignored instead of creating empty
   * `ha.*` duplicates of the family's datasources.
   */
  decodedElsewhere?: (stateTopic: string) => boolean;
}

/** The measure a unit implies, for configs whose device class is missing or contradicts the unit. */
const UNIT_MEASURES: Record<string, MeasureName> = {
  W: 'power',
  kW: 'power',
  Wh: 'energy',
  kWh: 'energy',
  MWh: 'energy',
  '°C': 'temperature',
  '°F': 'temperature',
  K: 'temperature',
  V: 'voltage',
  mV: 'voltage',
  A: 'current',
  mA: 'current',
  hPa: 'pressure',
  Pa: 'pressure',
  kPa: 'pressure',
  mbar: 'pressure',
  bar: 'pressure',
  mmHg: 'pressure',
  inHg: 'pressure',
  lx: 'illuminance',
};

/** One kept sensor or binary-sensor config. */
export interface HaEntity {
  configTopic: string;
  component: 'sensor' | 'binary_sensor';
  stateTopic: string;
  template?: ValueTemplate;
  spec: DatasourceSpec;
  /** Native unit → scheme unit. */
  convert: (v: number) => number;
  payloadOn: unknown;
  payloadOff: unknown;
  invert: boolean;
  name?: string;
  deviceIds: string[];
}

export interface HaDeviceInfo {
  name?: string;
  manufacturer?: string;
  model?: string;
  area?: string;
}

export interface HaDiscoveryState {
  entities: Map<string, HaEntity>;
  devices: Map<string, HaDeviceInfo>;
}

const SENSOR_CLASSES: Record<string, MeasureName> = {
  temperature: 'temperature',
  humidity: 'humidity',
  pressure: 'pressure',
  atmospheric_pressure: 'pressure',
  illuminance: 'illuminance',
  carbon_dioxide: 'co2',
  power: 'power',
  energy: 'energy',
  voltage: 'voltage',
  current: 'current',
  battery: 'battery',
};

/** Binary-sensor device classes with a measure, and whether HA's ON means 0 (open door: contact 0). Shared with the recorder import. */
export const BINARY_CLASSES: Record<string, [MeasureName, boolean]> = {
  occupancy: ['occupancy', false],
  motion: ['occupancy', false],
  presence: ['occupancy', false],
  door: ['contact', true],
  window: ['contact', true],
  opening: ['contact', true],
  moisture: ['waterLeak', false],
};

const FAMILY = 'ha-discovery';

/**
 * The Home Assistant discovery decoder.
 *
 * @example
 * ```ts
 * const ha = createHaDiscoveryDecoder();
 * ha.decode('homeassistant/sensor/sensorBedroomT/config', configPayload, ctx); // datasource ha.temp01ae
 * ha.matches('homeassistant/sensor/sensorBedroom/state', ctx); // true once a config names it
 * ha.decode('homeassistant/sensor/sensorBedroom/state', Buffer.from('{"temperature":23.2}'), ctx);
 * ```
 */
export function createHaDiscoveryDecoder(options: HaDiscoveryOptions = {}): FamilyDecoder {
  const prefix = options.prefix ?? 'homeassistant';
  const configTopic = (topic: string) =>
    topic.startsWith(`${prefix}/`) &&
    /^[^/]+\/(?:[^/]+\/)?[^/]+\/config$/.test(topic.slice(prefix.length + 1));
  const stateOf = (ctx: DecodeContext) =>
    familyState<HaDiscoveryState>(ctx, FAMILY, () => ({ entities: new Map(), devices: new Map() }));
  return {
    family: FAMILY,
    matches(topic, ctx) {
      if (configTopic(topic)) return true;
      if (ctx === undefined) return false;
      for (const entity of stateOf(ctx).entities.values()) if (entity.stateTopic === topic) return true;
      return false;
    },
    decode(topic, payload, ctx) {
      const state = stateOf(ctx);
      if (configTopic(topic))
        return readConfig(topic, topic.slice(prefix.length + 1).split('/'), payload, ctx, state, options);
      return readState(topic, payload, ctx, state);
    },
  };
}

function readConfig(
  topic: string,
  levels: string[],
  payload: Buffer,
  ctx: DecodeContext,
  state: HaDiscoveryState,
  options: HaDiscoveryOptions,
): Decoded {
  if (payload.length === 0) {
    state.entities.delete(topic);
    return emptyDecoded();
  }
  const component = levels[0];
  const config = expandDiscoveryConfig(parseJsonObject(topic, payload));
  rememberDevice(config.device, state);
  if (component !== 'sensor' && component !== 'binary_sensor') return emptyDecoded();
  const text = (key: string): string | undefined => {
    const value = config[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string')
      throw new DecodeError(topic, `${key} is ${describe(value)}, expected a string`);
    return value;
  };
  const stateTopic = text('state_topic');
  if (stateTopic === undefined) throw new DecodeError(topic, 'config has no state_topic');
  if (options.decodedElsewhere?.(stateTopic)) {
    state.entities.delete(topic);
    return emptyDecoded(); // e.g. Zigbee2MQTT's own config for a device its family decodes
  }
  const deviceClass = text('device_class');
  const stateClass = text('state_class');
  const nativeUnit = text('unit_of_measurement');
  if (
    component === 'sensor' &&
    nativeUnit === undefined &&
    stateClass === undefined &&
    !(deviceClass && deviceClass in SENSOR_CLASSES)
  ) {
    state.entities.delete(topic);
    return emptyDecoded(); // a text sensor
  }
  const source = text('value_template');
  const template = source === undefined ? undefined : compileValueTemplate(source);
  if (typeof template === 'string') throw new DecodeError(topic, template);
  const objectId = levels[levels.length - 2];
  const key = text('unique_id') ?? (levels.length === 4 ? `${levels[1]}_${objectId}` : objectId);
  const id = `ha.${slugify(key, 48)}`;
  let spec: DatasourceSpec;
  let convert = (v: number) => v;
  let invert = false;
  let warning: string | undefined;
  if (component === 'binary_sensor') {
    const [measure, inverted] = BINARY_CLASSES[deviceClass ?? ''] ?? [undefined, false];
    spec = measure
      ? { id, ...MEASURES[measure] }
      : { id, kind: deviceClass ?? 'binary', unit: '', valueType: 'gauge' };
    invert = inverted;
  } else {
    const inferred = inferSensor(deviceClass, stateClass, nativeUnit);
    spec = { id, ...inferred.measure };
    convert = inferred.convert;
    if (inferred.warning) warning = `${topic}: ${inferred.warning}`;
  }
  const deviceIds = deviceIdentifiers(config.device);
  const entity: HaEntity = {
    configTopic: topic,
    component,
    stateTopic,
    template,
    spec,
    convert,
    payloadOn: config.payload_on ?? 'ON',
    payloadOff: config.payload_off ?? 'OFF',
    invert,
    name: text('name'),
    deviceIds,
  };
  state.entities.set(topic, entity);
  const out = new DecodedBuilder(topic, ctx);
  out.source(describeEntity(entity, state));
  const decoded = out.build();
  return warning ? { ...decoded, warnings: [warning] } : decoded;
}

/**
 * The kind, unit and value type of a numeric sensor: from the device class when its unit agrees,
 * else from the unit (a `power` class with `kWh` is an energy register, and says so in `warning`),
 * else the device class's own name (or `measurement`) with the native unit. `total` and
 * `total_increasing` state classes make a counter. Shared with the Home Assistant recorder import
 * (`drivers/homeassistant`), so an entity gets the same kind from its history as from discovery.
 *
 * @example
 * ```ts
 * inferSensor('power', 'total_increasing', 'kWh').measure; // { kind: 'electricity.energy', unit: 'kWh', valueType: 'counter' }
 * ```
 */
export function inferSensor(
  deviceClass: string | undefined,
  stateClass: string | undefined,
  nativeUnit: string | undefined,
): { measure: Measure; convert: (v: number) => number; warning?: string } {
  const normalised = normaliseUnit(nativeUnit ?? '');
  const counter = stateClass === 'total' || stateClass === 'total_increasing';
  const byClass = deviceClass === undefined ? undefined : SENSOR_CLASSES[deviceClass];
  if (byClass && (nativeUnit === undefined || normalised.unit === MEASURES[byClass].unit))
    return { measure: MEASURES[byClass], convert: normalised.convert };
  const byUnit = nativeUnit === undefined ? undefined : UNIT_MEASURES[nativeUnit];
  if (byUnit) {
    const measure = MEASURES[byUnit];
    const warning =
      deviceClass !== undefined && deviceClass !== byUnit && byClass !== undefined
        ? `device_class ${deviceClass} contradicts unit ${nativeUnit}: stored as ${measure.kind} (${measure.unit})`
        : undefined;
    // an energy value that is not a running total (state_class measurement) is still kWh, but a gauge
    const valueType = byUnit === 'energy' && stateClass === 'measurement' ? 'gauge' : measure.valueType;
    return { measure: { ...measure, valueType }, convert: normalised.convert, warning };
  }
  return {
    measure: {
      kind: deviceClass ?? 'measurement',
      unit: nativeUnit ?? '',
      valueType: counter ? 'counter' : 'gauge',
    },
    convert: (v) => v,
  };
}

function readState(topic: string, payload: Buffer, ctx: DecodeContext, state: HaDiscoveryState): Decoded {
  const text = payloadText(topic, payload);
  let json: { value: unknown } | undefined;
  const payloadJson = () => {
    json ??= { value: parseJson(topic, payload) };
    return json.value;
  };
  const out = new DecodedBuilder(topic, ctx);
  const t = ctx.now();
  for (const entity of state.entities.values()) {
    if (entity.stateTopic !== topic) continue;
    let value: unknown;
    try {
      value = entity.template ? entity.template.render(text, payloadJson) : text;
    } catch (error) {
      if (!(error instanceof TemplateValueError)) throw error;
      throw new DecodeError(topic, `${entity.template?.source} for ${entity.spec.id}: ${error.message}`, {
        cause: error,
      });
    }
    const v = toValue(topic, entity, value);
    if (v !== undefined) out.reading(describeEntity(entity, state), t, v);
  }
  return out.build();
}

function toValue(topic: string, entity: HaEntity, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (entity.component === 'binary_sensor') {
    const same = (a: unknown, b: unknown) => a === b || String(a) === String(b);
    if (same(value, entity.payloadOn)) return entity.invert ? 0 : 1;
    if (same(value, entity.payloadOff)) return entity.invert ? 1 : 0;
    if (value === 'unknown' || value === 'unavailable') return undefined;
    throw new DecodeError(
      topic,
      `${entity.spec.id}: state ${describe(value)} is neither payload_on nor payload_off`,
    );
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' ? numberFromText(value) : undefined;
  if (n !== undefined && Number.isFinite(n)) return entity.convert(n);
  if (value === 'unknown' || value === 'unavailable' || value === 'None' || value === '') return undefined;
  throw new DecodeError(topic, `${entity.spec.id}: state ${describe(value)} is not a number`);
}

function deviceIdentifiers(device: unknown): string[] {
  if (!isObject(device)) return [];
  const ids = device.identifiers;
  if (typeof ids === 'string') return [ids];
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

function rememberDevice(device: unknown, state: HaDiscoveryState): void {
  if (!isObject(device)) return;
  const info: HaDeviceInfo = {};
  const pick = (obj: JsonObject, key: string) =>
    typeof obj[key] === 'string' ? (obj[key] as string) : undefined;
  info.name = pick(device, 'name');
  info.manufacturer = pick(device, 'manufacturer');
  info.model = pick(device, 'model');
  info.area = pick(device, 'suggested_area');
  for (const id of deviceIdentifiers(device)) {
    const known = state.devices.get(id) ?? {};
    for (const [key, value] of Object.entries(info)) {
      if (value !== undefined) known[key as keyof HaDeviceInfo] = value;
    }
    state.devices.set(id, known);
  }
}

function describeEntity(entity: HaEntity, state: HaDiscoveryState): DatasourceSpec {
  const device: HaDeviceInfo = {};
  for (const id of entity.deviceIds) Object.assign(device, { ...state.devices.get(id), ...device });
  const spec: DatasourceSpec = { ...entity.spec };
  const what = entity.name ?? entity.spec.kind;
  const model = [device.manufacturer, device.model].filter(Boolean).join(' ');
  spec.description = `${what}${device.name ? ` of ${device.name}` : ''}${model ? ` (${model})` : ''}`;
  if (device.manufacturer) spec.vendor = device.manufacturer;
  if (device.area) spec.location = device.area;
  return spec;
}
