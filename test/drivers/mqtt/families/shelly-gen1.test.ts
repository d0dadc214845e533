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
  it('decodes power in W and energy in watt-minutes as kWh; ignores the other topics', () => {
    const ctx = testContext();
    const decoded = messages.map((m) => {
      expect(gen1.matches(m.topic)).toBe(true);
      return gen1.decode(m.topic, m.payload, ctx);
    });
    const readings = decoded.flatMap((d) => d.readings);
    // 118260 Wmin / 60 = 1971 Wh = 1.971 kWh.
    expect(readings).toEqual([
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
  });
});
