import { describe, expect, it } from 'vitest';
import { type DecodeContext, DecodeError, type FamilyDecoder } from '../../../../drivers/mqtt/decoded.ts';
import { parseMappingRules } from '../../../../drivers/mqtt/families/generic-mapping.ts';
import { createDecoders, decodeMessage } from '../../../../drivers/mqtt/families/index.ts';
import {
  describeWithSharedFixtures,
  readMqttFixture,
  readSharedFixture,
} from '../../../helpers/shared-fixtures.ts';
import { testContext } from './helpers.ts';

describe('decodeMessage', () => {
  it('returns null for topics no family knows', () => {
    const ctx = testContext();
    const decoders = createDecoders();
    for (const topic of [
      'home/kitchen/temp',
      'cmnd/plug/POWER',
      '$SYS/broker/uptime',
      'homeassistant/sensor/x/state',
    ]) {
      expect(decodeMessage(topic, Buffer.from('1'), ctx, decoders)).toBeNull();
    }
  });

  it('tries user mappings before the families', () => {
    const ctx = testContext();
    const mappings = parseMappingRules([
      {
        topic: 'zigbee2mqtt/special',
        path: 'temperature',
        sourceId: 'mine.special',
        kind: 'temperature',
        unit: '°C',
        valueType: 'gauge',
      },
    ]);
    const decoders = createDecoders({ mappings });
    const mine = decodeMessage('zigbee2mqtt/special', Buffer.from('{"temperature":19}'), ctx, decoders);
    expect(mine?.family).toBe('generic');
    expect(mine?.readings[0]).toMatchObject({ sourceId: 'mine.special', v: 19 });
    const other = decodeMessage('zigbee2mqtt/other', Buffer.from('{"temperature":19}'), ctx, decoders);
    expect(other?.family).toBe('zigbee2mqtt');
  });

  it('wraps unexpected errors from a decoder in a DecodeError naming the family', () => {
    const broken: FamilyDecoder = {
      family: 'broken',
      matches: () => true,
      decode: () => {
        throw new TypeError('oops');
      },
    };
    expect(() => decodeMessage('a', Buffer.from(''), testContext(), [broken])).toThrow(DecodeError);
    expect(() => decodeMessage('a', Buffer.from(''), testContext(), [broken])).toThrow(
      /broken decoder failed: oops/,
    );
  });
});

describeWithSharedFixtures('decodeMessage over every shared MQTT fixture', () => {
  it('routes each fixture message to its family', () => {
    const ctx: DecodeContext = testContext();
    const decoders = createDecoders();
    const families = (file: string) =>
      readMqttFixture(file).map((m) => decodeMessage(m.topic, Buffer.from(m.payload), ctx, decoders)?.family);
    expect(families('zigbee2mqtt/z2m_aqara_motion_occupancy_pr4006.mqtt')).toEqual([
      'zigbee2mqtt',
      'zigbee2mqtt',
    ]);
    expect(families('tasmota/tasmota_athom_plug_issue20459.mqtt')).toEqual([
      'tasmota',
      'tasmota',
      'tasmota',
      'tasmota',
    ]);
    const glow = decodeMessage(
      'glow/abc/SENSOR/electricitymeter',
      readSharedFixture('glow/glow_cad_forum_2022-06-24_electricitymeter.json'),
      ctx,
      decoders,
    );
    expect(glow?.family).toBe('glow');
    const config = readSharedFixture('ha_discovery/ha_docs_sensorBedroomT_config.json');
    expect(decodeMessage('homeassistant/sensor/sensorBedroomT/config', config, ctx, decoders)?.family).toBe(
      'ha-discovery',
    );
    const state = readSharedFixture('ha_discovery/ha_docs_sensorBedroom_state.json');
    const decoded = decodeMessage('homeassistant/sensor/sensorBedroom/state', state, ctx, decoders);
    expect(decoded?.readings.map((r) => [r.sourceId, r.v])).toEqual([['ha.temp01ae', 23.2]]);
    const status = Buffer.from('{"apower":1}');
    expect(decodeMessage('shellyplusplugs-1/status/switch:0', status, ctx, decoders)?.family).toBe(
      'shelly-gen2',
    );
    expect(decodeMessage('shellies/x/relay/0/power', Buffer.from('1'), ctx, decoders)?.family).toBe(
      'shelly-gen1',
    );
  });
});
