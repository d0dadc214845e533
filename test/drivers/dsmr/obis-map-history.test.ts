import { expect, it } from 'vitest';
import { mapTelegram } from '../../../drivers/dsmr/obis-map.ts';
import { parseTelegram } from '../../../drivers/dsmr/telegram-parser.ts';
import { describeWithSharedFixtures, readSharedFixture } from '../../helpers/shared-fixtures.ts';

describeWithSharedFixtures('DSMR power-failure log and repeated history', () => {
  it('maps each power-failure log entry to a reading at its end, valued its duration (spec example)', () => {
    // DSMR 5.0.2 §6.12 example: 1-0:99.97.0(2)(0-0:96.7.19)(101208152415W)(0000000240*s)(101208151004W)(0000000301*s)
    const text = readSharedFixture('dsmr/nl_dsmr502_spec_example_crc_mismatch.txt').toString('latin1');
    const { history, datasources } = mapTelegram(parseTelegram(text, { requireCrc: false }));
    expect(history).toEqual([
      { sourceId: 'p1.power-failures.log', t: Date.parse('2010-12-08T15:24:15+01:00'), v: 240 },
      { sourceId: 'p1.power-failures.log', t: Date.parse('2010-12-08T15:10:04+01:00'), v: 301 },
    ]);
    expect(datasources.find((d) => d.id === 'p1.power-failures.log')).toMatchObject({
      kind: 'electricity.power-failure',
      unit: 's',
      valueType: 'gauge',
    });
  });
});
