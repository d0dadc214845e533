import { beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../box/errors.ts';
import { parseConsumptionApiJson } from '../../../drivers/octopus/consumption-api.ts';
import { gaps } from '../../../drivers/octopus/gaps.ts';
import { describeWithSharedFixtures, readSharedFixture } from '../../helpers/shared-fixtures.ts';

const HALF_HOUR = 30 * 60_000;

describeWithSharedFixtures('parseConsumptionApiJson on the real page (SOURCES.md §3)', () => {
  // read in beforeAll: a describe body runs even when the block is skipped (no ../shared)
  let text = '';
  beforeAll(() => {
    text = readSharedFixture('octopus/octopus_api_electricity_consumption_page1.json').toString('utf8');
  });

  it('reads 99 results, sorted oldest first, with next and count', () => {
    const page = parseConsumptionApiJson(text);
    expect(page.errors).toEqual([]);
    expect(page.readings).toHaveLength(99);
    expect(page.count).toBe(240);
    expect(page.next).toMatch(/consumption\/\?page=2$/);
    expect(page.readings[0].start).toBe(Date.parse('2020-05-04T22:30:00+01:00'));
    expect(page.readings[98]).toEqual({
      start: Date.parse('2020-05-08T00:00:00+01:00'),
      end: Date.parse('2020-05-08T00:30:00+01:00'),
      kWh: 1.836,
    });
    for (let i = 1; i < page.readings.length; i++) {
      expect(page.readings[i].start).toBeGreaterThan(page.readings[i - 1].start);
    }
  });

  it('sums to 24.774 kWh with the local-date totals of SOURCES.md', () => {
    const { readings } = parseConsumptionApiJson(JSON.parse(text));
    // Integer Wh sums avoid float drift; the offsets are all +01:00 (BST).
    const wh = (kWh: number) => Math.round(kWh * 1000);
    expect(readings.reduce((a, r) => a + wh(r.kWh), 0)).toBe(24_774);
    expect(Math.max(...readings.map((r) => r.kWh))).toBe(1.836);
    const days = new Map<string, { wh: number; n: number }>();
    for (const r of readings) {
      const day = new Date(r.start + 3_600_000).toISOString().slice(5, 10);
      const d = days.get(day) ?? { wh: 0, n: 0 };
      d.wh += wh(r.kWh);
      d.n++;
      days.set(day, d);
    }
    expect(Object.fromEntries(days)).toEqual({
      '05-04': { wh: 1333, n: 3 },
      '05-05': { wh: 950, n: 1 },
      '05-06': { wh: 9937, n: 46 },
      '05-07': { wh: 10718, n: 48 },
      '05-08': { wh: 1836, n: 1 },
    });
  });

  it('finds the two gaps: a missing day and 2020-05-06T11:30', () => {
    const { readings } = parseConsumptionApiJson(text);
    expect(gaps(readings, HALF_HOUR)).toEqual([
      {
        start: Date.parse('2020-05-05T00:30:00+01:00'),
        end: Date.parse('2020-05-06T00:30:00+01:00'),
        missing: 48,
      },
      {
        start: Date.parse('2020-05-06T11:30:00+01:00'),
        end: Date.parse('2020-05-06T12:00:00+01:00'),
        missing: 1,
      },
    ]);
  });
});

describe('parseConsumptionApiJson on bad input', () => {
  it('reports bad results by index and keeps the good ones', () => {
    const page = parseConsumptionApiJson({
      count: 4,
      next: null,
      results: [
        { consumption: 0.5, interval_start: '2020-01-01T00:30:00Z', interval_end: '2020-01-01T01:00:00Z' },
        { consumption: '0.2', interval_start: '2020-01-01T00:00:00Z', interval_end: '2020-01-01T00:30:00Z' },
        { consumption: 0.1, interval_start: '2020-01-01 01:00', interval_end: '2020-01-01T01:30:00Z' },
        { consumption: 0.4, interval_start: '2020-01-01T00:30:00Z', interval_end: '2020-01-01T01:00:00Z' },
      ],
    });
    expect(page.readings).toEqual([
      { start: Date.parse('2020-01-01T00:30:00Z'), end: Date.parse('2020-01-01T01:00:00Z'), kWh: 0.5 },
    ]);
    expect(page.errors.map((e) => e.path)).toEqual([
      'results[1].consumption',
      'results[2].interval_start',
      'results[3]',
    ]);
    expect(page.errors[2].message).toBe('duplicate interval start');
    expect(page.next).toBeNull();
  });

  it('throws a BadRequestError for non-JSON or a body without results', () => {
    expect(() => parseConsumptionApiJson('{oops')).toThrow(BadRequestError);
    expect(() =>
      parseConsumptionApiJson({ detail: 'Authentication credentials were not provided.' }),
    ).toThrow(/does not look like a consumption page/);
  });
});

describe('gaps', () => {
  it('lists nothing for contiguous or overlapping readings and rejects a bad interval', () => {
    const r = (start: number, end: number) => ({ start, end, kWh: 0 });
    expect(gaps([], HALF_HOUR)).toEqual([]);
    expect(gaps([r(HALF_HOUR, 2 * HALF_HOUR), r(0, HALF_HOUR), r(0, 2 * HALF_HOUR)], HALF_HOUR)).toEqual([]);
    expect(gaps([r(0, HALF_HOUR), r(4 * HALF_HOUR, 5 * HALF_HOUR)], HALF_HOUR)).toEqual([
      { start: HALF_HOUR, end: 4 * HALF_HOUR, missing: 3 },
    ]);
    expect(() => gaps([], 0)).toThrow(RangeError);
  });
});
