import { describe, expect, it } from 'vitest';
import { checkTimeZone, localBucketBounds } from '../../apps-sdk/src/local-buckets.ts';
import type { GrantResolution } from '../../apps-sdk/src/resolution.ts';
import { localBuckets } from '../../box/arbiter/local-buckets.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GRANTS: GrantResolution[] = ['raw', '1min', '15min', '30min', '1h', '1d'];

/** Windows around `centre`: starts and lengths on odd minutes too, so no case lines up by luck. */
function windows(centre: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let start = centre - 3 * DAY; start < centre + DAY; start += 7 * HOUR + 13 * 60_000)
    for (const length of [0, 50 * 60_000, 5 * HOUR, DAY + 7 * 60_000, 4 * DAY])
      out.push([start, start + length]);
  return out;
}

describe("the SDK's local buckets are the arbiter's (apps-sdk/src/local-buckets.ts vs box/arbiter/local-buckets.ts)", () => {
  const cases: Array<[string, number]> = [
    ['Europe/Amsterdam', Date.UTC(2026, 9, 25)], // 25-hour day
    ['Europe/Amsterdam', Date.UTC(2026, 2, 29)], // 23-hour day
    ['Asia/Kolkata', Date.UTC(2026, 4, 2)], // +05:30
    ['Asia/Kathmandu', Date.UTC(2026, 4, 2)], // +05:45
    ['UTC', Date.UTC(2026, 0, 1)],
  ];
  for (const [zone, centre] of cases)
    it(`${zone} around ${new Date(centre).toISOString().slice(0, 10)}: every grant, 1h and 1d, closed and open`, () => {
      let compared = 0;
      for (const granted of GRANTS)
        for (const resolution of ['1h', '1d'] as const)
          for (const closedOnly of [true, false])
            for (const [from, to] of windows(centre)) {
              const box = localBuckets(zone, granted, resolution, from, to, closedOnly).bounds;
              const sdk = localBucketBounds(zone, granted, resolution, from, to, closedOnly);
              expect(sdk, `${granted} ${resolution} ${closedOnly} [${from}, ${to}]`).toEqual(box);
              if (box.length > 0) compared++;
            }
      expect(compared).toBeGreaterThan(500);
    });

  it('gives the 25-hour Amsterdam day, and Kathmandu days moved back onto a 30min grid', () => {
    const from = Date.UTC(2026, 9, 24);
    const to = Date.UTC(2026, 9, 27);
    expect(localBucketBounds('Europe/Amsterdam', '1h', '1d', from, to, true)).toEqual([
      Date.UTC(2026, 9, 24, 22), // 25 Oct 00:00 CEST
      Date.UTC(2026, 9, 25, 23), // 26 Oct 00:00 CET, 25 hours later
      Date.UTC(2026, 9, 26, 23), // 27 Oct 00:00 CET: `to` is 01:00 CET, so the 26th is closed
    ]);
    // Kathmandu midnight is 18:15 UTC; a 30min grant gets days from 18:00 UTC (23:45 local)
    expect(localBucketBounds('Asia/Kathmandu', '30min', '1d', from, to, true)).toEqual([
      Date.UTC(2026, 9, 24, 18),
      Date.UTC(2026, 9, 25, 18),
      Date.UTC(2026, 9, 26, 18),
    ]);
    expect(localBucketBounds('Asia/Kathmandu', '15min', '1d', from, to, true)[0]).toBe(
      Date.UTC(2026, 9, 24, 18, 15),
    );
  });

  it('refuses an unknown zone by name', () => {
    expect(() => checkTimeZone('Mars/Olympus')).toThrow(
      'timeZone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/Amsterdam, Asia/Kolkata)',
    );
    expect(checkTimeZone('Asia/Kathmandu')).toBe('Asia/Kathmandu');
  });
});
