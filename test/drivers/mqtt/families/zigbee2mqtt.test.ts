import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../../drivers/mqtt/decoded.ts';
import { slugify } from '../../../../drivers/mqtt/families/shared/slug.ts';
import { createZigbee2MqttDecoder } from '../../../../drivers/mqtt/families/zigbee2mqtt.ts';
import { describeWithSharedFixtures, readMqttFixture } from '../../../helpers/shared-fixtures.ts';
import { NOW, spec, testContext, values } from './helpers.ts';

const z2m = createZigbee2MqttDecoder();
const bridgeDevices = readFileSync(
  new URL('../../../fixtures/mqtt/z2m_bridge_devices_docs.json', import.meta.url),
);

describeWithSharedFixtures('Zigbee2MQTT with captured device messages', () => {
  it('decodes the Aqara WSDCGQ11LM temperature/humidity/pressure sensor (issue 21808)', () => {
    const [m1, m2] = readMqttFixture('zigbee2mqtt/z2m_WSDCGQ11LM_temp_humidity_pressure_issue21808.mqtt');
    const ctx = testContext();
    expect(z2m.matches(m1.topic)).toBe(true);
    const first = z2m.decode(m1.topic, Buffer.from(m1.payload), ctx);
    const slug = slugify('humidity_xiaomi_bad_stefan');
    expect(slug).toBe('humidity_xiaomi_bad_stefan');
    expect(values(first)).toEqual({
      'z2m.humidity_xiaomi_bad_stefan.temperature': 22.4,
      'z2m.humidity_xiaomi_bad_stefan.humidity': 58.5,
      'z2m.humidity_xiaomi_bad_stefan.pressure': 1001.8,
      'z2m.humidity_xiaomi_bad_stefan.battery': 97,
      // 2995 mV: a battery device, so battery voltage in V; linkquality is not stored.
      'z2m.humidity_xiaomi_bad_stefan.battery_voltage': 2.995,
    });
    expect(first.readings.every((r) => r.t === NOW)).toBe(true);
    expect(spec(first, 'z2m.humidity_xiaomi_bad_stefan.pressure')).toMatchObject({
      kind: 'pressure',
      unit: 'hPa',
      valueType: 'gauge',
      driver: 'mqtt-test',
    });
    const second = z2m.decode(m2.topic, Buffer.from(m2.payload), ctx);
    expect(values(second)['z2m.humidity_xiaomi_bad_stefan.temperature']).toBe(22.5);
  });

  it('decodes Aqara occupancy true then false, ignoring the nested nulls (PR 4006)', () => {
    const messages = readMqttFixture('zigbee2mqtt/z2m_aqara_motion_occupancy_pr4006.mqtt');
    const ctx = testContext();
    const [on, off] = messages.map((m) => z2m.decode(m.topic, Buffer.from(m.payload), ctx));
    expect(values(on)).toMatchObject({
      'z2m.0x04cf8cdf3c8a82e0.occupancy': 1,
      'z2m.0x04cf8cdf3c8a82e0.temperature': 25,
      'z2m.0x04cf8cdf3c8a82e0.battery': 100,
      'z2m.0x04cf8cdf3c8a82e0.battery_voltage': 3.123,
    });
    expect(values(off)['z2m.0x04cf8cdf3c8a82e0.occupancy']).toBe(0);
    expect(spec(on, 'z2m.0x04cf8cdf3c8a82e0.occupancy')).toMatchObject({
      kind: 'occupancy',
      valueType: 'gauge',
    });
  });

  it('decodes the TS0121 plug: energy counter, power, mains voltage and current (domoticz 455)', () => {
    const [m1, m2] = readMqttFixture('zigbee2mqtt/z2m_TS0121_plug_domoticz455.mqtt');
    const ctx = testContext();
    const id = `z2m.${slugify('Stopcontact')}`;
    expect(id).toMatch(/^z2m\.stopcontact-[0-9a-f]{6}$/);
    const first = z2m.decode(m1.topic, Buffer.from(m1.payload), ctx);
    expect(values(first)).toEqual({
      [`${id}.energy`]: 1.54,
      [`${id}.power`]: 0,
      [`${id}.voltage`]: 239,
      [`${id}.current`]: 0,
    });
    expect(spec(first, `${id}.energy`)).toMatchObject({
      kind: 'electricity.energy',
      unit: 'kWh',
      valueType: 'counter',
    });
    expect(spec(first, `${id}.voltage`)).toMatchObject({ kind: 'voltage', unit: 'V' });
    expect(values(z2m.decode(m2.topic, Buffer.from(m2.payload), ctx))[`${id}.current`]).toBe(0.07);
  });

  it('uses bridge/devices for vendor, description and the unit of voltage', () => {
    const ctx = testContext();
    expect(z2m.decode('zigbee2mqtt/bridge/devices', bridgeDevices, ctx).readings).toEqual([]);
    const [plug] = readMqttFixture('zigbee2mqtt/z2m_TS0121_plug_domoticz455.mqtt');
    const decoded = z2m.decode(plug.topic, Buffer.from(plug.payload), ctx);
    const energy = spec(decoded, `z2m.${slugify('Stopcontact')}.energy`);
    expect(energy.vendor).toBe('TuYa');
    expect(energy.description).toContain('"Stopcontact"');
    expect(energy.description).toContain('TS0121_plug');
    // With the exposes saying V, a payload voltage with a battery key would still be mains voltage.
    const withBattery = z2m.decode(plug.topic, Buffer.from('{"voltage":231,"battery":50}'), ctx);
    expect(values(withBattery)[`z2m.${slugify('Stopcontact')}.voltage`]).toBe(231);
  });
});

