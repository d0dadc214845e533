import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLocally } from '../../apps-sdk/src/run-locally.ts';
import app from '../../examples/appliance-detector/src/index.ts';

const DIR = join(import.meta.dirname, '../../examples/appliance-detector');
const manifest = JSON.parse(readFileSync(join(DIR, 'databox-app.json'), 'utf8'));
const DAY0 = Date.UTC(2024, 4, 20);
const H = 3_600_000;

/** One day of 10 s readings: 150 W base plus the given loads ([start, end) ms after midnight, watts). */
function day(loads: Array<[number, number, number]>, stepMs = 10_000): Array<{ t: number; v: number }> {
  const out = [];
  for (let t = 0; t < 24 * H; t += stepMs) {
    let v = 150;
    for (const [start, end, w] of loads) if (t >= start && t < end) v += w;
    out.push({ t: DAY0 + t, v });
  }
  return out;
}

const LOADS: Array<[number, number, number]> = [
  [7 * H, 7 * H + 180_000, 2400], // kettle, 3 min
  [8 * H, 8 * H + 120_000, 1500], // microwave: too small
  [12 * H, 12 * H + 150_000, 2900], // kettle, 2.5 min
  [18 * H, 18 * H + 40 * 60_000, 2200], // oven: on too long
  [18 * H + 10 * 60_000, 18 * H + 14 * 60_000, 2600], // kettle while the oven is on
  [21 * H, 21 * H + 300_000, 7000], // shower: too big
];

describe('appliance-detector', () => {
  it('finds the three kettle uses in raw 10 s data and nothing else', async () => {
    const result = await runLocally(app, {
      manifest,
      data: { power: day(LOADS) },
      grant: { power: { resolution: 'raw' } },
      now: DAY0 + 24 * H,
    });
    expect(result.error).toBeUndefined();
    expect(result.insights).toHaveLength(1);
    expect(result.insights[0]).toMatchObject({ key: 'kettle-uses', value: 3 });
    const uses = (
      result.insights[0].data as { uses: Array<{ start: number; durationS: number; watts: number }> }
    ).uses;
    expect(uses.map(({ start, durationS, watts }) => ({ start, durationS, watts }))).toEqual([
      { start: DAY0 + 7 * H, durationS: 180, watts: 2400 },
      { start: DAY0 + 12 * H, durationS: 150, watts: 2900 },
      { start: DAY0 + 18 * H + 600_000, durationS: 240, watts: 2600 },
    ]);
  });

  it('pages through more raw rows than one read returns', async () => {
    // 5 s sampling: 17 280 rows, with reads capped at 10 000 rows (the box's page is larger).
    const result = await runLocally(app, {
      manifest,
      data: { power: day(LOADS, 5_000) },
      grant: { power: { resolution: 'raw' } },
      now: DAY0 + 24 * H,
      rawPageRows: 10_000,
    });
    expect(result.insights[0]).toMatchObject({ key: 'kettle-uses', value: 3 });
    expect(result.reads.map((r) => r.points.length)).toEqual([10_000, 7_280]);
  });

  it('says what it cannot do at 30 min, citing Eibl & Engel, instead of guessing', async () => {
    const result = await runLocally(app, {
      manifest,
      data: { power: day(LOADS) },
      grant: { power: { resolution: '30min' } },
      now: DAY0 + 24 * H,
    });
    expect(result.insights.map((i) => i.key)).toEqual(['detection-unavailable']);
    expect(result.insights[0].summary).toMatch(/granted power at 30min/);
    expect(result.insights[0].summary).toContain('Eibl & Engel');
    expect(result.insights[0].summary).toContain('doi:10.1109/TSG.2014.2376613');
    // It never read the data it could not use.
    expect(result.reads).toEqual([]);
  });

  it('refuses to guess from raw data sampled every 5 minutes', async () => {
    const result = await runLocally(app, {
      manifest,
      data: { power: day(LOADS, 300_000) },
      grant: { power: { resolution: 'raw' } },
      now: DAY0 + 24 * H,
    });
    expect(result.insights.map((i) => i.key)).toEqual(['detection-unavailable']);
    expect(result.insights[0].summary).toMatch(/raw readings every 300 s/);
  });
});
