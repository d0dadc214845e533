import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../../drivers/mqtt/decoded.ts';
import { createShellyGen1Decoder } from '../../../../drivers/mqtt/families/shelly-gen1.ts';
import { NOW, spec, testContext } from './helpers.ts';

const gen1 = createShellyGen1Decoder();
const messages = readFileSync(
  new URL('../../../fixtures/mqtt/shelly_gen1_1pm_relay_docs.mqtt', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => ({
    topic: line.slice(0, line.indexOf(' ')),
    payload: Buffer.from(line.slice(line.indexOf(' ') + 1)),
  }));

describe('Shelly Gen1 relay power and energy (Gen1 API docs topics)', () => {
  it('decodes relay state as 0/1, power in W and energy in watt-minutes as kWh; ignores the rest', () => {
    const ctx = testContext();
    const decoded = messages.map((m) => {
      expect(gen1.matches(m.topic)).toBe(true);
      return gen1.decode(m.topic, m.payload, ctx);
    });
    const readings = decoded.flatMap((d) => d.readings);
    // 118260 Wmin / 60 = 1971 Wh = 1.971 kWh.
    expect(readings).toEqual([
      { sourceId: 'shelly.shelly1pm-a1b2c3.relay0.state', t: NOW, v: 1 },
      { sourceId: 'shelly.shelly1pm-a1b2c3.relay0.power', t: NOW, v: 42.47 },
      { sourceId: 'shelly.shelly1pm-a1b2c3.relay0.energy', t: NOW, v: 1.971 },
    ]);
    expect(spec(decoded[2], 'shelly.shelly1pm-a1b2c3.relay0.energy')).toMatchObject({
      kind: 'electricity.energy',
      unit: 'kWh',
      valueType: 'counter',
    });
  });

  it('refuses a non-numeric power payload and does not claim other topics', () => {
    expect(() => gen1.decode('shellies/x/relay/0/power', Buffer.from('on'), testContext())).toThrow(
      DecodeError,
    );
    expect(() => gen1.decode('shellies/x/relay/0/power', Buffer.from('12W'), testContext())).toThrow(
      /"12W" is not a number/,
    );
    expect(gen1.matches('shelly/x/relay/0/power')).toBe(false);
    expect(() => gen1.decode('shellies/x/relay/0', Buffer.from('maybe'), testContext())).toThrow(
      /relay state is "maybe"/,
    );
  });
});

describe('Shelly Gen1 EM / 3EM energy meters (Gen1 API docs: shellies/<id>/emeter/<i>/<value>)', () => {
  // One report of a 3EM's phase 1 and an EM's clamp 0, as the Gen1 MQTT docs list the topics;
  // the values are our own.
  const report = [
    ['shellies/shellyem3-ABC123/emeter/1/power', '-1520.5'],
    ['shellies/shellyem3-ABC123/emeter/1/voltage', '231.4'],
    ['shellies/shellyem3-ABC123/emeter/1/current', '6.61'],
    ['shellies/shellyem3-ABC123/emeter/1/pf', '0.99'],
    ['shellies/shellyem3-ABC123/emeter/1/total', '254307.2'],
    ['shellies/shellyem3-ABC123/emeter/1/total_returned', '1234.5'],
    ['shellies/shellyem3-ABC123/emeter/1/energy', '1500'],
    ['shellies/shellyem3-ABC123/emeter/1/returned_energy', '0'],
    ['shellies/shellyem3-ABC123/emeter/1/reactive_power', '12.3'],
    ['shellies/shellyem-XYZ/emeter/0/power', '310'],
  ] as const;

  it('stores power, voltage, current, power factor and the Wh totals as kWh, with meter kinds', () => {
    const ctx = testContext();
    const decoded = report.map(([topic, payload]) => {
      expect(gen1.matches(topic)).toBe(true);
      return gen1.decode(topic, Buffer.from(payload), ctx);
    });
    const base = 'shelly.shellyem3-abc123.emeter1';
    expect(decoded.flatMap((d) => d.readings)).toEqual([
      { sourceId: `${base}.power`, t: NOW, v: -1520.5 },
      { sourceId: `${base}.voltage`, t: NOW, v: 231.4 },
      { sourceId: `${base}.current`, t: NOW, v: 6.61 },
      { sourceId: `${base}.pf`, t: NOW, v: 0.99 },
      { sourceId: `${base}.energy`, t: NOW, v: 254.3072 },
      { sourceId: `${base}.returned_energy`, t: NOW, v: 1.2345 },
      { sourceId: 'shelly.shellyem-xyz.emeter0.power', t: NOW, v: 310 },
    ]);
    expect(spec(decoded[0], `${base}.power`)).toMatchObject({ kind: 'electricity.import.power', unit: 'W' });
    expect(spec(decoded[4], `${base}.energy`)).toMatchObject({
      kind: 'electricity.import.energy',
      unit: 'kWh',
      valueType: 'counter',
    });
    expect(spec(decoded[5], `${base}.returned_energy`)).toMatchObject({
      kind: 'electricity.export.energy',
      valueType: 'counter',
    });
    // watt-minutes since the last report and reactive power are recognised but not stored
    for (const ignored of decoded.slice(6, 9))
      expect(ignored).toEqual({ datasources: [], readings: [], events: [] });
  });
});
