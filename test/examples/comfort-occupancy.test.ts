import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLocally } from '../../apps-sdk/src/run-locally.ts';
import { HouseholdSimulator } from '../../drivers/simulator/index.ts';
import app from '../../examples/comfort-occupancy/src/index.ts';

const DIR = join(import.meta.dirname, '../../examples/comfort-occupancy');
const manifest = JSON.parse(readFileSync(join(DIR, 'databox-app.json'), 'utf8'));
const DAY0 = Date.UTC(2024, 0, 10);
const MIN = 60_000;

/** One-minute series over a day from a function of the minute of the day. */
function minutes(f: (minute: number) => number): Array<{ t: number; v: number }> {
  return Array.from({ length: 1440 }, (_, m) => ({ t: DAY0 + m * MIN, v: f(m) }));
}

// Occupied 06:00–09:00 and 17:00–23:00.
const occupancy = minutes((m) => ((m >= 360 && m < 540) || (m >= 1020 && m < 1380) ? 1 : 0));
// 16 °C until 07:00, 20 °C until 17:00, 17 °C until 18:00, 21 °C, but 17 °C in 22:30–23:00.
const temperature = minutes((m) =>
  m < 420 ? 16 : m < 1020 ? 20 : m < 1080 ? 17 : m >= 1350 && m < 1380 ? 17 : 21,
);

describe('comfort-occupancy', () => {
  const data = { temperature, occupancy };

  it('counts cold occupied quarter-hours at 15 min', async () => {
    const result = await runLocally(app, {
      manifest,
      data,
      grant: { temperature: { resolution: '15min' }, occupancy: { resolution: '15min' } },
      now: DAY0 + 1440 * MIN,
      timeZone: 'UTC', // the fixture's hours are UTC hours
    });
    expect(result.error).toBeUndefined();
    // 06:00–07:00 (1 h) + 17:00–18:00 (1 h) + 22:30–23:00 (0.5 h).
    expect(result.insights[0]).toMatchObject({
      key: 'cold-occupied-hours',
      value: 2.5,
      data: { thresholdC: 18, resolution: '15min', days: { '2024-01-10': 2.5 } },
    });
  });

  it('counts per local day when the zone is shared, per UTC day labelled (UTC) when declined', async () => {
    const options = {
      manifest,
      data,
      grant: { temperature: { resolution: '15min' as const }, occupancy: { resolution: '15min' as const } },
      now: DAY0 + 1440 * MIN,
      timeZone: 'Asia/Kolkata',
    };
    const shared = await runLocally(app, options);
    expect(shared.status).toBe('ok');
    // +05:30: 06:00–07:00 and 17:00–18:00 UTC are 11:30–12:30 and 22:30–23:30 on the 10th,
    // 22:30–23:00 UTC is 04:00–04:30 on the 11th
    expect(shared.insights[0]).toMatchObject({
      value: 2.5,
      data: { days: { '2024-01-10': 2, '2024-01-11': 0.5 }, timeZone: 'Asia/Kolkata' },
    });
    expect(shared.insights[0].summary).toMatch(/days \(Asia\/Kolkata\)\)$/);
    const declined = await runLocally(app, { ...options, shareTimeZone: false });
    expect(declined.status).toBe('ok');
    expect(declined.insights[0]).toMatchObject({ data: { days: { '2024-01-10': 2.5 }, timeZone: 'UTC' } });
    expect(declined.insights[0].summary).toMatch(/days \(UTC\)\)$/);
  });

  it('reads both at the coarser grant, where the cold half hour averages out', async () => {
    const result = await runLocally(app, {
      manifest,
      data,
      grant: { temperature: { resolution: '15min' }, occupancy: { resolution: '1h' } },
      now: DAY0 + 1440 * MIN,
      timeZone: 'UTC', // the fixture's hours are UTC hours
    });
    // The 22:00 hour averages (21 × 30 + 17 × 30) / 60 = 19 °C: not cold.
    expect(result.reads.map((r) => r.resolution)).toEqual(['1h', '1h']);
    expect(result.insights[0]).toMatchObject({ value: 2, data: { resolution: '1h' } });
  });

  it('uses the threshold from kv', async () => {
    const result = await runLocally(app, {
      manifest,
      data,
      grant: { temperature: { resolution: '15min' }, occupancy: { resolution: '15min' } },
      now: DAY0 + 1440 * MIN,
      kv: { thresholdC: 16.5 },
    });
    // Only 06:00–07:00 at 16 °C is below 16.5 °C.
    expect(result.insights[0]).toMatchObject({ value: 1, data: { thresholdC: 16.5 } });
  });

  it('never counts more than the occupied hours of simulator data', async () => {
    const sim = new HouseholdSimulator({ seed: 3 });
    const from = Date.UTC(2024, 0, 8);
    const to = from + 2 * 86_400_000;
    const series: Record<string, Array<{ t: number; v: number }>> = {
      'sim.living.temperature': [],
      'sim.living.occupancy': [],
    };
    for (const batch of sim.batches(from, to, { batchSize: 50_000 }))
      if (batch.sourceId in series) series[batch.sourceId].push(...batch.readings);
    const result = await runLocally(app, {
      manifest,
      data: { temperature: series['sim.living.temperature'], occupancy: series['sim.living.occupancy'] },
      grant: { temperature: { resolution: '15min' }, occupancy: { resolution: '15min' } },
      now: to,
      kv: { thresholdC: 100 }, // every occupied quarter-hour is "cold"
    });
    // With an unreachable threshold the count equals the quarter-hours occupied more than half the time.
    const quarters = new Map<number, number[]>();
    for (const r of series['sim.living.occupancy']) {
      const q = r.t - (r.t % (15 * MIN));
      quarters.set(q, [...(quarters.get(q) ?? []), r.v]);
    }
    const occupiedHours =
      [...quarters.values()].filter((vs) => vs.reduce((s, v) => s + v, 0) / vs.length > 0.5).length / 4;
    expect(occupiedHours).toBeGreaterThan(0);
    expect(result.insights[0].value).toBe(occupiedHours);
  });
});
