import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../../box/errors.ts';
import { DecodeError } from '../../../../drivers/mqtt/decoded.ts';
import {
  createGenericMappingDecoder,
  parseMappingRules,
} from '../../../../drivers/mqtt/families/generic-mapping.ts';
import { NOW, spec, testContext } from './helpers.ts';

function fixture(name: string) {
  return readFileSync(new URL(`../../../fixtures/mqtt/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => ({
      topic: line.slice(0, line.indexOf(' ')),
      payload: Buffer.from(line.slice(line.indexOf(' ') + 1)),
    }));
}

describe('generic mapping rules', () => {
  it('maps ESPHome plain-number state topics with + wildcards into {n} ids', () => {
    const decoder = createGenericMappingDecoder(
      parseMappingRules([
        {
          topic: '+/sensor/+/state',
          sourceId: 'esphome.{1}.{2}',
          kind: 'temperature',
          unit: '°C',
          valueType: 'gauge',
        },
      ]),
    );
    const ctx = testContext();
    const [temperature, humidity, status] = fixture('esphome_plain_state_docs.mqtt');
    expect(decoder.matches(status.topic)).toBe(false);
    expect(decoder.decode(temperature.topic, temperature.payload, ctx).readings).toEqual([
      { sourceId: 'esphome.livingroom.livingroom_temperature', t: NOW, v: 21.7 },
    ]);
    expect(decoder.decode(humidity.topic, humidity.payload, ctx).readings[0].v).toBe(48.2);
  });

  it('maps an OpenMQTTGateway JSON payload by path, with a # capture and a scale', () => {
    const decoder = createGenericMappingDecoder(
      parseMappingRules([
        {
          topic: 'home/OpenMQTTGateway/BTtoMQTT/#',
          path: 'tempc',
          sourceId: 'omg.{1}.temperature',
          kind: 'temperature',
          unit: '°C',
          valueType: 'gauge',
        },
        {
          topic: 'home/+/BTtoMQTT/#',
          path: 'volt',
          sourceId: 'omg.battery',
          kind: 'battery.voltage',
          unit: 'mV',
          valueType: 'gauge',
          scale: 1000,
        },
      ]),
    );
    const [message] = fixture('openmqttgateway_bt_lywsd03mmc.mqtt');
    const decoded = decoder.decode(message.topic, message.payload, testContext());
    expect(decoded.readings).toEqual([{ sourceId: 'omg.a4c1385d3e1f.temperature', t: NOW, v: 19.6 }]);
    expect(spec(decoded, 'omg.a4c1385d3e1f.temperature')).toMatchObject({
      kind: 'temperature',
      unit: '°C',
      driver: 'mqtt-test',
    });
  });

  it('reads nested paths, array indices, text numbers, events and timestamps', () => {
    const decoder = createGenericMappingDecoder(
      parseMappingRules([
        {
          topic: 'meter/power',
          path: 'data.phases[1].w',
          sourceId: 'meter.l2',
          kind: 'electricity.import.power',
          unit: 'W',
          valueType: 'gauge',
          timestampPath: 'ts',
        },
        {
          topic: 'meter/iso',
          path: "['reading value']",
          sourceId: 'meter.iso',
          kind: 'x',
          valueType: 'counter',
          timestampPath: 'at',
        },
        { topic: 'door/+', path: 'event', sourceId: 'door.{1}', kind: 'door.event', valueType: 'event' },
      ]),
    );
    const ctx = testContext();
    const power = { ts: 1700000100, data: { phases: [{ w: 1 }, { w: '230.5' }] } };
    expect(decoder.decode('meter/power', Buffer.from(JSON.stringify(power)), ctx).readings).toEqual([
      { sourceId: 'meter.l2', t: 1700000100000, v: 230.5 },
    ]);
    const iso = { 'reading value': 12, at: '2024-03-01T10:00:00+01:00' };
    expect(decoder.decode('meter/iso', Buffer.from(JSON.stringify(iso)), ctx).readings[0].t).toBe(
      Date.UTC(2024, 2, 1, 9),
    );
    const event = decoder.decode('door/front', Buffer.from('{"event":{"opened":true}}'), ctx);
    expect(event.events).toEqual([{ sourceId: 'door.front', t: NOW, data: { opened: true } }]);
    expect(event.datasources[0]).toMatchObject({ id: 'door.front', valueType: 'event', unit: '' });
  });

  it('throws DecodeError for missing paths, non-numbers, bad ids and local timestamps', () => {
    const decoder = createGenericMappingDecoder(
      parseMappingRules([
        { topic: 'a/+', path: 'v', sourceId: 'a.{1}', kind: 'k', valueType: 'gauge' },
        { topic: 'b/#', path: 'v', sourceId: 'b.{1}.{1}', kind: 'k', valueType: 'gauge', timestampPath: 't' },
        { topic: 'c', sourceId: 'c', kind: 'k', valueType: 'gauge' },
      ]),
    );
    const ctx = testContext();
    expect(() => decoder.decode('a/x', Buffer.from('{"w":1}'), ctx)).toThrow(/nothing at "v"/);
    expect(() => decoder.decode('a/x', Buffer.from('{"v":"high"}'), ctx)).toThrow(
      /v is "high", expected a number/,
    );
    expect(() => decoder.decode('a/x', Buffer.from('{"v":'), ctx)).toThrow(DecodeError);
    expect(() => decoder.decode('b/x', Buffer.from('{"v":1,"t":"2024-03-01T10:00:00"}'), ctx)).toThrow(
      /with an offset/,
    );
    // Each capture is slugified to at most 32 characters; twice that overflows the 64-character id.
    const long = 'y'.repeat(40);
    expect(() => decoder.decode(`b/${long}/${long}`, Buffer.from('{"v":1,"t":1}'), ctx)).toThrow(
      /does not match/,
    );
    expect(() => decoder.decode('c', Buffer.from('{"v":1}'), ctx)).toThrow(/is not a number/);
  });

  it('validates rule configs and lists every problem with its path', () => {
    try {
      parseMappingRules([
        { topic: 'a/#/b', sourceId: 'x', kind: 'k', valueType: 'gauge' },
        { topic: 'a/b+', sourceId: 'Bad Id', kind: '', valueType: 'number', path: 'a..b' },
      ]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestError);
      const paths = (error as BadRequestError).details.map((d) => d.path).sort();
      expect(paths).toEqual([
        'mappings[0].topic',
        'mappings[1].kind',
        'mappings[1].path',
        'mappings[1].sourceId',
        'mappings[1].topic',
        'mappings[1].valueType',
      ]);
    }
  });
});
