import { describe, expect, it } from 'vitest';
import { defineApp } from '../../apps-sdk/src/define-app.ts';
import { createLocalBox, runLocally } from '../../apps-sdk/src/run-locally.ts';

const HOUR = 3_600_000;
const STEP = 10 * 60_000;

const manifest = {
  id: 'zone-test',
  name: 'Zone test',
  version: '0.1.0',
  description: 'reads local days',
  author: 'me',
  runtime: { type: 'isolate', entry: 'dist/app.js' },
  requests: [
    {
      name: 'power',
      kind: 'electricity.import.power',
      resolutions: [
        { resolution: '30min', purpose: 'half hours' },
        { resolution: '1d', purpose: 'days' },
      ],
      history: 'P7D',
    },
  ],
  insights: [],
  exports: [],
};

/** 10-minute readings over `[from, to)`, values from a small LCG so every bucket differs. */
function readings(from: number, to: number) {
  const out: Array<{ t: number; v: number }> = [];
  let s = 7;
  for (let t = from; t < to; t += STEP) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out.push({ t, v: 100 + (s % 900) });
  }
  return out;
}

/** The naive model: the mean of the raw readings in `[a, b)`. */
const mean = (raw: Array<{ t: number; v: number }>, a: number, b: number) => {
  const span = raw.filter((r) => r.t >= a && r.t < b);
  return span.reduce((x, r) => x + r.v, 0) / span.length;
};

const dayReader = defineApp(async (ctx) => {
  await ctx.data.read('power', { resolution: '1d' });
});

describe('runLocally serves 1h and 1d buckets on the local hours and days of timeZone, as the box does', () => {
  it('Europe/Amsterdam, 1d grant: local midnights, a 25-hour 25 October, the day still filling withheld', async () => {
    const raw = readings(Date.UTC(2026, 9, 21), Date.UTC(2026, 9, 28, 10, 30));
    const now = Date.UTC(2026, 9, 28, 10, 30); // 11:30 CET
    const result = await runLocally(dayReader, {
      manifest,
      data: { power: raw },
      grant: { power: { resolution: '1d' } },
      now,
      timeZone: 'Europe/Amsterdam',
    });
    expect(result.status, result.error).toBe('ok');
    const [read] = result.reads;
    // [now - 7 d, now) starts at 11:30 on the 21st: whole local days 22 to 27 October
    expect(read.points.map((p) => p.t)).toEqual([
      Date.UTC(2026, 9, 21, 22),
      Date.UTC(2026, 9, 22, 22),
      Date.UTC(2026, 9, 23, 22),
      Date.UTC(2026, 9, 24, 22), // 25 Oct 00:00 CEST …
      Date.UTC(2026, 9, 25, 23), // … 26 Oct 00:00 CET: 25 hours
      Date.UTC(2026, 9, 26, 23),
    ]);
    expect(read.from).toBe(Date.UTC(2026, 9, 21, 22));
    expect(read.to).toBe(Date.UTC(2026, 9, 27, 23));
    read.points.forEach((p, i) => {
      const end = read.points[i + 1]?.t ?? read.to;
      expect(p.v).toBeCloseTo(mean(raw, p.t, end), 9);
    });
  });

  it('Asia/Kathmandu (+05:45), 30min grant: days start at 23:45 local, on the granted grid', async () => {
    const raw = readings(Date.UTC(2026, 4, 1), Date.UTC(2026, 4, 4, 6));
    const now = Date.UTC(2026, 4, 4, 6);
    const result = await runLocally(dayReader, {
      manifest,
      data: { power: raw },
      grant: { power: { resolution: '30min', history: 'P3D' } },
      now,
      timeZone: 'Asia/Kathmandu',
    });
    const days = result.reads[0].points;
    // local midnight is 18:15 UTC, not on a 30-minute grid: the box moves it back to 18:00
    expect(days.map((p) => new Date(p.t).toISOString())).toEqual([
      '2026-05-01T18:00:00.000Z',
      '2026-05-02T18:00:00.000Z',
    ]);
    for (const p of days) expect(p.v).toBeCloseTo(mean(raw, p.t, p.t + 24 * HOUR), 9);
  });

  it('Asia/Kolkata: the same data in UTC and in +05:30 gives different days; the default is this machine', async () => {
    const raw = readings(Date.UTC(2026, 4, 1), Date.UTC(2026, 4, 4));
    const options = { manifest, data: { power: raw }, grant: { power: { resolution: '1d' as const } } };
    const kolkata = await runLocally(dayReader, { ...options, timeZone: 'Asia/Kolkata' });
    const utc = await runLocally(dayReader, { ...options, timeZone: 'UTC' });
    // now is just after the newest reading (23:50 UTC on 3 May): the local day holding it is open
    const starts = (r: typeof utc) => r.reads[0].points.map((p) => new Date(p.t).toISOString());
    expect(starts(kolkata)).toEqual([
      '2026-04-30T18:30:00.000Z', // 1 May local, data from 05:30
      '2026-05-01T18:30:00.000Z',
      '2026-05-02T18:30:00.000Z', // 3 May local ends at 18:30 UTC, before now
    ]);
    expect(starts(utc)).toEqual(['2026-05-01T00:00:00.000Z', '2026-05-02T00:00:00.000Z']);
    expect(createLocalBox(options).timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(() => createLocalBox({ ...options, timeZone: 'Europe/Atlantis' })).toThrow(
      'timeZone: "Europe/Atlantis" is not an IANA time zone',
    );
  });
});

describe('ctx.timeZone() in runLocally', () => {
  const probe = defineApp(async (ctx) => {
    await ctx.log.info(String(await ctx.timeZone()));
  });
  const seen = async (extra: Record<string, unknown>, options: { shareTimeZone?: boolean } = {}) => {
    const result = await runLocally(probe, {
      manifest: { ...manifest, ...extra },
      data: { power: [] },
      grant: { power: { resolution: '1d' } },
      timeZone: 'Asia/Kathmandu',
      ...options,
    });
    expect(result.status).toBe('ok');
    return result.logs[0].message;
  };

  it('gives the simulated box zone only to an app that asks, unless declined', async () => {
    const asks = { timeZone: { reason: 'to say evening' } };
    expect(await seen(asks)).toBe('Asia/Kathmandu');
    expect(await seen(asks, { shareTimeZone: false })).toBe('null');
    // not asked for: nothing, whatever the option says
    expect(await seen({}, { shareTimeZone: true })).toBe('null');
  });

  it('refuses a time zone request without a reason, naming the field', async () => {
    const { validateManifest } = await import('../../apps-sdk/src/manifest.ts');
    const result = validateManifest({ ...manifest, timeZone: { reason: ' ' } });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([{ path: 'timeZone.reason', message: 'must not be empty' }]);
  });
});
