/**
 * Shelly Gen2+ devices (https://shelly-api-docs.shelly.cloud/gen2/General/RPCChannels#mqtt), whose
 * topic prefix is configurable (default the device id, e.g. `shellyplusplugs-e86beaeaa000`):
 *
 * - `<prefix>/status/switch:N` (and `pm1:N`, same shape): the component status with `apower` (W),
 *   `voltage` (V), `current` (A) and `aenergy.total` (Wh, stored as kWh).
 * - `<prefix>/events/rpc`: `NotifyStatus` deltas and `NotifyFullStatus`, `params.ts` in seconds,
 *   one key per changed component (`switch:0: { apower }` or `{ aenergy }`); `NotifyEvent` is ignored.
 *
 * Times: `aenergy.total` is stamped with `aenergy.minute_ts` (the minute it was totalled) when
 * present; power, voltage and current with `params.ts` on `events/rpc` and the receive time on
 * `status/*` (stamping them with the minute would misplace them and collide within the minute).
 * Energy meters (`em:N`, `emdata:N`, `em1:N`, `em1data:N`: Pro 3EM, Pro EM, 3EM/EM Gen3) are decoded
 * by `shelly-gen2-em.ts`. Other components (`sys`, `wifi`, `input:N`, …) are recognised and ignored; the device's internal
 * temperature is not stored (it is not a temperature of the home).
 */
import type { DecodeContext, Decoded, FamilyDecoder } from '../decoded.ts';
import { DecodeError, emptyDecoded } from '../decoded.ts';
import { DecodedBuilder } from './shared/decoded-builder.ts';
import { type MeasureName, normaliseUnit, specFor } from './shared/measures.ts';
import {
  describe,
  isObject,
  type JsonObject,
  optionalNumber,
  optionalObject,
  parseJsonObject,
} from './shared/payload.ts';
import { slugify } from './shared/slug.ts';
import { addEnergyMeter, EM_COMPONENTS } from './shelly-gen2-em.ts';

const STATUS_TOPIC = /^(.+)\/status\/([a-z0-9_]+):(\d+)$/;
const RPC_TOPIC = /^(.+)\/events\/rpc$/;
const METERED = new Set(['switch', 'pm1']);

const GAUGES: Array<[key: string, measure: MeasureName]> = [
  ['apower', 'power'],
  ['voltage', 'voltage'],
  ['current', 'current'],
];

/**
 * The Shelly Gen2+ decoder.
 *
 * @example
 * ```ts
 * const shelly = createShellyGen2Decoder();
 * shelly.decode('shellyplusplugs-e86beaeaa000/status/switch:0', payload, ctx);
 * // readings: shelly.shellyplusplugs-e86beaeaa000.switch0.power (W), .voltage, .current, .energy (kWh)
 * ```
 */
export function createShellyGen2Decoder(): FamilyDecoder {
  return {
    family: 'shelly-gen2',
    matches: (topic) => STATUS_TOPIC.test(topic) || RPC_TOPIC.test(topic),
    decode(topic, payload, ctx) {
      const status = STATUS_TOPIC.exec(topic);
      if (status) {
        const [, prefix, component, index] = status;
        if (!METERED.has(component) && !EM_COMPONENTS.has(component)) return emptyDecoded();
        const out = new DecodedBuilder(topic, ctx);
        const body = parseJsonObject(topic, payload);
        if (EM_COMPONENTS.has(component))
          addEnergyMeter(out, topic, prefix, component, index, body, ctx.now());
        else addComponent(out, topic, prefix, `${component}:${index}`, body, ctx.now());
        return out.build();
      }
      return decodeRpc(topic, RPC_TOPIC.exec(topic)![1], payload, ctx);
    },
  };
}

function decodeRpc(topic: string, prefix: string, payload: Buffer, ctx: DecodeContext): Decoded {
  const body = parseJsonObject(topic, payload);
  if (typeof body.method !== 'string')
    throw new DecodeError(topic, `method is ${describe(body.method)}, expected a string`);
  if (body.method !== 'NotifyStatus' && body.method !== 'NotifyFullStatus') return emptyDecoded();
  const params = optionalObject(topic, body, 'params');
  if (params === undefined) throw new DecodeError(topic, `${body.method} has no params`);
  const ts = optionalNumber(topic, params, 'ts', 'params.ts');
  const t = ts === undefined ? ctx.now() : ts * 1000;
  const out = new DecodedBuilder(topic, ctx);
  for (const [key, value] of Object.entries(params)) {
    const match = /^([a-z0-9_]+):(\d+)$/.exec(key);
    if (!match || !isObject(value)) continue;
    if (EM_COMPONENTS.has(match[1]))
      addEnergyMeter(out, topic, prefix, match[1], match[2], value, t, `params.${key}.`);
    else if (METERED.has(match[1])) addComponent(out, topic, prefix, key, value, t, `params.${key}.`);
  }
  return out.build();
}

function addComponent(
  out: DecodedBuilder,
  topic: string,
  prefix: string,
  component: string,
  status: JsonObject,
  t: number,
  where = '',
): void {
  const base = `shelly.${slugify(prefix)}.${component.replace(':', '')}`;
  const label = `Shelly ${prefix} ${component}`;
  for (const [key, measure] of GAUGES) {
    const v = optionalNumber(topic, status, key, `${where}${key}`);
    const suffix = measure === 'power' ? 'power' : key;
    if (v !== undefined) out.reading(specFor(`${base}.${suffix}`, measure, describeAs(measure, label)), t, v);
  }
  const aenergy = optionalObject(topic, status, 'aenergy', `${where}aenergy`);
  if (aenergy === undefined) return;
  const total = optionalNumber(topic, aenergy, 'total', `${where}aenergy.total`);
  if (total === undefined) return;
  const minute = optionalNumber(topic, aenergy, 'minute_ts', `${where}aenergy.minute_ts`);
  const kWh = normaliseUnit('Wh').convert(total);
  out.reading(
    specFor(`${base}.energy`, 'energy', describeAs('energy', label)),
    minute === undefined ? t : minute * 1000,
    kWh,
  );
}

function describeAs(measure: MeasureName, label: string) {
  return { description: `${specFor('x', measure).kind} of ${label}`, vendor: 'Shelly' };
}
