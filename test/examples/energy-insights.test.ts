import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildIsolateApp } from '../../apps-sdk/src/build-app.ts';
import { checkApp } from '../../apps-sdk/src/check-app.ts';
import { runLocally } from '../../apps-sdk/src/run-locally.ts';
import { HouseholdSimulator } from '../../drivers/simulator/index.ts';
import app from '../../examples/energy-insights/src/index.ts';

const DIR = join(import.meta.dirname, '../../examples/energy-insights');
const manifest = JSON.parse(readFileSync(join(DIR, 'databox-app.json'), 'utf8'));
const MIN = 60_000;
const DAY = 86_400_000;

/** 10-minute readings: 200 W in [00:30, 07:30), 3000 W in [18:00, 19:00), else 500 W. */
function handDays(start: number, end: number): Array<{ t: number; v: number }> {
  const out = [];
  for (let t = start; t < end; t += 10 * MIN) {
    const minute = (t % DAY) / MIN;
    const v = minute >= 30 && minute < 450 ? 200 : minute >= 1080 && minute < 1140 ? 3000 : 500;
    out.push({ t, v });
  }
  return out;
}

const insight = (result: Awaited<ReturnType<typeof runLocally>>, key: string) =>
  result.insights.find((i) => i.key === key);

describe('energy-insights', () => {
  const start = Date.UTC(2024, 0, 15);
  // Two whole days and five hours of a third (which must not count).
  const power = handDays(start, start + 2 * DAY + 5 * 60 * MIN);

  it('computes daily use, peak hours and the tariff comparison at 30 min', async () => {
    const result = await runLocally(app, {
      manifest,
      data: { power },
      grant: { power: { resolution: '30min' } },
      timeZone: 'UTC', // the fixture's hours are UTC hours
    });
    expect(result.error).toBeUndefined();
    // Per day: night 7 h × 0.2 kW = 1.4, 18–19 h 3 kWh, other 16 h × 0.5 kW = 8 → 12.4 kWh.
    expect(insight(result, 'daily-use')).toMatchObject({
      value: 12.4,
      data: {
        days: [
          { date: '2024-01-15', kWh: 12.4 },
          { date: '2024-01-16', kWh: 12.4 },
        ],
      },
    });
    // Hour 0 and 7 average 350 W, 1–6 200 W, 18 3000 W, the rest 500 W; ties by hour.
    expect(insight(result, 'peak-hours')?.data).toMatchObject({ peak: [18, 8, 9] });
    // Flat: 2 × (12.4 × 24.5 + 60) = 727.6 p; day/night: 2 × (1.4 × 13 + 11 × 28 + 60) = 772.4 p.
    expect(insight(result, 'tariff')).toMatchObject({
      value: -0.45,
      data: { flatPence: 727.6, dayNightPence: 772.4, nightShare: 0.1129 },
    });
    expect(result.exports).toEqual([]);
  });

  it('approximates the night window at 1 h', async () => {
    const result = await runLocally(app, {
      manifest,
      data: { power },
      grant: { power: { resolution: '1h' } },
      timeZone: 'UTC', // the fixture's night window is in UTC hours
    });
    // 00:00 bucket (350 W) counts as day, 07:00 (350 W) as night: night 1.2 + 0.35 = 1.55 kWh/day;
    // 2 × (1.55 × 13 + 10.85 × 28 + 60) = 767.9 p.
    expect(insight(result, 'tariff')?.data).toMatchObject({ flatPence: 727.6, dayNightPence: 767.9 });
    expect(insight(result, 'daily-use')?.value).toBe(12.4);
  });

  it('gives only daily use at 1 d', async () => {
    const result = await runLocally(app, {
      manifest,
      data: { power },
      grant: { power: { resolution: '1d' } },
      timeZone: 'UTC', // the fixture's night window is in UTC hours
    });
    expect(result.insights.map((i) => i.key)).toEqual(['daily-use']);
    expect(insight(result, 'daily-use')?.value).toBe(12.4);
    expect(result.logs[0].message).toMatch(/need 1h or finer/);
  });

  it('exports a whole month once, remembering it in kv', async () => {
    const flat = [];
    // every 10 minutes: three readings a 30 min bucket, enough to be served
    for (let t = Date.UTC(2023, 11, 28); t < Date.UTC(2024, 1, 3); t += 10 * MIN) flat.push({ t, v: 1000 });
    const options = { manifest, data: { power: flat }, grant: { power: { resolution: '30min' as const } } };
    const first = await runLocally(app, options);
    // January: 31 days × 24 h × 1 kW; December is not whole.
    expect(first.exports.map((e) => e.payload)).toEqual([{ month: '2024-01', kWh: 744 }]);
    expect(first.kv).toEqual({ lastExportedMonth: '2024-01' });
    const second = await runLocally(app, { ...options, kv: first.kv });
    expect(second.exports).toEqual([]);
  });

  it('finishes ok when the householder declined the export, and sends the month once approved', async () => {
    const flat = [];
    for (let t = Date.UTC(2023, 11, 28); t < Date.UTC(2024, 1, 3); t += 10 * MIN) flat.push({ t, v: 1000 });
    const options = { manifest, data: { power: flat }, grant: { power: { resolution: '30min' as const } } };
    const declined = await runLocally(app, { ...options, approve: [] });
    expect(declined.status).toBe('ok');
    expect(declined.error).toBeUndefined();
    expect(declined.insights.map((i) => i.key)).toEqual(['daily-use', 'peak-hours', 'tariff']);
    expect(declined.exports).toEqual([]);
    expect(declined.logs.map((l) => l.message)).toContain(
      'monthly-summary is not approved: 2024-01 was not sent',
    );
    // not marked as sent: approving later sends it
    expect(declined.kv).toEqual({});
    const approved = await runLocally(app, { ...options, kv: declined.kv });
    expect(approved.exports.map((e) => e.payload)).toEqual([{ month: '2024-01', kWh: 744 }]);
  });

  it("agrees with the simulator's own energy counter", async () => {
    const sim = new HouseholdSimulator({ seed: 7 });
    const from = Date.UTC(2024, 2, 4);
    const to = from + 3 * DAY + 1;
    const series: Record<string, Array<{ t: number; v: number }>> = { 'sim.power': [], 'sim.energy': [] };
    for (const batch of sim.batches(from, to, { batchSize: 50_000 }))
      if (batch.sourceId in series) series[batch.sourceId].push(...batch.readings);
    const result = await runLocally(app, {
      manifest,
      data: { power: series['sim.power'] },
      grant: { power: { resolution: '30min' } },
      timeZone: 'UTC', // the counter is read at UTC midnights
    });
    const counter = new Map(series['sim.energy'].map((r) => [r.t, r.v]));
    const days =
      (insight(result, 'daily-use')?.data as { days: Array<{ kWh: number }> } | undefined)?.days ?? [];
    expect(days).toHaveLength(3);
    days.forEach((d, i) => {
      const used = counter.get(from + (i + 1) * DAY)! - counter.get(from + i * DAY)!;
      expect(d.kWh).toBeCloseTo(used, 2);
    });
  });

  it('names local hours when the zone is shared, UTC hours labelled (UTC) when declined', async () => {
    // the same fixture, 3000 W at 18:00–19:00 UTC, seen from Asia/Kolkata (+05:30): 23:30–00:30
    const options = { manifest, data: { power }, grant: { power: { resolution: '30min' as const } } };
    const shared = await runLocally(app, { ...options, timeZone: 'Asia/Kolkata' });
    expect(shared.status).toBe('ok');
    const peak = insight(shared, 'peak-hours');
    // a 30 min bucket counts in the local hour of its middle: 23:00 local holds the buckets of
    // 17:30 (500 W) and 18:00 UTC (3000 W), 00:00 local those of 18:30 (3000 W) and 19:00 (500 W):
    // a tie (1750 W) broken by the hour; then 500 W hours, the first being 01:00
    expect(peak?.data).toMatchObject({ peak: [0, 23, 1], timeZone: 'Asia/Kolkata' });
    expect(peak?.summary).toBe('You use most between 00:00, 23:00, 01:00 (Asia/Kolkata)');
    const declined = await runLocally(app, { ...options, timeZone: 'Asia/Kolkata', shareTimeZone: false });
    expect(declined.status).toBe('ok');
    expect(insight(declined, 'peak-hours')?.summary).toBe('You use most between 18:00, 08:00, 09:00 (UTC)');
  });

  it('passes checkApp once built, as a small neutral bundle', async () => {
    const { bytes } = await buildIsolateApp(DIR);
    expect(bytes).toBeLessThan(30_000);
    expect(await checkApp(DIR)).toMatchObject({ ok: true, errors: [] });
  });
});
