/**
 * The MQTT device families in the order they are tried, and `decodeMessage`, which hands a message
 * to the first family that recognises its topic.
 *
 * Order: the user's own mappings first (an explicit rule beats a guess); then the families with
 * fixed topic namespaces (Zigbee2MQTT, Shelly Gen1 `shellies/`, Tasmota `tele/`/`stat/`, Glow);
 * then Home Assistant discovery, whose state topics are learnt from configs and may lie inside
 * those namespaces (Zigbee2MQTT and Tasmota both publish discovery configs; their own decoders
 * know more, so they win); last Shelly Gen2+, recognised only by a topic suffix.
 */
import type { DecodeContext, Decoded, FamilyDecoder } from '../decoded.ts';
import { DecodeError } from '../decoded.ts';
import { createGenericMappingDecoder, type MappingRule } from './generic-mapping.ts';
import { createGlowDecoder } from './glow.ts';
import { createHaDiscoveryDecoder } from './ha-discovery.ts';
import { createShellyGen1Decoder } from './shelly-gen1.ts';
import { createShellyGen2Decoder } from './shelly-gen2.ts';
import { createTasmotaDecoder } from './tasmota.ts';
import { createZigbee2MqttDecoder } from './zigbee2mqtt.ts';

export interface FamilyOptions {
  /** Validated generic mapping rules (see `parseMappingRules`); tried before every family. */
  mappings?: readonly MappingRule[];
  /** Zigbee2MQTT base topic; default `zigbee2mqtt`. */
  zigbee2mqttPrefix?: string;
  /** Home Assistant discovery prefix; default `homeassistant`. */
  haDiscoveryPrefix?: string;
  /** Glow topic prefix; default `glow`. */
  glowPrefix?: string;
  /** Tasmota devices' fixed UTC offset, to use their offset-less `Time` instead of receive time. */
  tasmotaUtcOffsetMinutes?: number;
}

/**
 * The decoders in the order they are tried.
 *
 * @example
 * ```ts
 * const decoders = createDecoders({ mappings: parseMappingRules(config.mappings) });
 * ```
 */
export function createDecoders(options: FamilyOptions = {}): FamilyDecoder[] {
  const decoders: FamilyDecoder[] = [];
  if (options.mappings && options.mappings.length > 0)
    decoders.push(createGenericMappingDecoder(options.mappings));
  const namespaced = [
    createZigbee2MqttDecoder({ prefix: options.zigbee2mqttPrefix }),
    createShellyGen1Decoder(),
    createTasmotaDecoder({ utcOffsetMinutes: options.tasmotaUtcOffsetMinutes }),
    createGlowDecoder({ prefix: options.glowPrefix }),
  ];
  // a discovery config for a state topic a namespaced family decodes would only add an empty duplicate
  const earlier = [...decoders, ...namespaced];
  decoders.push(
    ...namespaced,
    createHaDiscoveryDecoder({
      prefix: options.haDiscoveryPrefix,
      decodedElsewhere: (topic) => earlier.some((d) => d.matches(topic)),
    }),
    createShellyGen2Decoder(),
  );
  return decoders;
}

/** A decoded message and the family that decoded it. */
export interface DecodedMessage extends Decoded {
  family: string;
}

/**
 * Decodes one message with the first decoder that matches its topic; `null` when none does (the
 * driver counts those as unknown topics). Errors are {@link DecodeError}s: an unexpected error
 * inside a decoder is wrapped in one that names the family, so one bad message never stops the
 * driver.
 *
 * @example
 * ```ts
 * const ctx = createDecodeContext({ driver: 'mqtt' });
 * const decoders = createDecoders();
 * const result = decodeMessage('zigbee2mqtt/kitchen', payload, ctx, decoders);
 * if (result) for (const r of result.readings) console.log(result.family, r.sourceId, r.v);
 * ```
 */
export function decodeMessage(
  topic: string,
  payload: Buffer,
  ctx: DecodeContext,
  decoders: readonly FamilyDecoder[],
): DecodedMessage | null {
  const decoder = decoders.find((candidate) => candidate.matches(topic, ctx));
  if (!decoder) return null;
  try {
    return { family: decoder.family, ...decoder.decode(topic, payload, ctx) };
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new DecodeError(topic, `${decoder.family} decoder failed: ${message}`, { cause: error });
  }
}
