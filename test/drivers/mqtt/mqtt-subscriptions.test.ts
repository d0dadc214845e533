import { describe, expect, it } from 'vitest';
import { DEFAULT_MQTT_TOPICS, mqttConfigSchema, subscriptions } from '../../../drivers/mqtt/mqtt-config.ts';

describe('MQTT subscriptions with custom base topics', () => {
  const parse = (extra: Record<string, unknown>) =>
    mqttConfigSchema.parse({ url: 'mqtt://127.0.0.1', ...extra });

  it('subscribes the defaults when nothing is custom', () => {
    expect(subscriptions(parse({}))).toEqual(DEFAULT_MQTT_TOPICS);
  });

  it('one option, zigbee2mqttBaseTopic, decodes and subscribes a custom Zigbee2MQTT base topic', () => {
    const topics = subscriptions(parse({ zigbee2mqttBaseTopic: 'z2m-house', haDiscoveryPrefix: 'ha' }));
    expect(topics).not.toContain('zigbee2mqtt/#');
    expect(topics).not.toContain('homeassistant/#');
    expect(topics).toContain('z2m-house/#');
    expect(topics).toContain('ha/#');
    expect(topics).toContain('shellies/#');
    // the old undocumented name still works
    expect(subscriptions(parse({ zigbee2mqttPrefix: 'old/base' }))).toContain('old/base/#');
  });

  it('adds the custom base topic to explicit topics, and refuses a base topic with wildcards', () => {
    expect(subscriptions(parse({ topics: ['shellies/#'], zigbee2mqttBaseTopic: 'z2m' }))).toEqual([
      'shellies/#',
      'z2m/#',
    ]);
    const bad = mqttConfigSchema.safeParse({ url: 'mqtt://127.0.0.1', zigbee2mqttBaseTopic: 'z2m/#' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(['zigbee2mqttBaseTopic']);
  });
});
