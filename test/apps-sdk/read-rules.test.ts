import { describe, expect, it } from 'vitest';
import { AppApiError } from '../../apps-sdk/src/app-api-error.ts';
import {
  MIN_READINGS_PER_BUCKET,
  planRead,
  type ReadGrant,
  ReadRuleError,
  readRulesText,
  servePoints,
} from '../../apps-sdk/src/read-rules.ts';

const DAY = 86_400_000;
const grant: ReadGrant = {
  request: 'power',
  resolution: '30min',
  historyMs: 7 * DAY,
  aggregates: ['max'],
  valueType: 'gauge',
};

describe('planRead', () => {
  const now = Date.UTC(2024, 5, 10, 12, 10); // not on a bucket boundary

  it('defaults to the granted resolution, mean for gauges and the whole window', () => {
    const plan = planRead(grant, {}, now);
    // now − 7 d = 3 June 12:10 → first whole 30 min bucket at 12:30
    expect(plan).toEqual({
      resolution: '30min',
      aggregate: 'mean',
      from: Date.UTC(2024, 5, 3, 12, 30),
      to: Date.UTC(2024, 5, 10, 12, 0), // the 12:00 bucket is still filling
    });
  });

  it('uses delta for counters', () => {
    expect(planRead({ ...grant, valueType: 'counter' }, {}, now).aggregate).toBe('delta');
  });

  it('refuses a finer resolution with the contract message', () => {
    expect(() => planRead(grant, { resolution: '1min' }, now)).toThrow(
      'resolution 1min is finer than the granted 30min',
    );
    try {
      planRead(grant, { resolution: 'raw' }, now);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppApiError);
      expect((error as AppApiError).code).toBe('forbidden');
    }
  });

  it('allows coarser resolutions and declared aggregates only', () => {
    expect(planRead(grant, { resolution: '1d', aggregate: 'max' }, now).resolution).toBe('1d');
    expect(() => planRead(grant, { aggregate: 'min' }, now)).toThrow(
      /aggregate min was not declared.*mean, max/,
    );
  });

  it('clips the window to the history and to now', () => {
    const plan = planRead(grant, { from: 0, to: now + DAY, resolution: '1d' }, now);
    expect(plan.from).toBe(Date.UTC(2024, 5, 4));
    expect(plan.to).toBe(Date.UTC(2024, 5, 10));
    const inside = planRead(grant, { from: Date.UTC(2024, 5, 8), to: Date.UTC(2024, 5, 9) }, now);
    expect([inside.from, inside.to]).toEqual([Date.UTC(2024, 5, 8), Date.UTC(2024, 5, 9)]);
  });

  it('gives raw reads no aggregate and keeps an unaligned from', () => {
    const plan = planRead({ ...grant, resolution: 'raw' }, {}, now);
    expect(plan).toEqual({ resolution: 'raw', aggregate: null, from: now - 7 * DAY, to: now });
  });

  it('returns an empty window for a read wholly before the history, and refuses from > to', () => {
    const plan = planRead(grant, { from: 0, to: DAY }, now);
    expect(plan.to - plan.from).toBeLessThanOrEqual(0);
    expect(() => planRead(grant, { from: 10, to: 5 }, now)).toThrow(/from \(10\) is after to \(5\)/);
  });

  it('serves closed buckets only: the bucket holding now, or holding an app-chosen to, is cut off', () => {
    const onBoundary = Date.UTC(2024, 5, 10, 12, 30);
    expect(planRead(grant, {}, onBoundary).to).toBe(onBoundary); // [12:00, 12:30) is closed
    expect(planRead(grant, {}, onBoundary + 1).to).toBe(onBoundary);
    // the app cannot move the boundary: a `to` inside a bucket ends the window at that bucket's start
    const to = Date.UTC(2024, 5, 9, 7, 45);
    expect(planRead(grant, { to }, now).to).toBe(Date.UTC(2024, 5, 9, 7, 30));
    expect(planRead(grant, { resolution: '1d', to }, now).to).toBe(Date.UTC(2024, 5, 9));
    // the day of `now` is not served at 1d: nothing of today is
    const today = planRead({ ...grant, resolution: '1d' }, { from: Date.UTC(2024, 5, 10) }, now);
    expect(today.to - today.from).toBe(0);
  });

  it('leaves raw grants raw: reads end at now at any resolution', () => {
    const raw = { ...grant, resolution: 'raw' as const };
    expect(planRead(raw, { resolution: '1d' }, now).to).toBe(now);
    expect(servePoints(raw, [{ t: 0, v: 1, n: 1 }])).toEqual([{ t: 0, v: 1, n: 1 }]);
  });

  it('names the rule that refused a read', () => {
    const rule = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof ReadRuleError ? error.rule : 'other';
      }
      return 'none';
    };
    expect(rule(() => planRead(grant, { resolution: '1min' }, now))).toBe('finer_resolution');
    expect(rule(() => planRead(grant, { aggregate: 'sum' }, now))).toBe('undeclared_aggregate');
    expect(rule(() => planRead(grant, { from: 2, to: 1 }, now))).toBe('bad_window');
  });
});

describe('servePoints', () => {
  const points = [
    { t: 0, v: 2, n: 12 },
    { t: 1, v: 5, n: MIN_READINGS_PER_BUCKET - 1 },
    { t: 2, v: 7, n: MIN_READINGS_PER_BUCKET },
    { t: 3, v: 9 }, // count unknown
  ];

  it('withholds sparse buckets and gives n only when count was declared', () => {
    expect(servePoints(grant, points)).toEqual([
      { t: 0, v: 2 },
      { t: 2, v: 7 },
    ]);
    expect(servePoints({ ...grant, aggregates: ['count'] }, points)).toEqual([
      { t: 0, v: 2, n: 12 },
      { t: 2, v: 7, n: MIN_READINGS_PER_BUCKET },
    ]);
  });

  it('says so in words for the consent screen and receipt', () => {
    expect(readRulesText(grant)).toContain('Closed 30min buckets only');
    expect(readRulesText(grant)).toContain(`fewer than ${MIN_READINGS_PER_BUCKET} readings are withheld`);
    expect(readRulesText(grant)).toContain('without the number of readings');
    expect(readRulesText({ ...grant, aggregates: ['count'] })).toContain('with the number of readings');
    expect(readRulesText({ ...grant, resolution: 'raw' })).toContain('Raw readings');
  });
});
