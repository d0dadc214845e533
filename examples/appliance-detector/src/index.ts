import type { DataPoint } from '../../../apps-sdk/src/app.ts';
import { defineApp, type GrantResolution } from '../../../apps-sdk/src/app.ts';
import { findKettleUses, medianIntervalMs } from './steps.ts';

/** A kettle boils for 2–5 minutes; Eibl & Engel: detection fails once Δt exceeds about half the on-time. */
const MAX_USEFUL_INTERVAL_S = 60;
const CITATION = 'Eibl & Engel, IEEE Trans. Smart Grid 2015, doi:10.1109/TSG.2014.2376613';

function cannot(granted: string): { key: string; title: string; summary: string; data: unknown } {
  return {
    key: 'detection-unavailable',
    title: 'Appliance detection not possible',
    summary:
      `The household granted power at ${granted}. A kettle is on for 2–5 minutes, and an appliance's use ` +
      `cannot be detected once the sampling interval exceeds about half its on-time (${CITATION}), so ` +
      `at ${granted} this app would only be guessing. It reports nothing instead; a grant of 10-second data would let it work.`,
    data: { granted, neededIntervalS: MAX_USEFUL_INTERVAL_S, source: CITATION },
  };
}

export default defineApp(async (ctx) => {
  const grant = (await ctx.data.grants()).find((g) => g.request === 'power');
  const resolution: GrantResolution | undefined = grant?.resolution;
  if (resolution !== 'raw') {
    await ctx.insight.emit(cannot(resolution ?? 'no grant'));
    return;
  }
  // Raw reads return at most a page of rows (200 000 in the box): page on from past the last t
  // while a page stops short of the window's end.
  const points: DataPoint[] = [];
  let page = await ctx.data.read('power', { resolution: 'raw' });
  points.push(...page.points);
  while (page.points.length > 0 && page.to - page.points.at(-1)!.t > 60_000) {
    page = await ctx.data.read('power', { resolution: 'raw', from: page.points.at(-1)!.t + 1, to: page.to });
    points.push(...page.points);
  }
  const interval = medianIntervalMs(points) / 1000;
  if (interval > MAX_USEFUL_INTERVAL_S) {
    await ctx.insight.emit(cannot(`raw readings every ${interval} s`));
    return;
  }
  const uses = findKettleUses(points);
  await ctx.insight.emit({
    key: 'kettle-uses',
    title: 'Kettle uses',
    summary: `${uses.length} kettle-like use${uses.length === 1 ? '' : 's'} in the last day`,
    value: uses.length,
    data: { uses: uses.map((u) => ({ ...u, at: new Date(u.start).toISOString() })) },
  });
});
