import { describe, expect, it } from 'vitest';
import { durationMs, isDuration } from '../../apps-sdk/src/duration.ts';
import {
  bucketStart,
  coarsestCommon,
  finestOf,
  grantResolutionError,
  isFinerThan,
  toGrantResolution,
} from '../../apps-sdk/src/resolution.ts';

describe('resolutions', () => {
  it('orders raw < 10s < 1min < … < 1d', () => {
    expect(isFinerThan('raw', '10s')).toBe(true);
    expect(isFinerThan('10s', '1min')).toBe(true);
    expect(isFinerThan('30min', '1h')).toBe(true);
    expect(isFinerThan('1d', '1h')).toBe(false);
    expect(isFinerThan('1h', '1h')).toBe(false);
  });

  it('finds the coarsest and finest of a list', () => {
    expect(coarsestCommon('1min', '30min', '5min')).toBe('30min');
    expect(finestOf(['30min', '1min', '1h'])).toBe('1min');
    expect(() => coarsestCommon()).toThrow();
  });

  it('grants 10s as raw and never finer than asked', () => {
    expect(toGrantResolution('10s')).toBe('raw');
    expect(grantResolutionError('10s', 'raw')).toBeNull();
    expect(grantResolutionError('1min', '1h')).toBeNull();
    expect(grantResolutionError('30min', '30min')).toBeNull();
    expect(grantResolutionError('30min', '1min')).toBe(
      'resolution 1min is finer than the 30min the app asked for',
    );
    expect(grantResolutionError('1min', 'raw')).toMatch(/finer/);
    expect(grantResolutionError('1min', '10s')).toMatch(/not one the box can grant/);
  });

  it('aligns buckets to the epoch in UTC', () => {
    expect(bucketStart(Date.UTC(2024, 2, 31, 10, 47, 12), '30min')).toBe(Date.UTC(2024, 2, 31, 10, 30));
    expect(bucketStart(Date.UTC(2024, 2, 31, 23, 59), '1d')).toBe(Date.UTC(2024, 2, 31));
    expect(bucketStart(Date.UTC(2024, 2, 31, 10, 30), '30min')).toBe(Date.UTC(2024, 2, 31, 10, 30));
  });

  it('parses ISO durations with fixed calendar units', () => {
    expect(durationMs('P90D')).toBe(90 * 86_400_000);
    expect(durationMs('PT30M')).toBe(1_800_000);
    expect(durationMs('P1Y')).toBe(365 * 86_400_000);
    expect(durationMs('P1DT1H')).toBe(90_000_000);
    expect(isDuration('P')).toBe(false);
    expect(() => durationMs('90 days')).toThrow(/not an ISO 8601 duration/);
  });
});
