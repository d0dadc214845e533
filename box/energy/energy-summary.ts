import { type DeviceEnergy, energyByDevice } from '../devices/device-energy.ts';
import type { Store } from '../store/store.ts';
import type { Datasource, Resolution } from '../store/types.ts';
import { type CalendarResolution, LocalCalendar } from '../time/calendar.ts';
import { readForPerson } from '../time/calendar-read.ts';
import { costOf } from './period-cost.ts';
import type { Tariff } from './tariff.ts';

export const PERIODS = ['day', 'week', 'month', 'year'] as const;
export type Period = (typeof PERIODS)[number];
const PERIOD_RES: Record<Period, CalendarResolution> = { day: '1d', week: '1w', month: '1mo', year: '1y' };
const BAR_RES: Record<Exclude<Period, 'day'>, CalendarResolution> = { week: '1d', month: '1d', year: '1mo' };
const HOUR = 3_600_000;

/** The household's meter datasources, found by kind. */
export interface EnergySources {
  import?: Datasource;
  export?: Datasource;
  gas: Datasource[];
  water?: Datasource;
  power?: Datasource;
  /** Energy datasources of single devices (plugs): everything else in kWh. */
  devices: Datasource[];
}

const IMPORT = /^electricity(\.import)?\.energy(\.interval)?$/;
const EXPORT = /^electricity\.export\.energy(\.interval)?$/;

/** Picks the meter's import, export, gas, water and power datasources, and per-device energy. */
export function findSources(store: Store): EnergySources {
  const all = store.listDatasources().filter((d) => d.valueType === 'gauge' || d.valueType === 'counter');
  const allImports = all.filter((d) => IMPORT.test(d.kind));
  // a plug's own kWh is `electricity.energy` (drivers/mqtt measures): the meter is the `.import.`
  // one when there is one, and plain `electricity.energy` sources are then devices
  const metered = allImports.filter((d) => d.kind.includes('.import.'));
  const imports = metered.length > 0 ? metered : allImports;
  // a register beats an interval import when both are there (it is the meter itself)
  const imp = imports.find((d) => d.valueType === 'counter') ?? imports[0];
  const gas = all.filter((d) => /^gas\.(volume|energy(\.interval)?)$/.test(d.kind));
  const used = new Set([imp?.id, ...gas.map((g) => g.id)]);
  const exp = all.find((d) => EXPORT.test(d.kind));
  const water = all.find((d) => d.kind === 'water.volume');
  const power = all.find((d) => d.kind === 'electricity.import.power');
  const devices = all.filter(
    (d) =>
      !used.has(d.id) &&
      d.id !== exp?.id &&
      !imports.includes(d) &&
      d.unit === 'kWh' &&
      /\.energy(\.interval)?$/.test(d.kind),
  );
  return { import: imp, export: exp, gas, water, power, devices };
}

/** Start and end of the local period of `kind` holding `at`. */
export function periodBounds(timeZone: string, period: Period, at: number): { start: number; end: number } {
  const calendar = LocalCalendar.of(timeZone);
  const start = calendar.startOf(at, PERIOD_RES[period]);
  return { start, end: calendar.next(at, PERIOD_RES[period]) };
}

/** Total of a source over `[from, to)`: the sum of its local-day (or coarser) natural aggregate. */
export function total(store: Store, id: string, from: number, to: number, timeZone: string): number {
  if (to <= from) return 0;
  return readForPerson(store, id, { from, to, resolution: '1d', tz: timeZone }).rows.reduce(
    (a, r) => a + r.v,
    0,
  );
}

