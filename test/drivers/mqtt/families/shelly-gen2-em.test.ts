import { describe, expect, it } from 'vitest';
import { createShellyGen2Decoder } from '../../../../drivers/mqtt/families/shelly-gen2.ts';
import { NOW, spec, testContext } from './helpers.ts';

/**
 * Shelly Pro 3EM / Pro EM / 3EM Gen3 status payloads, shaped as the Gen2 component docs (EM,
 * EMData, EM1, EM1Data GetStatus) list their keys; the values are our own.
 */
const shelly = createShellyGen2Decoder();
const PREFIX = 'shellypro3em-c8f09e8a1b2c';

const em = {
  id: 0,
  a_current: 4.029,
  a_voltage: 236.1,
  a_act_power: 951.2,
  a_aprt_power: 951.9,
  a_pf: 1,
  b_current: 4.027,
  b_voltage: 236.201,
  b_act_power: -951.1,
  b_aprt_power: 951.8,
  b_pf: 1,
  c_current: 3.03,
  c_voltage: 236.402,
  c_act_power: 715.4,
  c_aprt_power: 716.2,
  c_pf: 1,
  n_current: null,
  total_current: 11.087,
  total_act_power: 715.5,
  total_aprt_power: 2619.9,
};
const emdata = {
  id: 0,
  a_total_act_energy: 2776.01,
  a_total_act_ret_energy: 0,
  b_total_act_energy: 1.02,
  b_total_act_ret_energy: 2773.54,
  c_total_act_energy: 2100.03,
  c_total_act_ret_energy: 0,
  total_act: 4877.06,
  total_act_ret: 2773.54,
};

describe('Shelly Gen2+ energy meters (em, emdata, em1, em1data)', () => {
  it('stores each phase and the totals of em:0 with meter kinds; apparent power is not stored', () => {
    const ctx = testContext();
    const topic = `${PREFIX}/status/em:0`;
    expect(shelly.matches(topic)).toBe(true);
    const decoded = shelly.decode(topic, Buffer.from(JSON.stringify(em)), ctx);
    const base = `shelly.${PREFIX}.em0`;
    const byId = Object.fromEntries(decoded.readings.map((r) => [r.sourceId, r.v]));
    expect(byId).toEqual({
      [`${base}.a.power`]: 951.2,
      [`${base}.a.voltage`]: 236.1,
      [`${base}.a.current`]: 4.029,
      [`${base}.a.pf`]: 1,
      [`${base}.b.power`]: -951.1,
      [`${base}.b.voltage`]: 236.201,
      [`${base}.b.current`]: 4.027,
      [`${base}.b.pf`]: 1,
      [`${base}.c.power`]: 715.4,
      [`${base}.c.voltage`]: 236.402,
      [`${base}.c.current`]: 3.03,
      [`${base}.c.pf`]: 1,
      [`${base}.total.power`]: 715.5,
      [`${base}.total.current`]: 11.087,
    });
    expect(decoded.readings.every((r) => r.t === NOW)).toBe(true);
    expect(spec(decoded, `${base}.total.power`)).toMatchObject({
      kind: 'electricity.import.power',
      unit: 'W',
    });
  });

  it('stores emdata:0 energy totals in kWh, import and export apart', () => {
    const decoded = shelly.decode(
      `${PREFIX}/status/emdata:0`,
      Buffer.from(JSON.stringify(emdata)),
      testContext(),
    );
    const base = `shelly.${PREFIX}.emdata0`;
    const byId = Object.fromEntries(decoded.readings.map((r) => [r.sourceId, r.v]));
    expect(byId[`${base}.total.energy`]).toBe(4.87706);
    expect(byId[`${base}.total.returned_energy`]).toBe(2.77354);
    expect(byId[`${base}.b.returned_energy`]).toBe(2.77354);
    expect(Object.keys(byId)).toHaveLength(8);
    expect(spec(decoded, `${base}.total.energy`)).toMatchObject({
      kind: 'electricity.import.energy',
      unit: 'kWh',
      valueType: 'counter',
    });
    expect(spec(decoded, `${base}.total.returned_energy`)).toMatchObject({
      kind: 'electricity.export.energy',
    });
  });

  it('decodes em1/em1data channels, also inside NotifyStatus on events/rpc with params.ts', () => {
    const prefix = 'shellyproem50-08f9e0e5a1b2';
    const payload = {
      src: prefix,
      dst: `${prefix}/events`,
      method: 'NotifyStatus',
      params: {
        ts: 1_700_000_000.5,
        'em1:1': {
          id: 1,
          current: 2.598,
          voltage: 234.9,
          act_power: 501.8,
          aprt_power: 612.4,
          pf: 0.84,
          freq: 50,
        },
        'em1data:1': { id: 1, total_act_energy: 12345.6, total_act_ret_energy: 7.5 },
      },
    };
    const decoded = shelly.decode(
      `${prefix}/events/rpc`,
      Buffer.from(JSON.stringify(payload)),
      testContext(),
    );
    const t = 1_700_000_000_500;
    expect(decoded.readings).toEqual([
      { sourceId: `shelly.${prefix}.em11.power`, t, v: 501.8 },
      { sourceId: `shelly.${prefix}.em11.voltage`, t, v: 234.9 },
      { sourceId: `shelly.${prefix}.em11.current`, t, v: 2.598 },
      { sourceId: `shelly.${prefix}.em11.pf`, t, v: 0.84 },
      { sourceId: `shelly.${prefix}.em1data1.energy`, t, v: 12.3456 },
      { sourceId: `shelly.${prefix}.em1data1.returned_energy`, t, v: 0.0075 },
    ]);
  });

  it('names the key of a value that is not a number', () => {
    expect(() =>
      shelly.decode(`${PREFIX}/status/em:0`, Buffer.from('{"a_act_power":"lots"}'), testContext()),
    ).toThrow(/a_act_power/);
  });
});
