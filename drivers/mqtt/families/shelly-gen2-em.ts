/**
 * The energy-meter components of Shelly Gen2+ devices (Pro 3EM, Pro EM, 3EM Gen3, EM Gen3), from
 * the Gen2 component docs (EM, EMData, EM1, EM1Data). Usually on the mains, so they get the meter
 * kinds (`electricity.import.*`, `electricity.export.energy`). Energies are in Wh, stored as kWh.
 *
 * | component   | keys stored (per phase `a_`, `b_`, `c_`, and `total_`)                     |
 * |-------------|-----------------------------------------------------------------------------|
 * | `em:N`      | `<p>_act_power` W, `<p>_voltage` V, `<p>_current` A, `<p>_pf`; `total_act_power`, `total_current` |
 * | `emdata:N`  | `<p>_total_act_energy`, `<p>_total_act_ret_energy`; `total_act`, `total_act_ret` |
 * | `em1:N`     | `act_power` W, `voltage` V, `current` A, `pf`                               |
 * | `em1data:N` | `total_act_energy`, `total_act_ret_energy`                                   |
 *
 * Apparent power, frequency, neutral current and calibration fields are recognised and not stored.
 */
import type { DecodedBuilder } from './shared/decoded-builder.ts';
import { type MeasureName, specFor, tidy } from './shared/measures.ts';
import { type JsonObject, optionalNumber } from './shared/payload.ts';
import { slugify } from './shared/slug.ts';

/** The Gen2 components this module decodes. */
export const EM_COMPONENTS = new Set(['em', 'emdata', 'em1', 'em1data']);

type Field = [key: string, suffix: string, measure: MeasureName, wh?: true];

const PHASE_FIELDS = (p: string): Field[] => [
  [`${p}_act_power`, `${p}.power`, 'importPower'],
  [`${p}_voltage`, `${p}.voltage`, 'voltage'],
  [`${p}_current`, `${p}.current`, 'current'],
  [`${p}_pf`, `${p}.pf`, 'powerFactor'],
];

const FIELDS: Record<string, Field[]> = {
  em: [
    ...['a', 'b', 'c'].flatMap(PHASE_FIELDS),
    ['total_act_power', 'total.power', 'importPower'],
    ['total_current', 'total.current', 'current'],
  ],
  emdata: [
    ...['a', 'b', 'c'].flatMap((p): Field[] => [
      [`${p}_total_act_energy`, `${p}.energy`, 'importEnergy', true],
      [`${p}_total_act_ret_energy`, `${p}.returned_energy`, 'exportEnergy', true],
    ]),
    ['total_act', 'total.energy', 'importEnergy', true],
    ['total_act_ret', 'total.returned_energy', 'exportEnergy', true],
  ],
  em1: [
    ['act_power', 'power', 'importPower'],
    ['voltage', 'voltage', 'voltage'],
    ['current', 'current', 'current'],
    ['pf', 'pf', 'powerFactor'],
  ],
  em1data: [
    ['total_act_energy', 'energy', 'importEnergy', true],
    ['total_act_ret_energy', 'returned_energy', 'exportEnergy', true],
  ],
};

/**
 * Adds the readings of one EM-family component status (`em:0`, `emdata:0`, `em1:1`, …).
 *
 * @example
 * ```ts
 * addEnergyMeter(out, topic, 'shellypro3em-abc', 'em', '0', { a_act_power: 120.5, total_act_power: 300 }, t);
 * // shelly.shellypro3em-abc.em0.a.power = 120.5 W, shelly.shellypro3em-abc.em0.total.power = 300 W
 * ```
 */
export function addEnergyMeter(
  out: DecodedBuilder,
  topic: string,
  prefix: string,
  component: string,
  index: string,
  status: JsonObject,
  t: number,
  where = '',
): void {
  const base = `shelly.${slugify(prefix)}.${component}${index}`;
  const label = `Shelly ${prefix} ${component}:${index}`;
  for (const [key, suffix, measure, wh] of FIELDS[component] ?? []) {
    const v = optionalNumber(topic, status, key, `${where}${key}`);
    if (v === undefined) continue;
    const id = `${base}.${suffix}`;
    const spec = specFor(id, measure, {
      description: `${specFor(id, measure).kind} of ${label}`,
      vendor: 'Shelly',
    });
    out.reading(spec, t, wh ? tidy(v / 1000) : v);
  }
}
