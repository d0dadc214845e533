import { coarsestCommon, defineApp, localClock, RESOLUTION_MS } from '../../../apps-sdk/src/app.ts';
import { coldOccupiedHours, DEFAULT_THRESHOLD_C } from './cold-hours.ts';

export default defineApp(async (ctx) => {
  const grants = await ctx.data.grants();
  const temperatureGrant = grants.find((g) => g.request === 'temperature');
  const occupancyGrant = grants.find((g) => g.request === 'occupancy');
  if (!temperatureGrant || !occupancyGrant) throw new Error('both temperature and occupancy must be granted');
  // Read both at the coarser of the two grants so their buckets line up.
  const resolution = coarsestCommon(temperatureGrant.resolution, occupancyGrant.resolution);
  const thresholdC = (await ctx.kv.get<number>('thresholdC')) ?? DEFAULT_THRESHOLD_C;
  const temperature = await ctx.data.read('temperature', { resolution, aggregate: 'mean' });
  const occupancy = await ctx.data.read('occupancy', { resolution, aggregate: 'mean' });
  const width = resolution === 'raw' ? 60_000 : RESOLUTION_MS[resolution];
  // days in the household's zone if shared, else UTC days, and the summary says which
  const clock = localClock(await ctx.timeZone());
  const days = coldOccupiedHours(temperature.points, occupancy.points, width, thresholdC, clock);
  const total = [...days.values()].reduce((s, h) => s + h, 0);
  await ctx.insight.emit({
    key: 'cold-occupied-hours',
    title: 'Hours too cold while at home',
    summary: `${total} h below ${thresholdC} °C while someone was in the room (${resolution} buckets; days ${clock.label})`,
    value: total,
    unit: 'h',
    data: { thresholdC, resolution, days: Object.fromEntries(days), timeZone: clock.timeZone },
  });
});
