import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../../drivers/mqtt/decoded.ts';
import { createHaDiscoveryDecoder } from '../../../../drivers/mqtt/families/ha-discovery.ts';
import { describeWithSharedFixtures, readSharedFixture } from '../../../helpers/shared-fixtures.ts';
import { NOW, spec, testContext } from './helpers.ts';

const ha = createHaDiscoveryDecoder();
const STATE_TOPIC = 'homeassistant/sensor/sensorBedroom/state';

describeWithSharedFixtures('Home Assistant discovery: the docs bedroom example', () => {
  it('registers both configs and decodes the shared state into 23.2 °C and 43.7 %', () => {
    const ctx = testContext();
    expect(ha.matches(STATE_TOPIC, ctx)).toBe(false); // not before a config names it
    const h = ha.decode(
      'homeassistant/sensor/sensorBedroomH/config',
      readSharedFixture('ha_discovery/ha_docs_sensorBedroomH_config.json'),
      ctx,
    );
    expect(h.datasources.map((d) => d.id)).toEqual(['ha.hum01ae']);
    ha.decode(
      'homeassistant/sensor/sensorBedroomT/config',
      readSharedFixture('ha_discovery/ha_docs_sensorBedroomT_config.json'),
      ctx,
    );
    expect(ha.matches(STATE_TOPIC, ctx)).toBe(true);
    expect(ha.matches(STATE_TOPIC)).toBe(false); // without the context nothing is known
    const decoded = ha.decode(
      STATE_TOPIC,
      readSharedFixture('ha_discovery/ha_docs_sensorBedroom_state.json'),
      ctx,
    );
    expect(decoded.readings).toEqual([
      { sourceId: 'ha.hum01ae', t: NOW, v: 43.7 },
      { sourceId: 'ha.temp01ae', t: NOW, v: 23.2 },
    ]);
    expect(spec(decoded, 'ha.temp01ae')).toMatchObject({
      kind: 'temperature',
      unit: '°C',
      valueType: 'gauge',
      vendor: 'Example sensors Ltd.',
    });
    // The humidity config names the device only by identifier; it shares the name "Bedroom".
    expect(spec(decoded, 'ha.hum01ae')).toMatchObject({
      kind: 'humidity',
      unit: '%',
      vendor: 'Example sensors Ltd.',
    });
    expect(spec(decoded, 'ha.hum01ae').description).toContain('Bedroom');
  });

  it('removes an entry when its config payload is empty', () => {
    const ctx = testContext();
    const topic = 'homeassistant/sensor/sensorBedroomT/config';
    ha.decode(topic, readSharedFixture('ha_discovery/ha_docs_sensorBedroomT_config.json'), ctx);
    expect(ha.decode(topic, Buffer.alloc(0), ctx).datasources).toEqual([]);
    expect(ha.matches(STATE_TOPIC, ctx)).toBe(false);
  });
});

