import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../../drivers/mqtt/decoded.ts';
import { createGlowDecoder } from '../../../../drivers/mqtt/families/glow.ts';
import { describeWithSharedFixtures, readSharedFixture } from '../../../helpers/shared-fixtures.ts';
import { spec, testContext, values } from './helpers.ts';

const glow = createGlowDecoder();

describeWithSharedFixtures('Glow CAD payloads from the OpenEnergyMonitor forum', () => {
  it('decodes the electricity meter: 4595.563 kWh import, 0 export, 0.623 kW = 623 W at 13:02:29Z', () => {
    const topic = 'glow/e8db84aabbcc/SENSOR/electricitymeter';
    expect(glow.matches(topic)).toBe(true);
    const decoded = glow.decode(
      topic,
      readSharedFixture('glow/glow_cad_forum_2022-06-24_electricitymeter.json'),
      testContext(),
    );
    expect(values(decoded)).toEqual({
      'glow.e8db84aabbcc.import.energy': 4595.563,
      'glow.e8db84aabbcc.export.energy': 0,
      'glow.e8db84aabbcc.import.power': 623,
    });
    for (const r of decoded.readings) expect(r.t).toBe(Date.UTC(2022, 5, 24, 13, 2, 29));
    expect(spec(decoded, 'glow.e8db84aabbcc.import.energy')).toMatchObject({
      kind: 'electricity.import.energy',
      unit: 'kWh',
      valueType: 'counter',
    });
    expect(spec(decoded, 'glow.e8db84aabbcc.import.power')).toMatchObject({
      kind: 'electricity.import.power',
      unit: 'W',
    });
  });

  it('decodes the gas meter: 6728.026 kWh, 0 W at 13:13:30Z', () => {
    const decoded = glow.decode(
      'glow/E8DB84AABBCC/SENSOR/gasmeter',
      readSharedFixture('glow/glow_cad_forum_2022-06-24_gasmeter.json'),
      testContext(),
    );
    // Hex device ids are case-insensitive: upper case gives the same id.
    expect(values(decoded)).toEqual({
      'glow.e8db84aabbcc.gas.energy': 6728.026,
      'glow.e8db84aabbcc.gas.power': 0,
    });
    expect(decoded.readings[0].t).toBe(Date.UTC(2022, 5, 24, 13, 13, 30));
    expect(spec(decoded, 'glow.e8db84aabbcc.gas.energy')).toMatchObject({
      kind: 'gas.energy',
      valueType: 'counter',
    });
  });
});

describe('Glow topics and errors', () => {
  it('ignores STATE and refuses payloads without the meter object, bad units or local times', () => {
    const ctx = testContext();
    expect(glow.decode('glow/abc/STATE', Buffer.from('{"software":"v1.8.12"}'), ctx).readings).toEqual([]);
    const topic = 'glow/abc/SENSOR/electricitymeter';
    expect(() => glow.decode(topic, Buffer.from('{"gasmeter":{}}'), ctx)).toThrow(
      /no "electricitymeter" object/,
    );
    expect(() =>
      glow.decode(topic, Buffer.from('{"electricitymeter":{"power":{"value":1,"units":"dBm"}}}'), ctx),
    ).toThrow(/power\.value is in "dBm"/);
    expect(() =>
      glow.decode(topic, Buffer.from('{"electricitymeter":{"timestamp":"2022-06-24T13:02:29"}}'), ctx),
    ).toThrow(DecodeError);
    expect(glow.matches('glow')).toBe(false);
    expect(glow.matches('glowing/abc/SENSOR/gasmeter')).toBe(false);
  });
});
