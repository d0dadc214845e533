import { describe, expect, it } from 'vitest';
import { createDecoders, decodeMessage } from '../../../../drivers/mqtt/families/index.ts';
import { testContext } from './helpers.ts';

/**
 * Home Assistant discovery configs whose device class is missing or contradicts the unit, and the
 * configs Zigbee2MQTT publishes for devices its own family decodes (issue 16). Configs follow the
 * MQTT discovery docs' sensor examples.
 */
const decoders = createDecoders();
const config = (objectId: string, body: Record<string, unknown>) => ({
  topic: `homeassistant/sensor/${objectId}/config`,
  payload: Buffer.from(
    JSON.stringify({ state_topic: `home/${objectId}/state`, unique_id: objectId, ...body }),
  ),
});

function decodeConfig(objectId: string, body: Record<string, unknown>) {
  const ctx = testContext();
  const { topic, payload } = config(objectId, body);
  const decoded = decodeMessage(topic, payload, ctx, decoders);
  if (!decoded) throw new Error('not matched');
  return { decoded, ctx };
}

describe('Home Assistant discovery: the kind follows the unit', () => {
  it('a power class with kWh is an energy register (counter), and the contradiction is flagged', () => {
    const { decoded } = decodeConfig('meter_total', {
      device_class: 'power',
      unit_of_measurement: 'kWh',
      state_class: 'total_increasing',
    });
    expect(decoded.datasources).toEqual([
      expect.objectContaining({
        id: 'ha.meter_total',
        kind: 'electricity.energy',
        unit: 'kWh',
        valueType: 'counter',
      }),
    ]);
    expect(decoded.warnings).toEqual([
      'homeassistant/sensor/meter_total/config: device_class power contradicts unit kWh: stored as electricity.energy (kWh)',
    ]);
  });

  it('a config with no device class gets the kind its unit implies, converted', () => {
    const temp = decodeConfig('attic', { unit_of_measurement: '°F', state_class: 'measurement' });
    expect(temp.decoded.datasources[0]).toMatchObject({
      kind: 'temperature',
      unit: '°C',
      valueType: 'gauge',
    });
    expect(temp.decoded.warnings).toBeUndefined();
    const watts = decodeConfig('heater', { unit_of_measurement: 'kW' });
    expect(watts.decoded.datasources[0]).toMatchObject({ kind: 'electricity.power', unit: 'W' });
    // the state is converted with the unit: 1.5 kW → 1500 W
    const state = decodeMessage('home/heater/state', Buffer.from('1.5'), watts.ctx, decoders);
    expect(state?.readings.map((r) => r.v)).toEqual([1500]);
    // a unit the scheme does not know keeps the class name (or `measurement`) and the unit
    const other = decodeConfig('radon', { unit_of_measurement: 'Bq/m³', state_class: 'measurement' });
    expect(other.decoded.datasources[0]).toMatchObject({ kind: 'measurement', unit: 'Bq/m³' });
  });

  it('ignores the configs Zigbee2MQTT publishes for devices the Zigbee2MQTT family decodes', () => {
    const ctx = testContext();
    // as Zigbee2MQTT publishes them: homeassistant/sensor/<ieee>/<property>/config, state on zigbee2mqtt/<name>
    const z2m = {
      state_topic: 'zigbee2mqtt/kitchen_plug',
      unique_id: '0x00158d0001e4b5f1_power_zigbee2mqtt',
      device_class: 'power',
      unit_of_measurement: 'W',
      value_template: '{{ value_json.power }}',
      device: {
        identifiers: ['zigbee2mqtt_0x00158d0001e4b5f1'],
        via_device: 'zigbee2mqtt_bridge_0x00124b0022a9a1b2',
      },
    };
    const decoded = decodeMessage(
      'homeassistant/sensor/0x00158d0001e4b5f1/power/config',
      Buffer.from(JSON.stringify(z2m)),
      ctx,
      decoders,
    );
    expect(decoded).toMatchObject({ family: 'ha-discovery', datasources: [], readings: [] });
    // the state itself is still the Zigbee2MQTT family's
    const state = decodeMessage('zigbee2mqtt/kitchen_plug', Buffer.from('{"power":12.5}'), ctx, decoders);
    expect(state?.family).toBe('zigbee2mqtt');
    expect(state?.readings.map((r) => r.sourceId)).toEqual(['z2m.kitchen_plug.power']);
  });
});
