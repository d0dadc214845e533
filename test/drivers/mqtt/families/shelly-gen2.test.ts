import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../../drivers/mqtt/decoded.ts';
import { createShellyGen2Decoder } from '../../../../drivers/mqtt/families/shelly-gen2.ts';
import { describeWithSharedFixtures, readSharedFixture } from '../../../helpers/shared-fixtures.ts';
import { NOW, spec, testContext, values } from './helpers.ts';

const shelly = createShellyGen2Decoder();
const json = (path: string) => JSON.parse(readSharedFixture(path).toString('utf8'));

/** Wraps a component delta as the device publishes it on `<prefix>/events/rpc` (Gen2 RPC notifications). */
function notifyStatus(prefix: string, ts: number, component: string, delta: unknown): Buffer {
  return Buffer.from(
    JSON.stringify({
      src: prefix,
      dst: `${prefix}/events`,
      method: 'NotifyStatus',
      params: { ts, [component]: delta },
    }),
  );
}

describeWithSharedFixtures('Shelly Gen2 with captured and official payloads', () => {
  it('decodes the Plus Plug S switch:0 status: 36.7 W, 232.1 V, 0.307 A, 499.599717 kWh at minute_ts', () => {
    const status = json('shelly/shelly_gen2_plusplugs_device_dump_matterbridge.json').status['switch:0'];
    const topic = 'shellyplusplugs-e86beaeaa000/status/switch:0';
    expect(shelly.matches(topic)).toBe(true);
    const decoded = shelly.decode(topic, Buffer.from(JSON.stringify(status)), testContext());
    const base = 'shelly.shellyplusplugs-e86beaeaa000.switch0';
    expect(values(decoded)).toEqual({
      [`${base}.power`]: 36.7,
      [`${base}.voltage`]: 232.1,
      [`${base}.current`]: 0.307,
      [`${base}.energy`]: 499.599717,
    });
    const energy = decoded.readings.find((r) => r.sourceId === `${base}.energy`)!;
    expect(new Date(energy.t).toISOString()).toBe('2026-05-21T11:18:00.000Z');
    expect(decoded.readings.find((r) => r.sourceId === `${base}.power`)!.t).toBe(NOW);
    expect(spec(decoded, `${base}.energy`)).toMatchObject({
      kind: 'electricity.energy',
      unit: 'kWh',
      valueType: 'counter',
    });
    expect(spec(decoded, `${base}.power`)).toMatchObject({
      kind: 'electricity.power',
      unit: 'W',
      vendor: 'Shelly',
    });
  });

  it('decodes the official Switch.GetStatus example: 0.134 Wh at 2021-09-25T20:07:39Z', () => {
    const status = json('shelly/shelly_gen2_switch_getstatus_official_example.json');
    const decoded = shelly.decode(
      'shellyplus1pm-a8032ab12345/status/switch:0',
      Buffer.from(JSON.stringify(status)),
      testContext(),
    );
    const base = 'shelly.shellyplus1pm-a8032ab12345.switch0';
    expect(values(decoded)).toEqual({
      [`${base}.power`]: 0,
      [`${base}.voltage`]: 238.215,
      [`${base}.current`]: 0,
      [`${base}.energy`]: 0.000134,
    });
    expect(decoded.readings.find((r) => r.sourceId === `${base}.energy`)!.t).toBe(
      Date.UTC(2021, 8, 25, 20, 7, 39),
    );
  });

  it('decodes NotifyStatus deltas on events/rpc: apower 5.12 W at params.ts, aenergy 0.308 Wh at minute_ts', () => {
    const ctx = testContext();
    const prefix = 'shellyplus1pm-a8032ab12345';
    const apower = json('shelly/shelly_gen2_notifystatus_delta_apower_official_example.json');
    const aenergy = json('shelly/shelly_gen2_notifystatus_delta_aenergy_official_example.json');
    const topic = `${prefix}/events/rpc`;
    expect(shelly.matches(topic)).toBe(true);
    const power = shelly.decode(
      topic,
      notifyStatus(prefix, 1632614940.25, apower.component, apower.delta),
      ctx,
    );
    expect(power.readings).toEqual([
      { sourceId: `shelly.${prefix}.switch0.power`, t: 1632614940250, v: 5.12 },
    ]);
    const energy = shelly.decode(
      topic,
      notifyStatus(prefix, 1632614940.25, aenergy.component, aenergy.delta),
      ctx,
    );
    expect(energy.readings).toEqual([
      { sourceId: `shelly.${prefix}.switch0.energy`, t: 1632614938000, v: 0.000308 },
    ]);
  });
});

describe('Shelly Gen2 topics and errors', () => {
  it('ignores components without metering and rpc methods other than NotifyStatus/NotifyFullStatus', () => {
    const ctx = testContext();
    expect(shelly.decode('plug/status/input:0', Buffer.from('{"id":0,"state":false}'), ctx).readings).toEqual(
      [],
    );
    const event = {
      src: 'plug',
      method: 'NotifyEvent',
      params: { ts: 1, events: [{ component: 'input:0', event: 'single_push' }] },
    };
    expect(shelly.decode('plug/events/rpc', Buffer.from(JSON.stringify(event)), ctx).readings).toEqual([]);
    expect(shelly.matches('plug/status/sys')).toBe(false);
    expect(shelly.matches('plug/online')).toBe(false);
    expect(shelly.matches('home/kitchen/temp')).toBe(false);
  });

  it('throws DecodeError for wrong types and missing method', () => {
    const ctx = testContext();
    expect(() => shelly.decode('plug/status/switch:0', Buffer.from('{"apower":"12 W"}'), ctx)).toThrow(
      /plug\/status\/switch:0.*apower is "12 W", expected a number/,
    );
    expect(() => shelly.decode('plug/events/rpc', Buffer.from('{"params":{}}'), ctx)).toThrow(DecodeError);
    const bad = { method: 'NotifyStatus', params: { ts: 1, 'switch:0': { aenergy: { total: 'x' } } } };
    expect(() => shelly.decode('plug/events/rpc', Buffer.from(JSON.stringify(bad)), ctx)).toThrow(
      /params\.switch:0\.aenergy\.total is "x"/,
    );
  });
});