describe('Zigbee2MQTT topics and errors', () => {
  it('ignores other bridge topics and set/get/availability subtopics', () => {
    const ctx = testContext();
    for (const topic of [
      'zigbee2mqtt/bridge/state',
      'zigbee2mqtt/bridge/logging',
      'zigbee2mqtt/kitchen/set',
      'zigbee2mqtt/kitchen/get',
      'zigbee2mqtt/kitchen/availability',
      'zigbee2mqtt/kitchen/set/brightness',
    ]) {
      expect(z2m.matches(topic)).toBe(true);
      expect(z2m.decode(topic, Buffer.from('not json at all'), ctx)).toEqual({
        datasources: [],
        readings: [],
        events: [],
      });
    }
    expect(z2m.matches('zigbee2mqtt')).toBe(false);
    expect(z2m.matches('tele/x/SENSOR')).toBe(false);
    expect(createZigbee2MqttDecoder({ prefix: 'z2m' }).matches('z2m/kitchen')).toBe(true);
  });

  it('throws DecodeError naming the topic for malformed JSON, non-objects and wrong types', () => {
    const ctx = testContext();
    const bad = (payload: string) => () => z2m.decode('zigbee2mqtt/kitchen', Buffer.from(payload), ctx);
    expect(bad('{"temperature": 21.5')).toThrow(DecodeError);
    expect(bad('{"temperature": 21.5')).toThrow(/zigbee2mqtt\/kitchen.*not valid JSON/);
    expect(bad('[1,2]')).toThrow(/an array, expected a JSON object/);
    expect(bad('{"temperature":"hot"}')).toThrow(/temperature is "hot", expected a number/);
    expect(bad('{"occupancy":"yes"}')).toThrow(/occupancy is "yes", expected true or false/);
    expect(() => z2m.decode('zigbee2mqtt/bridge/devices', Buffer.from('{"a":1}'), ctx)).toThrow(DecodeError);
  });

  it('skips nulls and gives names that differ only in case or spacing different ids', () => {
    const ctx = testContext();
    expect(
      z2m.decode('zigbee2mqtt/kitchen', Buffer.from('{"temperature":null,"humidity":40}'), ctx).readings,
    ).toEqual([{ sourceId: 'z2m.kitchen.humidity', t: NOW, v: 40 }]);
    const ids = ['Living Room', 'living room', 'living-room', 'Living_Room'].map(
      (name) =>
        z2m.decode(`zigbee2mqtt/${name}`, Buffer.from('{"temperature":20}'), ctx).readings[0].sourceId,
    );
    expect(new Set(ids).size).toBe(4);
    expect(ids[2]).toBe('z2m.living-room.temperature');
    for (const id of ids) expect(id).toMatch(/^[a-z0-9][a-z0-9._-]{0,63}$/);
    // Same name, same id on every message.
    expect(
      z2m.decode('zigbee2mqtt/Living Room', Buffer.from('{"temperature":21}'), ctx).readings[0].sourceId,
    ).toBe(ids[0]);
  });
});
