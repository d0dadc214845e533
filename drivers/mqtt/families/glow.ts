/**
 * Hildebrand Glow (IHD/CAD local MQTT): `glow/<device id>/SENSOR/electricitymeter` and
 * `glow/<device id>/SENSOR/gasmeter`, JSON with `timestamp` (ISO, UTC), `energy.import.cumulative`
 * (kWh), `energy.export.cumulative` (kWh) and `power.value` (kW). These are the household's smart
 * meters, so they use the meter kinds (`electricity.import.*`, `electricity.export.energy`,
 * `gas.*`). Other `glow/<id>/...` topics (`STATE`, `SENSOR/...` of other kinds) are ignored.
 * Day/week/month totals and prices are not stored: rollups of the cumulative counter give the same.
 */
import type { DecodeContext, Decoded, FamilyDecoder } from '../decoded.ts';
import { DecodeError, emptyDecoded } from '../decoded.ts';
import { DecodedBuilder } from './shared/decoded-builder.ts';
import { MEASURES, type MeasureName, normaliseUnit, specFor } from './shared/measures.ts';
import {
  isoWithOffset,
  type JsonObject,
  optionalNumber,
  optionalObject,
  parseJsonObject,
} from './shared/payload.ts';
import { slugify } from './shared/slug.ts';

export interface GlowOptions {
  /** Topic prefix; default `glow`. */
  prefix?: string;
}

const METERS = {
  electricitymeter: {
    energy: 'importEnergy',
    exportEnergy: 'exportEnergy',
    power: 'importPower',
    label: 'electricity',
  },
  gasmeter: { energy: 'gasEnergy', exportEnergy: undefined, power: 'gasPower', label: 'gas' },
} as const;

const SUFFIX: Partial<Record<MeasureName, string>> = {
  importEnergy: 'import.energy',
  exportEnergy: 'export.energy',
  importPower: 'import.power',
  gasEnergy: 'gas.energy',
  gasPower: 'gas.power',
};

/**
 * The Glow decoder.
 *
 * @example
 * ```ts
 * const glow = createGlowDecoder();
 * glow.decode('glow/e8db84aabbcc/SENSOR/electricitymeter', payload, ctx);
 * // readings: glow.e8db84aabbcc.import.energy 4595.563 kWh and glow.e8db84aabbcc.import.power 623 W
 * ```
 */
export function createGlowDecoder(options: GlowOptions = {}): FamilyDecoder {
  const prefix = `${options.prefix ?? 'glow'}/`;
  return {
    family: 'glow',
    matches: (topic) => topic.startsWith(prefix) && topic.indexOf('/', prefix.length) > prefix.length,
    decode(topic, payload, ctx) {
      const [id, ...rest] = topic.slice(prefix.length).split('/');
      const meter = rest.join('/');
      if (meter !== 'SENSOR/electricitymeter' && meter !== 'SENSOR/gasmeter') return emptyDecoded();
      const name = meter.slice('SENSOR/'.length) as keyof typeof METERS;
      return decodeMeter(topic, id, name, payload, ctx);
    },
  };
}

function decodeMeter(
  topic: string,
  id: string,
  name: keyof typeof METERS,
  payload: Buffer,
  ctx: DecodeContext,
): Decoded {
  const body = optionalObject(topic, parseJsonObject(topic, payload), name);
  if (body === undefined) throw new DecodeError(topic, `payload has no "${name}" object`);
  const t =
    body.timestamp === undefined ? ctx.now() : isoWithOffset(topic, body.timestamp, `${name}.timestamp`);
  const meter = METERS[name];
  const slug = slugify(id, 36, { caseInsensitive: true });
  const out = new DecodedBuilder(topic, ctx);
  const add = (measure: MeasureName, obj: JsonObject | undefined, key: string, where: string) => {
    if (obj === undefined) return;
    const raw = optionalNumber(topic, obj, key, where);
    if (raw === undefined) return;
    const given = typeof obj.units === 'string' ? obj.units : MEASURES[measure].unit === 'W' ? 'kW' : 'kWh';
    const { unit, convert } = normaliseUnit(given);
    if (unit !== MEASURES[measure].unit) {
      throw new DecodeError(topic, `${where} is in "${given}", expected ${MEASURES[measure].unit}`);
    }
    const description = `${meter.label} meter ${SUFFIX[measure]?.replace('.', ' ')} (Glow ${id})`;
    out.reading(
      specFor(`glow.${slug}.${SUFFIX[measure]}`, measure, { description, vendor: 'Hildebrand' }),
      t,
      convert(raw),
    );
  };
  const energy = optionalObject(topic, body, 'energy', `${name}.energy`);
  const imported = energy && optionalObject(topic, energy, 'import', `${name}.energy.import`);
  add(meter.energy, imported, 'cumulative', `${name}.energy.import.cumulative`);
  if (meter.exportEnergy) {
    const exported = energy && optionalObject(topic, energy, 'export', `${name}.energy.export`);
    add(meter.exportEnergy, exported, 'cumulative', `${name}.energy.export.cumulative`);
  }
  add(meter.power, optionalObject(topic, body, 'power', `${name}.power`), 'value', `${name}.power.value`);
  return out.build();
}
