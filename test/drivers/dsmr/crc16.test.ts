import { describe, expect, it } from 'vitest';
import { crc16, formatCrc16 } from '../../../drivers/dsmr/crc16.ts';
import { describeWithSharedFixtures, readSharedFixture } from '../../helpers/shared-fixtures.ts';

/** The bytes a P1 CRC covers: from `/` through `!`. */
function crcBody(file: Buffer): Buffer {
  return file.subarray(file.indexOf('/'), file.indexOf('!') + 1);
}

describe('crc16', () => {
  it('gives the published CRC-16/ARC check value for "123456789"', () => {
    expect(crc16('123456789')).toBe(0xbb3d);
    expect(crc16(Buffer.from('123456789'))).toBe(0xbb3d);
  });

  it('is 0 for no bytes and formats as 4 upper-case hex digits', () => {
    expect(crc16('')).toBe(0);
    expect(formatCrc16(0xa)).toBe('000A');
    expect(formatCrc16(0x6eee)).toBe('6EEE');
  });
});

describeWithSharedFixtures('crc16 on real telegrams (SOURCES.md CRC table)', () => {
  it.each([
    ['dsmr/nl_dsmr42_kaifa_crc_valid.txt', '6796'],
    ['dsmr/nl_dsmr50_iskra_crc_valid.txt', '6EEE'],
    ['dsmr/be_emucs_fluvius_v171_crc_valid.txt', '3AD7'],
    ['dsmr/nl_dsmr502_spec_example_crc_mismatch.txt', 'E47C'],
  ])('%s computes %s', (file, expected) => {
    expect(formatCrc16(crc16(crcBody(readSharedFixture(file))))).toBe(expected);
  });
});
