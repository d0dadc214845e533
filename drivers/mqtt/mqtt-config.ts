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
  topics: z.array(topicFilter).min(1).default(DEFAULT_MQTT_TOPICS),
  mappings: z.array(mappingRuleSchema).default([]),
  qos: z.union([z.literal(0), z.literal(1)]).default(1),
  /** First reconnect delay; doubles after each failed attempt up to `maxReconnectPeriodMs`. */
  reconnectPeriodMs: z.number().int().min(100).max(600_000).default(1_000),
  maxReconnectPeriodMs: z.number().int().min(100).max(3_600_000).default(60_000),
  connectTimeoutMs: z.number().int().min(500).max(120_000).default(10_000),
  zigbee2mqttPrefix: z.string().min(1).optional(),
  haDiscoveryPrefix: z.string().min(1).optional(),
  glowPrefix: z.string().min(1).optional(),
  tasmotaUtcOffsetMinutes: z.number().int().min(-720).max(840).optional(),
});

export type MqttConfig = z.output<typeof mqttConfigSchema>;
export type MqttConfigInput = z.input<typeof mqttConfigSchema>;
