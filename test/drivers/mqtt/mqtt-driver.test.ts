import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DriverManager } from '../../../box/drivers/driver-manager.ts';
import { Store } from '../../../box/store/store.ts';
import type { DriverContext } from '../../../drivers/driver.ts';
import { mqttConfigSchema } from '../../../drivers/mqtt/mqtt-config.ts';
import { MqttDriver } from '../../../drivers/mqtt/mqtt-driver.ts';
import { DRIVER_TYPES } from '../../../drivers/registry.ts';
import { describeWithMosquitto, mqttUrl } from '../../helpers/services.ts';
import {
  describeWithSharedFixtures,
  readMqttFixture,
  readSharedFixture,
} from '../../helpers/shared-fixtures.ts';

let store: Store;
let drivers: DriverManager;
let prefix: string;
let publisher: mqtt.MqttClient;

async function addDriver(config: Record<string, unknown> = {}) {
  return drivers.add({
    id: 'home',
    type: 'mqtt',
    config: { url: mqttUrl(), topicPrefix: prefix, clientId: `databox-${prefix}`, ...config },
  });
}

async function send(topic: string, payload: string | Buffer): Promise<void> {
  await publisher.publishAsync(`${prefix}/${topic}`, payload, { qos: 1 });
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const counter = (name: string) => drivers.get('home').status.counters[name] ?? 0;

function values(id: string): number[] {
  if (!store.catalogue.find(id)) return [];
  const rows = store.read(id, { from: 0, to: Date.now() + 60_000, resolution: 'raw', aggregate: 'mean' });
  return rows.map((r) => r.v);
}

describeWithMosquitto('MQTT driver against mosquitto', () => {
  beforeEach(async () => {
    store = Store.open(':memory:');
    drivers = new DriverManager({ store, types: DRIVER_TYPES, log: () => {} });
    await drivers.start(new AbortController().signal);
    prefix = `t-${randomUUID().slice(0, 8)}`; // this test's own topic space on the shared broker
    publisher = await mqtt.connectAsync(mqttUrl(), { clientId: `pub-${prefix}` });
  });

  afterEach(async () => {
    await publisher.endAsync();
    await drivers.stop();
    store.close();
  });
  describeWithSharedFixtures('shared device captures', () => {
    it('stores Zigbee2MQTT, Tasmota, Glow, Shelly and Home Assistant messages with the right kinds, units and values', async () => {
      await addDriver();
      const lines = [
        ...readMqttFixture('zigbee2mqtt/z2m_WSDCGQ11LM_temp_humidity_pressure_issue21808.mqtt'),
        ...readMqttFixture('zigbee2mqtt/z2m_aqara_motion_occupancy_pr4006.mqtt'),
        ...readMqttFixture('zigbee2mqtt/z2m_TS0121_plug_domoticz455.mqtt'),
        ...readMqttFixture('tasmota/tasmota_athom_plug_issue20459.mqtt'),
      ];
      for (const { topic, payload } of lines) await send(topic, payload);
      await send(
        'glow/abc123/SENSOR/electricitymeter',
        readSharedFixture('glow/glow_cad_forum_2022-06-24_electricitymeter.json'),
      );
      await send(
        'shellyplus1pm-aa/status/switch:0',
        readSharedFixture('shelly/shelly_gen2_switch_getstatus_official_example.json'),
      );
      await send(
        'homeassistant/sensor/sensorBedroomT/config',
        readSharedFixture('ha_discovery/ha_docs_sensorBedroomT_config.json'),
      );
      await send(
        'homeassistant/sensor/sensorBedroomH/config',
        readSharedFixture('ha_discovery/ha_docs_sensorBedroomH_config.json'),
      );
      await send(
        'homeassistant/sensor/sensorBedroom/state',
        readSharedFixture('ha_discovery/ha_docs_sensorBedroom_state.json'),
      );
      const total = lines.length + 5;
      await until(() => counter('messages') === total && values('ha.hum01ae').length === 1, 'all messages');

      // SOURCES.md §5: WSDCGQ11LM 22.4 then 22.5 °C, 58.5 %, 1001.8 hPa
      expect(values('z2m.humidity_xiaomi_bad_stefan.temperature')).toEqual([22.4, 22.5]);
      expect(values('z2m.humidity_xiaomi_bad_stefan.humidity')).toEqual([58.5, 58.5]);
      expect(values('z2m.humidity_xiaomi_bad_stefan.pressure')).toEqual([1001.8, 1001.8]);
      expect(store.getDatasource('z2m.humidity_xiaomi_bad_stefan.pressure')).toMatchObject({
        unit: 'hPa',
        driver: 'home',
      });
      // Aqara motion: occupancy true then false
      expect(values('z2m.0x04cf8cdf3c8a82e0.occupancy')).toEqual([1, 0]);
      // TS0121 plug: 1.54 kWh counter, current 0 then 0.07 A
      const plug = store.listDatasources().filter((d) => d.id.startsWith('z2m.stopcontact'));
      const energy = plug.find((d) => d.id.endsWith('.energy'))!;
      expect(energy).toMatchObject({ unit: 'kWh', valueType: 'counter' });
      expect(values(energy.id)).toEqual([1.54, 1.54]);
      expect(values(plug.find((d) => d.id.endsWith('.current'))!.id)).toEqual([0, 0.07]);
      // SOURCES.md §7: Tasmota 1066 kWh, 227.7 V, then the counter reset to 0
      expect(values('tasmota.athomspv3a.energy')).toEqual([1066, 0]);
      expect(values('tasmota.athomspv3a.voltage')).toEqual([227.7]);
      // §4: Glow 4595.563 kWh import, 0.623 kW = 623 W, at the meter's own time 2022-06-24T13:02:29Z
      expect(values('glow.abc123.import.energy')).toEqual([4595.563]);
      expect(values('glow.abc123.import.power')).toEqual([623]);
      expect(store.latest('glow.abc123.import.power')?.t).toBe(Date.UTC(2022, 5, 24, 13, 2, 29));
      // §6: Shelly Switch.GetStatus: 238.215 V, aenergy.total 0.134 Wh = 0.000134 kWh
      expect(values('shelly.shellyplus1pm-aa.switch0.voltage')).toEqual([238.215]);
      expect(values('shelly.shellyplus1pm-aa.switch0.energy')).toEqual([0.000134]);
      // §8: Home Assistant discovery, then the shared state topic: 23.2 °C and 43.7 %
      expect(values('ha.temp01ae')).toEqual([23.2]);
      expect(values('ha.hum01ae')).toEqual([43.7]);
      expect(store.getDatasource('ha.temp01ae').unit).toBe('°C');

      expect(counter('malformed')).toBe(0);
      expect(counter('unknownTopics')).toBe(0);
      const actors = new Set(store.audit.query({ action: 'readings.write' }).map((e) => e.actor));
      expect(actors).toEqual(new Set(['driver:home']));
    });
  });

  it('subscribes to a Home Assistant state topic outside its topics once a discovery config names it', async () => {
    await addDriver();
    const config = {
      device_class: 'temperature',
      state_topic: 'home/bedroom/state',
      unit_of_measurement: '°C',
      value_template: '{{ value_json.t }}',
      unique_id: 'bedroomt99',
    };
    await send('homeassistant/sensor/bedroomT/config', JSON.stringify(config));
    await until(() => counter('messages') === 1, 'the discovery config');
    await new Promise((r) => setTimeout(r, 300)); // the new subscription's SUBACK
    await send('home/bedroom/state', '{"t":18.25}');
    await until(() => values('ha.bedroomt99').length === 1, 'the state');
    expect(values('ha.bedroomt99')).toEqual([18.25]);
    expect(store.getDatasource('ha.bedroomt99')).toMatchObject({ unit: '°C', driver: 'home' });
  });

  it('counts malformed payloads, unknown and ignored topics and keeps ingesting', async () => {
    await addDriver({ topics: ['zigbee2mqtt/#', 'misc/#', 'shellies/#'] });
    await send('shellies/shellyem-XYZ/emeter/0/reactive_power', '12.5');
    await send('zigbee2mqtt/kitchen', 'this is not json');
    await send('zigbee2mqtt/kitchen', '{"temperature":"hot"}');
    await send('misc/thing', '42');
    await send('zigbee2mqtt/kitchen', Buffer.from([0xff, 0xfe, 0x00]));
    await send('zigbee2mqtt/kitchen', '{"temperature":19.5}');
    await until(() => values('z2m.kitchen.temperature').length === 1, 'the good message');
    expect(values('z2m.kitchen.temperature')).toEqual([19.5]);
    expect(counter('messages')).toBe(6);
    expect(counter('malformed')).toBe(3);
    expect(counter('unknownTopics')).toBe(1);
    expect(counter('ignoredTopics')).toBe(1);
    const status = drivers.get('home').status;
    expect(status.state).toBe('connected');
    expect(status.lastError?.message).toMatch(/zigbee2mqtt\/kitchen/);
  });

  it('acknowledges a QoS 1 message only once its readings are stored', async () => {
    const clientId = `databox-${prefix}`;
    const config = mqttConfigSchema.parse({
      url: mqttUrl(),
      topicPrefix: prefix,
      clientId,
      topics: ['zigbee2mqtt/#'],
    });
    const received: number[] = [];
    const ctx = (write: () => Promise<void>): DriverContext => ({
      instanceId: 'ack',
      registerDatasource: () => {},
      write: async (_id, readings) => {
        await write();
        received.push(...readings.map((r) => r.v));
      },
      writeEvents: async () => {},
      setConnected: () => {},
      reportError: () => {},
      count: () => {},
      log: () => {},
      now: () => Date.now(),
    });
    // 1. a store that never finishes: the message must stay unacknowledged
    const stuck = new MqttDriver(config);
    let arrived = false;
    await stuck.start(
      ctx(() => {
        arrived = true;
        return new Promise(() => {});
      }),
      new AbortController().signal,
    );
    await send('zigbee2mqtt/hall', '{"temperature":1}');
    await until(() => arrived, 'the first delivery');
    await stuck.stop();
    // 2. the same session again: the broker redelivers it; this time it is stored and acked
    const second = new MqttDriver(config);
    await second.start(
      ctx(async () => {}),
      new AbortController().signal,
    );
    await until(() => received.length === 1, 'the redelivery');
    await second.stop();
    // 3. once more: nothing is redelivered, because the second delivery was acknowledged
    const third = new MqttDriver(config);
    await third.start(
      ctx(async () => {}),
      new AbortController().signal,
    );
    await send('zigbee2mqtt/hall', '{"temperature":2}');
    await until(() => received.length === 2, 'the next message');
    await new Promise((r) => setTimeout(r, 200));
    await third.stop();
    expect(received).toEqual([1, 2]);
  });

  it('fails to start against a broker that is not there, and the manager retries it', async () => {
    await drivers.add({
      id: 'nowhere',
      type: 'mqtt',
      config: { url: 'mqtt://127.0.0.1:9', connectTimeoutMs: 500 },
    });
    const status = drivers.get('nowhere').status;
    expect(status.state).toBe('failed');
    expect(status.lastError?.message).toMatch(/cannot connect to mqtt:\/\/127\.0\.0\.1:9/);
    expect(status.nextAttemptAt).toBeDefined();
  });
});
