import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../../drivers/mqtt/decoded.ts';
import { createTasmotaDecoder } from '../../../../drivers/mqtt/families/tasmota.ts';
import { describeWithSharedFixtures, readMqttFixture } from '../../../helpers/shared-fixtures.ts';
import { NOW, spec, testContext, values } from './helpers.ts';

const tasmota = createTasmotaDecoder();

describeWithSharedFixtures('Tasmota Athom plug log (issue 20459)', () => {
  it('decodes ENERGY (Total 1066 kWh, 0 W, 227.7 V, 0 A), ignores STATE, and records the reset to 0', () => {
    const ctx = testContext();
    const messages = readMqttFixture('tasmota/tasmota_athom_plug_issue20459.mqtt');
    const decoded = messages.map((m) => {
      expect(tasmota.matches(m.topic)).toBe(true);
      return tasmota.decode(m.topic, Buffer.from(m.payload), ctx);
    });
    expect(decoded[0].readings).toEqual([]); // stat RESULT TelePeriod
    expect(decoded[1].readings).toEqual([]); // tele STATE
    expect(values(decoded[2])).toEqual({
      'tasmota.athomspv3a.energy': 1066,
      'tasmota.athomspv3a.power': 0,
      'tasmota.athomspv3a.voltage': 227.7,
      'tasmota.athomspv3a.current': 0,
    });
    // Time 2024-01-14T18:03:15 has no offset: receive time is used.
    expect(decoded[2].readings.every((r) => r.t === NOW)).toBe(true);
    expect(spec(decoded[2], 'tasmota.athomspv3a.energy')).toMatchObject({
      kind: 'electricity.energy',
      valueType: 'counter',
    });
    expect(decoded[3].readings).toEqual([{ sourceId: 'tasmota.athomspv3a.energy', t: NOW, v: 0 }]);
  });

  it('reads an offset-less Time at a configured UTC offset', () => {
    const [, , sensor] = readMqttFixture('tasmota/tasmota_athom_plug_issue20459.mqtt');
    const cet = createTasmotaDecoder({ utcOffsetMinutes: 60 });
    const decoded = cet.decode(sensor.topic, Buffer.from(sensor.payload), testContext());
    expect(decoded.readings[0].t).toBe(Date.UTC(2024, 0, 14, 17, 3, 15));
  });
});

describe('Tasmota sensors and errors', () => {
  it('decodes temperature sensor blocks (DS18B20, AM2301, BME280 in °F/mmHg) and multi-channel power', () => {
    const payload = {
      Time: '2024-01-14T18:03:15+01:00',
      'DS18B20-1': { Id: '0316A279A0FF', Temperature: 68 },
      AM2301: { Temperature: 71.6, Humidity: 40.1, DewPoint: 46 },
      BME280: { Temperature: 50, Humidity: 50, Pressure: 750.06 },
      ENERGY: { Power: [10, 20] },
      TempUnit: 'F',
      PressureUnit: 'mmHg',
    };
    const decoded = tasmota.decode('tele/garage/SENSOR', Buffer.from(JSON.stringify(payload)), testContext());
    const v = values(decoded);
    expect(v['tasmota.garage.ds18b20-1.temperature']).toBe(20); // (68 − 32) × 5/9
    expect(v['tasmota.garage.am2301.temperature']).toBe(22);
    expect(v['tasmota.garage.am2301.humidity']).toBe(40.1);
    expect(v['tasmota.garage.bme280.temperature']).toBe(10);
    expect(v['tasmota.garage.bme280.pressure']).toBeCloseTo(1000.0, 1); // 750.06 mmHg × 1.33322 hPa/mmHg
    expect(v['tasmota.garage.power1']).toBe(10);
    expect(v['tasmota.garage.power2']).toBe(20);
    expect(Object.keys(v).some((id) => id.includes('dewpoint'))).toBe(false);
    expect(decoded.readings[0].t).toBe(Date.UTC(2024, 0, 14, 17, 3, 15)); // Time with an offset is used
  });

  it('throws DecodeError for wrong types, bad Time and unknown units; does not claim other topics', () => {
    const ctx = testContext();
    const sensor = (body: unknown) => () =>
      tasmota.decode('tele/plug/SENSOR', Buffer.from(JSON.stringify(body)), ctx);
    expect(sensor({ ENERGY: { Total: '1066' } })).toThrow(/ENERGY\.Total is "1066", expected a number/);
    expect(sensor({ ENERGY: { Power: [1, null] } })).toThrow(/ENERGY\.Power\[1\] is null/);
    expect(sensor({ Time: 'yesterday' })).toThrow(DecodeError);
    expect(sensor({ BME280: { Pressure: 1 }, PressureUnit: 'psi' })).toThrow(/unit "psi"/);
    expect(() => tasmota.decode('tele/plug/SENSOR', Buffer.from('{"ENERGY":'), ctx)).toThrow(
      /not valid JSON/,
    );
    expect(tasmota.matches('tele/plug/SENSOR/extra')).toBe(false);
    expect(tasmota.matches('cmnd/plug/POWER')).toBe(false);
  });
});

describe('Tasmota Status 10 / Status 8 answers (stat/<topic>/STATUS10, StatusSNS)', () => {
  // The StatusSNS shape of the Tasmota docs' `Status 10` answer, for a three-phase energy monitor
  // (arrays per phase) with a DS18B20; the values are our own.
  const status10 = {
    StatusSNS: {
      Time: '2024-01-14T18:05:00+01:00',
      ENERGY: { Total: 5123.456, Power: [120, 340, 0], Voltage: [231, 229, 230], Current: [0.6, 1.5, 0] },
      DS18B20: { Id: '01144A0CB2AA', Temperature: 21.5 },
      TempUnit: 'C',
    },
  };

  it('decodes StatusSNS like SENSOR: per-phase arrays become channels, sensors their own sources', () => {
    const decoder = createTasmotaDecoder();
    const t = Date.parse('2024-01-14T18:05:00+01:00');
    for (const command of ['STATUS10', 'STATUS8']) {
      const topic = `stat/em3phase/${command}`;
      expect(decoder.matches(topic)).toBe(true);
      const decoded = decoder.decode(topic, Buffer.from(JSON.stringify(status10)), testContext());
      expect(values(decoded)).toEqual({
        'tasmota.em3phase.energy': 5123.456,
        'tasmota.em3phase.power1': 120,
        'tasmota.em3phase.power2': 340,
        'tasmota.em3phase.power3': 0,
        'tasmota.em3phase.voltage1': 231,
        'tasmota.em3phase.voltage2': 229,
        'tasmota.em3phase.voltage3': 230,
        'tasmota.em3phase.current1': 0.6,
        'tasmota.em3phase.current2': 1.5,
        'tasmota.em3phase.current3': 0,
        'tasmota.em3phase.ds18b20.temperature': 21.5,
      });
      expect(decoded.readings.every((r) => r.t === t)).toBe(true);
    }
  });

  it('names the path of a bad value, and refuses an answer without StatusSNS', () => {
    const decoder = createTasmotaDecoder();
    expect(() =>
      decoder.decode(
        'stat/x/STATUS10',
        Buffer.from('{"StatusSNS":{"ENERGY":{"Power":["a"]}}}'),
        testContext(),
      ),
    ).toThrow(/StatusSNS\.ENERGY\.Power\[0\] is/);
    expect(() => decoder.decode('stat/x/STATUS10', Buffer.from('{"Status":{}}'), testContext())).toThrow(
      /STATUS10 has no StatusSNS object/,
    );
  });
});
