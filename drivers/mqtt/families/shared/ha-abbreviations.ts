/**
 * Home Assistant MQTT discovery abbreviations (https://www.home-assistant.io/integrations/mqtt/,
 * "Supported abbreviations in MQTT discovery messages"), the subset that matters for sensors, and
 * the `~` base-topic expansion.
 */
import type { JsonObject } from './payload.ts';
import { isObject } from './payload.ts';

const CONFIG: Record<string, string> = {
  avty_t: 'availability_topic',
  dev: 'device',
  dev_cla: 'device_class',
  ent_cat: 'entity_category',
  exp_aft: 'expire_after',
  frc_upd: 'force_update',
  json_attr_t: 'json_attributes_topic',
  json_attr_tpl: 'json_attributes_template',
  obj_id: 'object_id',
  pl_avail: 'payload_available',
  pl_not_avail: 'payload_not_available',
  pl_off: 'payload_off',
  pl_on: 'payload_on',
  stat_cla: 'state_class',
  stat_t: 'state_topic',
  sug_dsp_prc: 'suggested_display_precision',
  uniq_id: 'unique_id',
  unit_of_meas: 'unit_of_measurement',
  val_tpl: 'value_template',
};

const DEVICE: Record<string, string> = {
  cns: 'connections',
  cu: 'configuration_url',
  hw: 'hw_version',
  ids: 'identifiers',
  mdl: 'model',
  mdl_id: 'model_id',
  mf: 'manufacturer',
  sa: 'suggested_area',
  sn: 'serial_number',
  sw: 'sw_version',
};

/**
 * The config with abbreviated keys (also in `device`) spelled out and `~` expanded in every
 * `*_topic` value that starts or ends with it.
 *
 * @example
 * ```ts
 * expandDiscoveryConfig({ '~': 'home/bed', stat_t: '~/state', unit_of_meas: '°C' });
 * // { '~': 'home/bed', state_topic: 'home/bed/state', unit_of_measurement: '°C' }
 * ```
 */
export function expandDiscoveryConfig(config: JsonObject): JsonObject {
  const out = expand(config, CONFIG);
  if (isObject(out.device)) out.device = expand(out.device, DEVICE);
  const base = out['~'];
  if (typeof base === 'string') {
    for (const [key, value] of Object.entries(out)) {
      if (!key.endsWith('_topic') || typeof value !== 'string') continue;
      if (value.startsWith('~')) out[key] = base + value.slice(1);
      else if (value.endsWith('~')) out[key] = value.slice(0, -1) + base;
    }
  }
  return out;
}

function expand(obj: JsonObject, names: Record<string, string>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(obj)) out[names[key] ?? key] = value;
  return out;
}
