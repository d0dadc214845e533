/**
 * Shelly Gen1 devices (https://shelly-api-docs.shelly.cloud/gen1/#mqtt-support). Plain-number
 * payloads without a timestamp, so readings carry the receive time.
 *
 * Relays (Shelly 1PM, Plug S, 2.5, …):
 * - `shellies/<id>/relay/<N>` is `on`/`off`: stored as a 0/1 `switch` gauge;
 * - `shellies/<id>/relay/<N>/power` is the load in W;
 * - `shellies/<id>/relay/<N>/energy` the counter in watt-minutes (stored as kWh, `Wmin / 60000`; it
 *   restarts from 0 when the device reboots, which the store treats as a counter reset).
 *
 * Energy meters (Shelly EM, 3EM; one `emeter/<N>` per clamp or phase), usually on the mains, so
 * they get the meter kinds (`electricity.import.*`, `electricity.export.energy`):
 * - `power` W (negative while exporting), `voltage` V, `current` A, `pf` power factor;
 * - `total` and `total_returned` in Wh, kept by the device across reboots (stored as kWh).
 *
 * Recognised and ignored (the driver counts them as `ignoredTopics`): `emeter/<N>/energy` and
 * `returned_energy` (watt-minutes since the last report, the same energy as `total`),
 * `reactive_power`, `announce`, `online`, `info`, the device's own `temperature`, and the like.
 */
import type { FamilyDecoder } from '../decoded.ts';
import { DecodeError, emptyDecoded } from '../decoded.ts';
import { DecodedBuilder } from './shared/decoded-builder.ts';
import { type MeasureName, specFor, tidy } from './shared/measures.ts';
import { parsePlainNumber } from './shared/payload.ts';
import { slugify } from './shared/slug.ts';

const RELAY_TOPIC = /^shellies\/([^/]+)\/relay\/(\d+)(?:\/(power|energy))?$/;
const EMETER_TOPIC = /^shellies\/([^/]+)\/emeter\/(\d+)\/([a-z_]+)$/;

/** emeter value → [id suffix, measure, conversion to the scheme's unit]. */
const EMETER: Record<string, [string, MeasureName, (v: number) => number]> = {
  power: ['power', 'importPower', (v) => v],
  voltage: ['voltage', 'voltage', (v) => v],
  current: ['current', 'current', (v) => v],
  pf: ['pf', 'powerFactor', (v) => v],
  total: ['energy', 'importEnergy', (v) => tidy(v / 1000)],
  total_returned: ['returned_energy', 'exportEnergy', (v) => tidy(v / 1000)],
};

/**
 * The Shelly Gen1 decoder.
 *
 * @example
 * ```ts
 * const gen1 = createShellyGen1Decoder();
 * gen1.decode('shellies/shelly1pm-A1B2C3/relay/0/energy', Buffer.from('118260'), ctx);
 * // readings: [{ sourceId: 'shelly.shelly1pm-a1b2c3.relay0.energy', t: <receive time>, v: 1.971 }]
 * gen1.decode('shellies/shellyem3-A1B2C3/emeter/1/total', Buffer.from('254307.2'), ctx);
 * // readings: [{ sourceId: 'shelly.shellyem3-a1b2c3.emeter1.energy', t: <receive time>, v: 254.3072 }]
 * ```
 */
export function createShellyGen1Decoder(): FamilyDecoder {
  return {
    family: 'shelly-gen1',
    matches: (topic) => topic.startsWith('shellies/'),
    decode(topic, payload, ctx) {
      const relay = RELAY_TOPIC.exec(topic);
      const out = new DecodedBuilder(topic, ctx);
      if (relay) {
        const [, device, index, what] = relay;
        const base = `shelly.${slugify(device, 36, { caseInsensitive: true })}.relay${index}`;
        const label = `Shelly ${device} relay ${index}`;
        if (what === undefined) {
          const text = payload.toString('utf8').trim();
          if (text !== 'on' && text !== 'off')
            throw new DecodeError(topic, `relay state is "${text.slice(0, 20)}", expected on or off`);
          out.reading(spec(`${base}.state`, 'switchState', label), ctx.now(), text === 'on' ? 1 : 0);
          return out.build();
        }
        const raw = parsePlainNumber(topic, payload);
        const measure = what === 'power' ? 'power' : 'energy';
        out.reading(
          spec(`${base}.${what}`, measure, label),
          ctx.now(),
          what === 'power' ? raw : tidy(raw / 60_000),
        );
        return out.build();
      }
      const emeter = EMETER_TOPIC.exec(topic);
      const mapping = emeter ? EMETER[emeter[3]] : undefined;
      if (!emeter || !mapping) return emptyDecoded();
      const [, device, index] = emeter;
      const [suffix, measure, convert] = mapping;
      const id = `shelly.${slugify(device, 36, { caseInsensitive: true })}.emeter${index}.${suffix}`;
      out.reading(
        spec(id, measure, `Shelly ${device} emeter ${index}`),
        ctx.now(),
        convert(parsePlainNumber(topic, payload)),
      );
      return out.build();
    },
  };
}

function spec(id: string, measure: MeasureName, label: string) {
  return specFor(id, measure, { description: `${specFor(id, measure).kind} of ${label}`, vendor: 'Shelly' });
}
