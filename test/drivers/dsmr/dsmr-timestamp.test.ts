import { describe, expect, it } from 'vitest';
import { isEuSummerTime, parseDsmrTimestamp } from '../../../drivers/dsmr/dsmr-timestamp.ts';

describe('parseDsmrTimestamp', () => {
  it('applies the W flag as UTC+1 and the S flag as UTC+2', () => {
    expect(parseDsmrTimestamp('170102192002W')).toBe(Date.parse('2017-01-02T18:20:02Z'));
    expect(parseDsmrTimestamp('200512135409S')).toBe(Date.parse('2020-05-12T11:54:09Z'));
  });

  it('trusts the flag over the calendar (S in March, SOURCES.md e-MUCS history)', () => {
    expect(parseDsmrTimestamp('200305122139S')).toBe(Date.parse('2020-03-05T10:21:39Z'));
  });

  it('uses the EU summer-time rule when there is no flag (DSMR 2.2)', () => {
    expect(parseDsmrTimestamp('161107190000')).toBe(Date.parse('2016-11-07T18:00:00Z'));
    expect(parseDsmrTimestamp('160715120000')).toBe(Date.parse('2016-07-15T10:00:00Z'));
    // 2016-03-27 summer time starts 01:00Z; 2016-10-30 it ends 01:00Z.
    expect(parseDsmrTimestamp('160327010000')).toBe(Date.parse('2016-03-27T00:00:00Z'));
    expect(parseDsmrTimestamp('160327040000')).toBe(Date.parse('2016-03-27T02:00:00Z'));
    expect(parseDsmrTimestamp('161030040000')).toBe(Date.parse('2016-10-30T03:00:00Z'));
  });

  it('returns null for placeholders and impossible dates', () => {
    expect(parseDsmrTimestamp('632525252525W')).toBeNull();
    expect(parseDsmrTimestamp('170231120000W')).toBeNull();
    expect(parseDsmrTimestamp('')).toBeNull();
  });

  it('knows the EU summer-time window', () => {
    expect(isEuSummerTime(Date.parse('2016-03-27T00:59:59Z'))).toBe(false);
    expect(isEuSummerTime(Date.parse('2016-03-27T01:00:00Z'))).toBe(true);
    expect(isEuSummerTime(Date.parse('2016-10-30T00:59:59Z'))).toBe(true);
    expect(isEuSummerTime(Date.parse('2016-10-30T01:00:00Z'))).toBe(false);
  });
});
