/**
 * Shelly Gen1 devices (https://shelly-api-docs.shelly.cloud/gen1/#mqtt-support):
 * `shellies/<device id>/relay/<N>/power` is the instantaneous power in W and
 * `shellies/<device id>/relay/<N>/energy` the energy counter in watt-minutes (stored as kWh,
 * `Wmin / 60000`; it restarts from 0 when the device reboots, which the store treats as a counter
 * reset). Both are plain numbers without a timestamp, so readings carry the receive time. Other
 * `shellies/...` topics (relay state `on`/`off`, `announce`, `online`, `info`, …) are ignored.
 */
import type { FamilyDecoder } from '../decoded.ts';
import { emptyDecoded } from '../decoded.ts';
import { DecodedBuilder } from './shared/decoded-builder.ts';
import { specFor, tidy } from './shared/measures.ts';
import { parsePlainNumber } from './shared/payload.ts';
import { slugify } from './shared/slug.ts';

const RELAY_TOPIC = /^shellies\/([^/]+)\/relay\/(\d+)\/(power|energy)$/;

/**
 * The Shelly Gen1 decoder.
 *
 * @example
 * ```ts
 * const gen1 = createShellyGen1Decoder();
 * gen1.decode('shellies/shelly1pm-A1B2C3/relay/0/energy', Buffer.from('118260'), ctx);
 * // readings: [{ sourceId: 'shelly.shelly1pm-a1b2c3.relay0.energy', t: <receive time>, v: 1.971 }]
 * ```
 */
export function createShellyGen1Decoder(): FamilyDecoder {
  return {
    family: 'shelly-gen1',
    matches: (topic) => topic.startsWith('shellies/'),
    decode(topic, payload, ctx) {
      const match = RELAY_TOPIC.exec(topic);
      if (!match) return emptyDecoded();
      const [, device, relay, what] = match;
      const raw = parsePlainNumber(topic, payload);
      const id = `shelly.${slugify(device, 36, { caseInsensitive: true })}.relay${relay}.${what}`;
      const out = new DecodedBuilder(topic, ctx);
      const measure = what === 'power' ? 'power' : 'energy';
      const description = `${specFor(id, measure).kind} of Shelly ${device} relay ${relay}`;
      out.reading(
        specFor(id, measure, { description, vendor: 'Shelly' }),
        ctx.now(),
        what === 'power' ? raw : tidy(raw / 60_000),
      );
      return out.build();
    },
  };
}
