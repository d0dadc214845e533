import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TelegramCrcError, TelegramFormatError } from '../../../drivers/dsmr/telegram-errors.ts';
import { parseTelegram } from '../../../drivers/dsmr/telegram-parser.ts';
import { describeWithSharedFixtures, readSharedFixture } from '../../helpers/shared-fixtures.ts';

const t = (iso: string) => Date.parse(iso);
const read = (file: string) => readSharedFixture(`dsmr/${file}`);

describeWithSharedFixtures('parseTelegram on the shared DSMR fixtures (SOURCES.md §1)', () => {
  it('DSMR 2.2 Iskra MT382: no CRC, no timestamp, old two-line gas', () => {
    const tg = parseTelegram(read('nl_dsmr22_iskra_MT382_no_crc.txt'));
    expect(tg.header).toBe('ISk5\\2MT382-1004');
    expect(tg.crc.given).toBeNull();
    expect(tg.crc.valid).toBeNull();
    expect(tg.timestamp).toBeNull();
    expect(tg.energyImport.byTariff).toEqual({ 1: 1.001, 2: 1.001 });
    expect(tg.energyExport.byTariff).toEqual({ 1: 1.001, 2: 1.001 });
    expect(tg.tariff).toBe(1);
    expect(tg.powerDeliveredW).toBe(1010);
    expect(tg.powerReturnedW).toBe(0);
    expect(tg.thresholdW).toBe(999_000);
    expect(tg.mbus).toHaveLength(1);
    expect(tg.mbus[0]).toMatchObject({ channel: 1, deviceType: 3, kind: 'gas' });
    // 2016-11-07 19:00 local, winter time by the EU rule.
    expect(tg.mbus[0].reading).toEqual({ t: t('2016-11-07T18:00:00Z'), value: 1.001, unit: 'm³' });
    const gasLine = tg.lines.find((l) => l.obis === '0-1:24.3.0');
    expect(gasLine?.values).toEqual(['161107190000', '00', '60', '1', '0-1:24.2.1', 'm3', '00001.001']);
  });

  it('DSMR 4.2 Kaifa: valid CRC, phases, failures and gas', () => {
    const tg = parseTelegram(read('nl_dsmr42_kaifa_crc_valid.txt'));
    expect(tg.crc).toEqual({ given: '6796', computed: '6796', valid: true });
    expect(tg.version).toBe('42');
    expect(tg.manufacturer).toBe('KFM');
    expect(tg.timestamp).toBe(t('2016-11-13T19:57:57Z'));
    expect(tg.energyImport).toEqual({ byTariff: { 1: 1581.123, 2: 1435.706 }, total: 3016.829 });
    expect(tg.energyExport.total).toBe(0);
    expect(tg.powerDeliveredW).toBe(2027);
    expect(tg.phases.map((p) => p.powerDeliveredW)).toEqual([170, 1247, 209]);
    expect(tg.phases.map((p) => p.currentA)).toEqual([0, 6, 2]);
    expect(tg.shortPowerFailures).toBe(15);
    expect(tg.longPowerFailures).toBe(7);
    expect(tg.powerFailureLog).toHaveLength(3);
    expect(tg.powerFailureLog[0].durationS).toBe(237126);
    expect(tg.mbus[0].reading).toEqual({ t: t('2016-11-29T19:00:00Z'), value: 981.443, unit: 'm³' });
  });

  it('DSMR 5.0 Iskra: values, gas channel and an empty second channel', () => {
    const tg = parseTelegram(read('nl_dsmr50_iskra_crc_valid.txt'));
    expect(tg.crc.valid).toBe(true);
    expect(tg.crc.given).toBe('6EEE');
    expect(tg.timestamp).toBe(t('2017-01-02T18:20:02Z'));
    expect(tg.energyImport).toEqual({ byTariff: { 1: 4.426, 2: 2.399 }, total: 6.825 });
    expect(tg.energyExport.byTariff).toEqual({ 1: 2.444, 2: 0 });
    expect(tg.tariff).toBe(2);
    expect(tg.powerDeliveredW).toBe(244);
    expect(tg.powerReturnedW).toBe(0);
    expect(tg.phases.map((p) => p.voltageV)).toEqual([230, 230, 229]);
    expect(tg.phases.map((p) => p.currentA)).toEqual([0.48, 0.44, 0.86]);
    expect(tg.phases.map((p) => p.powerDeliveredW)).toEqual([70, 32, 142]);
    expect(tg.shortPowerFailures).toBe(13);
    expect(tg.longPowerFailures).toBe(0);
    expect(tg.powerFailureLog).toEqual([]);
    expect(tg.mbus[0]).toMatchObject({ channel: 1, kind: 'gas' });
    expect(tg.mbus[0].reading).toEqual({ t: t('2017-01-02T15:10:05Z'), value: 0.107, unit: 'm³' });
    expect(tg.mbus[1]).toMatchObject({ channel: 2, deviceType: 3, equipmentId: null, reading: null });
  });

  it('Belgian e-MUCS (Fluvius): capacity tariff, gas 24.2.3 with valve, water', () => {
    const tg = parseTelegram(read('be_emucs_fluvius_v171_crc_valid.txt'));
    expect(tg.crc.valid).toBe(true);
    expect(tg.version).toBe('50217');
    expect(tg.timestamp).toBe(t('2020-05-12T11:54:09Z'));
    expect(tg.energyImport.byTariff).toEqual({ 1: 0.034, 2: 15.758 });
    expect(tg.energyExport.byTariff).toEqual({ 1: 0, 2: 0.011 });
    expect(tg.tariff).toBe(1);
    expect(tg.powerDeliveredW).toBe(0);
    expect(tg.phases.map((p) => p.voltageV)).toEqual([234.7, 234.7, 234.7]);
    expect(tg.capacity?.currentAverageDemandW).toBe(2351);
    expect(tg.capacity?.monthPeak).toEqual({ t: t('2020-05-09T11:45:58Z'), powerW: 2589 });
    expect(tg.capacity?.history).toEqual([
      { month: t('2020-04-30T22:00:00Z'), t: t('2020-04-23T17:25:38Z'), powerW: 3695 },
      { month: t('2020-03-31T22:00:00Z'), t: t('2020-03-05T10:21:39Z'), powerW: 5980 },
      { month: t('2020-02-29T22:00:00Z'), t: t('2020-02-10T02:54:21Z'), powerW: 4318 },
    ]);
    expect(tg.mbus[0]).toMatchObject({ channel: 1, kind: 'gas', valve: 1 });
    expect(tg.mbus[0].reading).toEqual({ t: t('2020-05-12T11:45:58Z'), value: 112.384, unit: 'm³' });
    expect(tg.mbus[1]).toMatchObject({ channel: 2, deviceType: 7, kind: 'water' });
    expect(tg.mbus[1].reading).toEqual({ t: t('2020-05-12T11:45:58Z'), value: 872.234, unit: 'm³' });
  });

  it('DSMR 5.0.2 spec example: fails the CRC, parses with requireCrc false', () => {
    const file = read('nl_dsmr502_spec_example_crc_mismatch.txt');
    let error: unknown;
    try {
      parseTelegram(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TelegramCrcError);
    expect((error as TelegramCrcError).computed).toBe('E47C');
    expect((error as TelegramCrcError).given).toBe('EF2F');
    expect((error as Error).message).toMatch(/E47C.*EF2F/);

    const tg = parseTelegram(file, { requireCrc: false });
    expect(tg.crc).toEqual({ given: 'EF2F', computed: 'E47C', valid: false });
    expect(tg.timestamp).toBe(t('2010-12-09T10:30:20Z'));
    expect(tg.energyImport.byTariff).toEqual({ 1: 123456.789, 2: 123456.789 });
    expect(tg.energyExport.byTariff).toEqual({ 1: 123456.789, 2: 123456.789 });
    expect(tg.powerDeliveredW).toBe(1193);
    expect(tg.shortPowerFailures).toBe(4);
    expect(tg.longPowerFailures).toBe(2);
    expect(tg.powerFailureLog.map((f) => f.durationS)).toEqual([240, 301]);
    expect(tg.powerFailureLog[0].end).toBe(t('2010-12-08T14:24:15Z'));
    expect(tg.phases.map((p) => p.voltageSags)).toEqual([2, 1, 0]);
    expect(tg.phases.map((p) => p.voltageSwells)).toEqual([0, 3, 0]);
    expect(tg.phases.map((p) => p.voltageV)).toEqual([220.1, 220.2, 220.3]);
    expect(tg.phases.map((p) => p.currentA)).toEqual([1, 2, 3]);
    expect(tg.phases.map((p) => p.powerDeliveredW)).toEqual([1111, 2222, 3333]);
    expect(tg.phases.map((p) => p.powerReturnedW)).toEqual([4444, 5555, 6666]);
    expect(tg.textMessage).toBe('0123456789:;<=>?'.repeat(5));
    expect(tg.mbus[0].reading).toEqual({ t: t('2010-12-09T10:25:00Z'), value: 12785.123, unit: 'm³' });
  });

  it('rejects a valid telegram once its 1-0:1.8.1 line is deleted (as dsmr_parser tests do)', () => {
    const text = read('nl_dsmr42_kaifa_crc_valid.txt').toString('latin1');
    const cut = text.replace(/1-0:1\.8\.1\([^)]*\)\r\n/, '');
    expect(cut).not.toBe(text);
    expect(() => parseTelegram(cut)).toThrow(TelegramCrcError);
    const lax = parseTelegram(cut, { requireCrc: false });
    expect(lax.crc.valid).toBe(false);
    expect(lax.crc.given).toBe('6796');
    expect(lax.energyImport.byTariff).toEqual({ 2: 1435.706 });
  });

  it('rejects a DSMR 4+ telegram whose CRC was stripped, but not a DSMR 2.2 one', () => {
    const stripped = read('nl_dsmr50_iskra_crc_valid.txt').toString('latin1').replace('!6EEE', '!');
    expect(() => parseTelegram(stripped)).toThrow(/no CRC/);
    expect(parseTelegram(stripped, { requireCrc: false }).crc.given).toBeNull();
    expect(() => parseTelegram(read('nl_dsmr22_iskra_MT382_no_crc.txt'))).not.toThrow();
  });
});

