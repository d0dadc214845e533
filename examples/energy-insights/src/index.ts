import { AppApiError, defineApp, localClock, RESOLUTION_MS } from '../../../apps-sdk/src/app.ts';
import { compareTariffs, dailyKWh, peakHours } from './energy.ts';

const DAY = 86_400_000;
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The latest calendar month (local, or UTC without the zone) whose every day is in `days`, with its total kWh. */
function lastWholeMonth(
  days: Array<{ date: string; kWh: number }>,
): { month: string; kWh: number } | undefined {
  const months = new Map<string, { kWh: number; days: number }>();
  for (const d of days) {
    const m = months.get(d.date.slice(0, 7)) ?? { kWh: 0, days: 0 };
    m.kWh += d.kWh;
    m.days++;
    months.set(d.date.slice(0, 7), m);
  }
  const whole = [...months].filter(([month, m]) => {
    const [y, mo] = month.split('-').map(Number);
    return m.days === new Date(Date.UTC(y, mo, 0)).getUTCDate();
  });
  const last = whole.at(-1);
  return last && { month: last[0], kWh: round(last[1].kWh, 3) };
}

export default defineApp(async (ctx) => {
  // the household's zone if the householder shares it; else UTC, and the insights say so
  const clock = localClock(await ctx.timeZone());
  const read = await ctx.data.read('power', { aggregate: 'mean' });
  const width = RESOLUTION_MS[read.resolution];
  const days = dailyKWh(read.points, width, read.to, clock);
  if (days.length === 0) {
    await ctx.log.warn('no whole day of data yet');
    return;
  }
  const mean = days.reduce((s, d) => s + d.kWh, 0) / days.length;
  await ctx.insight.emit({
    key: 'daily-use',
    title: 'Daily use',
    summary: `${round(mean, 1)} kWh a day on average over ${days.length} days`,
    value: round(mean, 3),
    unit: 'kWh/day',
    data: { days: days.map((d) => ({ date: d.date, kWh: round(d.kWh, 3) })), timeZone: clock.timeZone },
  });

  if (width >= DAY) {
    await ctx.log.info(`granted ${read.resolution}: peak hours and the tariff comparison need 1h or finer`);
  } else {
    const whole = new Set(days.map((d) => d.date));
    const points = read.points.filter((p) => whole.has(clock.date(p.t + Math.min(width, 3_600_000) / 2)));
    const { meanW, peak } = peakHours(points, width, clock);
    await ctx.insight.emit({
      key: 'peak-hours',
      title: 'Peak hours',
      summary: `You use most between ${peak.map((h) => `${String(h).padStart(2, '0')}:00`).join(', ')} ${clock.label}`,
      data: { peak, meanW: meanW.map((w) => round(w, 1)), timeZone: clock.timeZone },
    });
    const cost = compareTariffs(points, width, days.length);
    const saving = cost.flatPence - cost.dayNightPence;
    await ctx.insight.emit({
      key: 'tariff',
      title: 'Flat or day/night tariff',
      summary:
        saving > 0
          ? `A day/night tariff would have saved £${round(saving / 100)} over ${days.length} days`
          : `The flat tariff was cheaper by £${round(-saving / 100)} over ${days.length} days`,
      value: round(saving / 100),
      unit: 'GBP',
      data: {
        flatPence: round(cost.flatPence),
        dayNightPence: round(cost.dayNightPence),
        nightShare: round(cost.nightShare, 4),
      },
    });
  }

  const month = lastWholeMonth(days);
  if (month && (await ctx.kv.get<string>('lastExportedMonth')) !== month.month) {
    try {
      await ctx.export.request('monthly-summary', month);
      await ctx.kv.set('lastExportedMonth', month.month);
    } catch (error) {
      // The householder's choice, not a failure: the insights above stand and the run ends ok.
      // The month is not marked as sent, so it goes out if they approve the destination later.
      if (!(error instanceof AppApiError && error.code === 'destination_declined')) throw error;
      await ctx.log.info(`monthly-summary is not approved: ${month.month} was not sent`);
    }
  }
});