/** Bars of one period: local hours of a day, days of a week or month, months of a year. */
export function bars(
  store: Store,
  id: string,
  period: Period,
  start: number,
  end: number,
  timeZone: string,
): Array<{ t: number; v: number }> {
  if (period !== 'day')
    return readForPerson(store, id, {
      from: start,
      to: end,
      resolution: BAR_RES[period],
      tz: timeZone,
    }).rows.map((r) => ({ t: r.t, v: r.v }));
  // local hours: from the coarsest rollup that UTC hours and this zone's hours share
  const calendar = LocalCalendar.of(timeZone);
  const offsets = calendar.offsets.offsetsBetween(start, end);
  const res: Resolution = offsets.every((o) => o % HOUR === 0)
    ? '1h'
    : offsets.every((o) => o % 1_800_000 === 0)
      ? '30min'
      : '15min';
  const hours = new Map<number, { t: number; v: number }>();
  for (const r of readForPerson(store, id, { from: start, to: end, resolution: res }).rows) {
    // the instant the local hour began: the hour the clocks go back is two bars, as it was two hours
    const key = r.t - (((calendar.wall(r.t) % HOUR) + HOUR) % HOUR);
    const bar = hours.get(key);
    if (bar) bar.v += r.v;
    else hours.set(key, { t: key, v: r.v });
  }
  return [...hours.values()];
}

export interface PeriodView {
  start: number;
  end: number;
  previous: { start: number; end: number };
  import: Array<{ t: number; v: number }>;
  export: Array<{ t: number; v: number }>;
  importTotal: number;
  previousTotal: number;
  exportTotal?: number;
  cost?: { now: number; previous: number; currency: string };
  gas: Array<{ source: Datasource; total: number }>;
  /** Per device (a plug's kWh under the name the householder gave it), largest first. */
  devices: DeviceEnergy[];
  untracked?: number;
}

/**
 * Everything the energy screen shows for one period: bars, the total, the same period last time
 * (the previous day, week, month or year, up to the same point when the period is still running),
 * export, gas, cost and each device's share with the untracked remainder.
 */
export function periodView(
  store: Store,
  sources: EnergySources,
  period: Period,
  at: number,
  timeZone: string,
  tariff?: Tariff,
  /** `totals`: only what a summary card shows (totals, export, cost): no bars, devices or gas. */
  detail: 'full' | 'totals' = 'full',
): PeriodView {
  const full = detail === 'full';
  const now = store.now();
  const { start, end } = periodBounds(timeZone, period, at);
  const calendar = LocalCalendar.of(timeZone);
  const prevStart = calendar.shift(start, PERIOD_RES[period], -1);
  // a running period is compared with the same stretch of the last one
  const prevEnd = end > now ? prevStart + (Math.min(now, end) - start) : start;
  const until = Math.min(end, Math.max(now, start));
  const imp = sources.import;
  const importTotal = imp ? total(store, imp.id, start, until, timeZone) : 0;
  const previousTotal = imp ? total(store, imp.id, prevStart, prevEnd, timeZone) : 0;
  const devices = full
    ? energyByDevice(
        store,
        sources.devices.map((source) => ({ source, total: total(store, source.id, start, until, timeZone) })),
      )
    : [];
  const tracked = devices.reduce((a, d) => a + d.total, 0);
  const view: PeriodView = {
    start,
    end,
    previous: { start: prevStart, end: prevEnd },
    import: imp && full ? bars(store, imp.id, period, start, end, timeZone) : [],
    export: sources.export && full ? bars(store, sources.export.id, period, start, end, timeZone) : [],
    importTotal,
    previousTotal,
    gas: full
      ? sources.gas.map((source) => ({ source, total: total(store, source.id, start, until, timeZone) }))
      : [],
    devices,
    untracked: imp && devices.length > 0 ? Math.max(0, importTotal - tracked) : undefined,
  };
  if (sources.export) view.exportTotal = total(store, sources.export.id, start, until, timeZone);
  if (tariff && imp)
    view.cost = {
      now: costOf(store, imp.id, start, until, tariff, timeZone).cost,
      previous: costOf(store, imp.id, prevStart, prevEnd, tariff, timeZone).cost,
      currency: tariff.currency,
    };
  return view;
}