describe('Home Assistant discovery: abbreviations, templates, binary sensors', () => {
  it('expands abbreviations and ~, converts units and applies float/round filters', () => {
    const ctx = testContext();
    const config = {
      '~': 'home/meter',
      stat_t: '~/tele',
      unit_of_meas: 'kW',
      dev_cla: 'power',
      stat_cla: 'measurement',
      val_tpl: "{{ value_json['power']['now'] | float | round(2) }}",
      uniq_id: 'Meter Power',
      dev: { ids: 'meter1', name: 'Meter', mf: 'Acme', sa: 'Hall' },
    };
    const registered = ha.decode(
      'homeassistant/sensor/meter/power/config',
      Buffer.from(JSON.stringify(config)),
      ctx,
    );
    const id = registered.datasources[0].id;
    expect(id).toMatch(/^ha\.meter-power-[0-9a-f]{6}$/);
    expect(registered.datasources[0]).toMatchObject({
      kind: 'electricity.power',
      unit: 'W',
      vendor: 'Acme',
      location: 'Hall',
    });
    const decoded = ha.decode('home/meter/tele', Buffer.from('{"power":{"now":"1.23456"}}'), ctx);
    expect(decoded.readings).toEqual([{ sourceId: id, t: NOW, v: 1230 }]); // round(1.23456, 2) kW = 1230 W
  });

  it('decodes plain {{ value }} counters with Wh → kWh, and binary door sensors inverted to contact', () => {
    const ctx = testContext();
    const energy = {
      stat_t: 'x/energy',
      unit_of_meas: 'Wh',
      dev_cla: 'energy',
      stat_cla: 'total_increasing',
      obj_id: 'e',
    };
    ha.decode('homeassistant/sensor/node1/energy/config', Buffer.from(JSON.stringify(energy)), ctx);
    const e = ha.decode('x/energy', Buffer.from('123456'), ctx);
    expect(e.readings).toEqual([{ sourceId: 'ha.node1_energy', t: NOW, v: 123.456 }]);
    expect(spec(e, 'ha.node1_energy')).toMatchObject({
      kind: 'electricity.energy',
      unit: 'kWh',
      valueType: 'counter',
    });
    const door = { stat_t: 'x/door', dev_cla: 'door', uniq_id: 'door1' };
    ha.decode('homeassistant/binary_sensor/door1/config', Buffer.from(JSON.stringify(door)), ctx);
    expect(ha.decode('x/door', Buffer.from('ON'), ctx).readings[0].v).toBe(0); // ON = open
    expect(ha.decode('x/door', Buffer.from('OFF'), ctx).readings[0].v).toBe(1);
    expect(() => ha.decode('x/door', Buffer.from('AJAR'), ctx)).toThrow(/neither payload_on nor payload_off/);
  });

  it('refuses templates it does not support, with a DecodeError naming the template', () => {
    const ctx = testContext();
    for (const template of [
      '{{ value_json.a * 10 }}',
      '{% if value == "1" %}on{% endif %}',
      '{{ value_json.a | multiply(2) }}',
      "{{ states('sensor.x') }}",
    ]) {
      const config = { stat_t: 's', unit_of_meas: 'W', val_tpl: template };
      expect(() =>
        ha.decode('homeassistant/sensor/bad/config', Buffer.from(JSON.stringify(config)), ctx),
      ).toThrow(DecodeError);
    }
    expect(ha.matches('s', ctx)).toBe(false);
  });

  it('skips missing values and unavailable states, but refuses text where a number belongs', () => {
    const ctx = testContext();
    const config = {
      stat_t: 't',
      unit_of_meas: '°C',
      dev_cla: 'temperature',
      val_tpl: '{{ value_json.temp }}',
      uniq_id: 't1',
    };
    ha.decode('homeassistant/sensor/t1/config', Buffer.from(JSON.stringify(config)), ctx);
    expect(ha.decode('t', Buffer.from('{"other":1}'), ctx).readings).toEqual([]);
    expect(ha.decode('t', Buffer.from('{"temp":"unavailable"}'), ctx).readings).toEqual([]);
    expect(() => ha.decode('t', Buffer.from('{"temp":"warm"}'), ctx)).toThrow(
      /ha\.t1: state "warm" is not a number/,
    );
    expect(() => ha.decode('t', Buffer.from('{"temp":'), ctx)).toThrow(/not valid JSON/);
    const floatConfig = { ...config, val_tpl: '{{ value_json.temp | float }}', uniq_id: 't2', stat_t: 't2' };
    ha.decode('homeassistant/sensor/t2/config', Buffer.from(JSON.stringify(floatConfig)), ctx);
    expect(() => ha.decode('t2', Buffer.from('{"temp":"warm"}'), ctx)).toThrow(/float got "warm"/);
  });

  it('ignores text sensors and other components, and needs a state_topic', () => {
    const ctx = testContext();
    const text = { stat_t: 'fw', name: 'Firmware' };
    expect(
      ha.decode('homeassistant/sensor/fw/config', Buffer.from(JSON.stringify(text)), ctx).datasources,
    ).toEqual([]);
    expect(ha.matches('fw', ctx)).toBe(false);
    const light = { cmd_t: 'l/set', stat_t: 'l' };
    expect(
      ha.decode('homeassistant/light/l/config', Buffer.from(JSON.stringify(light)), ctx).datasources,
    ).toEqual([]);
    expect(() =>
      ha.decode('homeassistant/sensor/x/config', Buffer.from('{"unit_of_meas":"W"}'), ctx),
    ).toThrow(/no state_topic/);
    expect(ha.matches('homeassistant/sensor/a/b/c/config', ctx)).toBe(false);
  });
});
