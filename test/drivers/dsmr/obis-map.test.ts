import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DATASOURCE_ID_PATTERN } from '../../../box/store/types.ts';
import { mapTelegram } from '../../../drivers/dsmr/obis-map.ts';
import { parseTelegram } from '../../../drivers/dsmr/telegram-parser.ts';
import { describeWithSharedFixtures, readSharedFixture } from '../../helpers/shared-fixtures.ts';

const t = (iso: string) => Date.parse(iso);
const value = (r: ReturnType<typeof mapTelegram>, id: string) => r.readings.filter((x) => x.sourceId === id);

describeWithSharedFixtures('mapTelegram on the shared telegrams', () => {
  it('DSMR 5.0: electricity at the telegram time, gas at the gas meter time', () => {
    const r = mapTelegram(parseTelegram(readSharedFixture('dsmr/nl_dsmr50_iskra_crc_valid.txt')), {
      driver: 'p1-main',
    });
    const at = t('2017-01-02T18:20:02Z');
    expect(value(r, 'p1.electricity.import.t1')).toEqual([
      { sourceId: 'p1.electricity.import.t1', t: at, v: 4.426 },
    ]);
    expect(value(r, 'p1.electricity.import.t2')[0].v).toBe(2.399);
    expect(value(r, 'p1.electricity.import.total')[0].v).toBe(6.825);
    expect(value(r, 'p1.electricity.export.t1')[0].v).toBe(2.444);
    expect(value(r, 'p1.electricity.import.power')[0]).toEqual({
      sourceId: 'p1.electricity.import.power',
      t: at,
      v: 244,
    });
    expect(value(r, 'p1.l3.voltage')[0].v).toBe(229);
    expect(value(r, 'p1.l1.current')[0].v).toBe(0.48);
    expect(value(r, 'p1.gas.m1')).toEqual([
      { sourceId: 'p1.gas.m1', t: t('2017-01-02T15:10:05Z'), v: 0.107 },
    ]);
    // Channel 2 is a gas meter that sent no reading: no datasource for it.
    expect(r.datasources.find((d) => d.id === 'p1.gas.m2')).toBeUndefined();

    const byId = new Map(r.datasources.map((d) => [d.id, d]));
    expect(byId.get('p1.electricity.import.t1')).toMatchObject({
      kind: 'electricity.import.energy',
      unit: 'kWh',
      valueType: 'counter',
      driver: 'p1-main',
      vendor: 'ISk',
    });
    expect(byId.get('p1.electricity.export.power')).toMatchObject({
      kind: 'electricity.export.power',
      unit: 'W',
      valueType: 'gauge',
    });
    expect(byId.get('p1.gas.m1')).toMatchObject({ kind: 'gas.volume', unit: 'm³', valueType: 'counter' });
    expect(byId.get('p1.l2.voltage')).toMatchObject({ kind: 'voltage', unit: 'V' });
    expect(byId.get('p1.l2.current')).toMatchObject({ kind: 'current', unit: 'A' });
    for (const d of r.datasources) expect(d.id).toMatch(DATASOURCE_ID_PATTERN);
    // Every reading belongs to a declared datasource and each datasource has a reading.
    expect(new Set(r.readings.map((x) => x.sourceId))).toEqual(new Set(byId.keys()));
  });

  it('Belgian meter: water on channel 2 and the month peak at its own time', () => {
    const r = mapTelegram(parseTelegram(readSharedFixture('dsmr/be_emucs_fluvius_v171_crc_valid.txt')));
    expect(value(r, 'p1.water.m2')).toEqual([
      { sourceId: 'p1.water.m2', t: t('2020-05-12T11:45:58Z'), v: 872.234 },
    ]);
    expect(value(r, 'p1.gas.m1')[0].v).toBe(112.384);
    expect(value(r, 'p1.electricity.import.demand')[0].v).toBe(2351);
    expect(value(r, 'p1.electricity.import.month-peak')).toEqual([
      { sourceId: 'p1.electricity.import.month-peak', t: t('2020-05-09T11:45:58Z'), v: 2589 },
    ]);
    expect(r.datasources.find((d) => d.id === 'p1.water.m2')?.kind).toBe('water.volume');
  });

  it('DSMR 2.2 has no telegram time: uses receivedAt, or leaves electricity out without it', () => {
    const tg = parseTelegram(readSharedFixture('dsmr/nl_dsmr22_iskra_MT382_no_crc.txt'));
    const received = t('2016-11-07T18:03:00Z');
    const r = mapTelegram(tg, { receivedAt: received, prefix: 'meter-1' });
    expect(value(r, 'meter-1.electricity.import.power')).toEqual([
      { sourceId: 'meter-1.electricity.import.power', t: received, v: 1010 },
    ]);
    expect(value(r, 'meter-1.gas.m1')[0]).toMatchObject({ t: t('2016-11-07T18:00:00Z'), v: 1.001 });
    const bare = mapTelegram(tg);
    expect(bare.readings.map((x) => x.sourceId)).toEqual(['p1.gas.m1']);
  });
});

describe('mapTelegram on the built DSMR 5 telegram', () => {
  it('maps export power per phase and the water meter', () => {
    const file = readFileSync(
      new URL('../../fixtures/dsmr/nl_dsmr50_built_export_water.txt', import.meta.url),
    );
    const r = mapTelegram(parseTelegram(file));
    expect(value(r, 'p1.electricity.export.power')[0].v).toBe(2875);
    expect(value(r, 'p1.l3.export.power')[0].v).toBe(1205);
    expect(value(r, 'p1.electricity.export.total')[0].v).toBe(579.124);
    expect(value(r, 'p1.water.m2')[0]).toMatchObject({ t: t('2019-06-30T12:15:00Z'), v: 321.045 });
    expect(value(r, 'p1.power-failures.long')[0].v).toBe(3);
  });
});