describe('parseTelegram on a telegram built from the DSMR 5.0.2 structure (test/fixtures/dsmr)', () => {
  const file = readFileSync(new URL('../../fixtures/dsmr/nl_dsmr50_built_export_water.txt', import.meta.url));

  it('checks the CRC computed independently when the fixture was built', () => {
    const tg = parseTelegram(file);
    expect(tg.crc).toEqual({ given: '0E9F', computed: '0E9F', valid: true });
    expect(tg.manufacturer).toBe('XMX');
  });

  it('reads summer time, export, per-phase return and a water meter', () => {
    const tg = parseTelegram(file.toString('latin1'));
    expect(tg.timestamp).toBe(t('2019-06-30T12:30:15Z'));
    expect(tg.energyImport).toEqual({ byTariff: { 1: 1234.567, 2: 2345.678 }, total: 3580.245 });
    expect(tg.energyExport).toEqual({ byTariff: { 1: 123.004, 2: 456.12 }, total: 579.124 });
    expect(tg.powerDeliveredW).toBe(0);
    expect(tg.powerReturnedW).toBe(2875);
    expect(tg.phases.map((p) => p.powerReturnedW)).toEqual([958, 712, 1205]);
    expect(tg.phases.map((p) => p.voltageV)).toEqual([236.1, 235.4, 237]);
    expect(tg.phases.map((p) => p.voltageSwells)).toEqual([0, 0, 2]);
    expect(tg.powerFailureLog).toEqual([{ end: t('2019-05-12T07:30:12Z'), durationS: 4321 }]);
    expect(tg.textMessage).toBe('Hello');
    expect(tg.mbus.map((c) => [c.kind, c.reading])).toEqual([
      ['gas', { t: t('2019-06-30T12:00:00Z'), value: 2345.678, unit: 'm³' }],
      ['water', { t: t('2019-06-30T12:15:00Z'), value: 321.045, unit: 'm³' }],
    ]);
    expect(tg.lines).toHaveLength(38);
    expect(tg.warnings).toEqual([]);
  });
});

describe('parseTelegram on malformed input', () => {
  it('names what is missing', () => {
    expect(() => parseTelegram('no telegram here')).toThrow(TelegramFormatError);
    expect(() => parseTelegram('/ABC5 meter\r\n\r\n1-0:1.8.1(1*kWh)\r\n')).toThrow(/no '!'/);
  });

  it('turns unreadable lines into warnings with line numbers', () => {
    const tg = parseTelegram('/ABC5 meter\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\nrubbish\r\n!\r\n');
    expect(tg.energyImport.total).toBe(1);
    expect(tg.warnings).toEqual(['line 4: not a COSEM object line: "rubbish"']);
  });

  it('drops an M-Bus reading with a placeholder time, with a warning', () => {
    const tg = parseTelegram(
      '/ABC5 meter\r\n\r\n0-1:24.1.0(003)\r\n0-1:24.2.1(632525252525W)(00000.000)\r\n!\r\n',
    );
    expect(tg.mbus[0]).toMatchObject({ kind: 'gas', reading: null });
    expect(tg.warnings[0]).toMatch(/^line 4: M-Bus channel 1/);
  });
});
