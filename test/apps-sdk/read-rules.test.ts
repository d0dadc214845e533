import { describe, expect, it } from 'vitest';
import { AppApiError } from '../../apps-sdk/src/app-api-error.ts';
import { planRead, type ReadGrant } from '../../apps-sdk/src/read-rules.ts';

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
      to: now,
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
    expect(plan.to).toBe(now);
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
});
