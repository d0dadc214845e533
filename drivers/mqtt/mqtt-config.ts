/**
 * The MQTT driver's config (validated when an instance is added and at each start).
 */
import { z } from 'zod';
import { mappingRuleSchema } from './families/generic-mapping.ts';
import { topicFilterProblem } from './families/shared/topic-filter.ts';

/** What the driver subscribes to by default: every family it knows, under their usual prefixes. */
export const DEFAULT_MQTT_TOPICS = [
  'zigbee2mqtt/#',
  'shellies/#',
  '+/status/#',
  '+/events/rpc',
  'tele/#',
  'stat/#',
  'glow/#',
  'homeassistant/#',
];

const baseTopic = z
  .string()
  .regex(
    /^[^+#/][^+#]*[^+#/]$|^[^+#/]$/,
    'must be topic levels without wildcards or a leading or trailing /',
  );

const topicFilter = z.string().superRefine((filter, ctx) => {
  const problem = topicFilterProblem(filter);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * @example
 * mqttConfigSchema.parse({ url: 'mqtt://192.168.1.10:1883', username: 'databox', password: 'secret' });
 */
export const mqttConfigSchema = z.strictObject({
  /** Broker URL: `mqtt://host[:1883]` or `mqtts://host[:8883]` (TLS). */
  url: z
    .string()
    .regex(/^mqtts?:\/\/[^/\s]+\/?$/, 'must be mqtt://host[:port] or mqtts://host[:port]')
    .describe('broker URL, mqtt://host:1883 or mqtts://host:8883'),
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  /** PEM file of the CA that signed the broker's certificate (mqtts only). */
  ca: z.string().min(1).optional().describe('path of a PEM CA certificate file for mqtts'),
  rejectUnauthorized: z.boolean().default(true),
  /** Fixed client id of the persistent session; default `databox-<instance id>`. */
  clientId: z.string().min(1).max(64).optional(),
  /**
   * A prefix in front of every topic (e.g. a bridge that republishes under `home/`): the driver
   * subscribes to `<prefix>/<topic>` and decodes the topic without it.
   */
  topicPrefix: z
    .string()
    .regex(/^[^+#]+[^/+#]$|^[^/+#]$/, 'must be topic levels without wildcards or a trailing /')
    .optional(),
  /**
   * Topic filters to subscribe to; default {@link DEFAULT_MQTT_TOPICS} (with the custom base topics
   * below in place of the usual ones). The custom base topics are always subscribed too.
   */
  topics: z.array(topicFilter).min(1).default(DEFAULT_MQTT_TOPICS),
  mappings: z.array(mappingRuleSchema).default([]),
  qos: z.union([z.literal(0), z.literal(1)]).default(1),
  /** First reconnect delay; doubles after each failed attempt up to `maxReconnectPeriodMs`. */
  reconnectPeriodMs: z.number().int().min(100).max(600_000).default(1_000),
  maxReconnectPeriodMs: z.number().int().min(100).max(3_600_000).default(60_000),
  connectTimeoutMs: z.number().int().min(500).max(120_000).default(10_000),
  /**
   * Zigbee2MQTT's `base_topic` when it is not `zigbee2mqtt` (its `configuration.yaml`
   * `mqtt.base_topic`): decoded and subscribed (`<base>/#`) in place of `zigbee2mqtt/#`.
   */
  zigbee2mqttBaseTopic: baseTopic.optional(),
  /** @deprecated the old name of {@link zigbee2mqttBaseTopic}, still accepted. */
  zigbee2mqttPrefix: baseTopic.optional(),
  /** Home Assistant's discovery prefix when not `homeassistant`; subscribed as `<prefix>/#`. */
  haDiscoveryPrefix: baseTopic.optional(),
  /** Glow's topic prefix when not `glow`; subscribed as `<prefix>/#`. */
  glowPrefix: baseTopic.optional(),
  tasmotaUtcOffsetMinutes: z.number().int().min(-720).max(840).optional(),
});

export type MqttConfig = z.output<typeof mqttConfigSchema>;

/**
 * What the driver subscribes to: the configured topics (or the defaults, with custom base topics
 * in place of the usual ones), plus `<base>/#` for every custom base topic.
 *
 * @example
 * subscriptions(mqttConfigSchema.parse({ url: 'mqtt://127.0.0.1', zigbee2mqttBaseTopic: 'z2m-house' }));
 * // ['z2m-house/#', 'shellies/#', …]
 */
export function subscriptions(config: MqttConfig): string[] {
  const custom: Array<[usual: string, base: string | undefined]> = [
    ['zigbee2mqtt/#', config.zigbee2mqttBaseTopic ?? config.zigbee2mqttPrefix],
    ['homeassistant/#', config.haDiscoveryPrefix],
    ['glow/#', config.glowPrefix],
  ];
  const defaults =
    config.topics.length === DEFAULT_MQTT_TOPICS.length &&
    config.topics.every((t, i) => t === DEFAULT_MQTT_TOPICS[i]);
  const topics = defaults
    ? config.topics.filter((t) => !custom.some(([usual, base]) => usual === t && base))
    : [...config.topics];
  for (const [, base] of custom) if (base && !topics.includes(`${base}/#`)) topics.push(`${base}/#`);
  return topics;
}
export type MqttConfigInput = z.input<typeof mqttConfigSchema>;
