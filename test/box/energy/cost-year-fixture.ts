import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Period, periodBounds } from '../../../box/energy/energy-summary.ts';
import { costOf, type PeriodCost } from '../../../box/energy/period-cost.ts';
import type { Tariff } from '../../../box/energy/tariff.ts';
import { Store } from '../../../box/store/store.ts';
import { importOctopusPrices } from '../../../drivers/imports/octopus-prices-import.ts';

export const ZONE = 'Europe/Amsterdam';
export const MINUTE = 60_000;
export const HALF = 30 * MINUTE;
export const DAY = 86_400_000;
/** "Now" for every store here: mid-morning, mid-step, so today and this year are still running. */
export const NOW = Date.UTC(2026, 11, 1, 10, 7, 13);
/** A year and a bit before NOW (local midnight, 1 Nov 2025), so last year's periods have data too. */
export const FIRST = Date.UTC(2025, 9, 31, 23);
export const METER = 'meter';
export const PRICES = 'agile';

/** Time-of-use with a switch on the half hour (30-minute steps) and one on the hour. */
export const TOU = {
  kind: 'time-of-use',
  currency: 'EUR',
  rate: 0.25,
  standingPerDay: 0.5,
  periods: [
    { from: '16:30', to: '19:00', rate: 0.45 },
    { from: '01:00', to: '05:00', rate: 0.08 },
  ],
};

/** A meter register read every 15 minutes from FIRST to NOW, an evening peak each day, except `skip`. */
export function meterReadings(
  from = FIRST,
  to = NOW,
  skip: (t: number) => boolean = () => false,
  scale = 1,
): Array<{ t: number; v: number }> {
  const out: Array<{ t: number; v: number }> = [];
  let register = 1000;
  for (let t = from; t < to; t += 15 * MINUTE) {
    const hour = ((t / 3_600_000) % 24) + 1; // about local hours in Amsterdam
    register +=
      (scale * (0.05 + (hour > 17 && hour < 22 ? 0.3 : 0) + 0.04 * Math.abs(Math.sin(t / 5e6)))) / 4;
    if (!skip(t)) out.push({ t, v: Math.round(register * 1000) / 1000 });
  }
  return out;
}

/** A store file with the year of meter readings (but `skip`) and the clock at NOW. */
export function yearStore(dir: string, skip?: (t: number) => boolean): Store {
  const store = Store.open(join(dir, 'databox.db'), { clock: () => NOW });
  store.createDatasource(
    { id: METER, kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
    'user',
  );
  store.writeReadings(METER, meterReadings(FIRST, NOW, skip), 'user');
  return store;
}

/** Agile-style half-hour prices in `[from, to)` written as an Octopus unit-rates CSV and imported. */
export async function importPrices(store: Store, dir: string, from: number, to: number, bump = 0) {
  const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
  const lines = ['valid_from,valid_to,value_exc_vat,value_inc_vat'];
  for (let t = from; t < to; t += HALF) {
    const pence = 12 + bump + ((t / HALF) % 11) * 1.5;
    lines.push(`${iso(t)},${iso(t + HALF)},${(pence / 1.05).toFixed(4)},${pence.toFixed(4)}`);
  }
  const file = join(dir, `prices-${from}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return importOctopusPrices(store, file, { id: PRICES });
}

/** Moments whose periods the tests cost: now (running), both DST changes, last year's start. */
export const MOMENTS = [
  NOW,
  Date.UTC(2026, 9, 25, 12), // the 25-hour day
  Date.UTC(2026, 2, 29, 12), // the 23-hour day
  Date.UTC(2025, 10, 20, 12),
];
export const ALL_PERIODS: Period[] = ['day', 'week', 'month', 'year'];

export interface Compared {
  label: string;
  stored: PeriodCost;
  fromRollups: PeriodCost;
}

/**
 * Each period of each moment, and the same stretch of the one before, costed twice: from the
 * stored days (storing them the first time) and from the rollups alone.
 */
export function comparePeriods(store: Store, tariff: Tariff, moments = MOMENTS): Compared[] {
  const out: Compared[] = [];
  for (const at of moments)
    for (const period of ALL_PERIODS) {
      const { start, end } = periodBounds(ZONE, period, at);
      const until = Math.min(end, NOW);
      const label = `${period} of ${new Date(at).toISOString()}`;
      out.push({
        label,
        stored: costOf(store, METER, start, until, tariff, ZONE),
        fromRollups: costOf(store, METER, start, until, tariff, ZONE, { stored: false }),
      });
    }
  return out;
}

/** Rows in `cost_days`. */
export function storedDays(store: Store): number {
  return (store.db.prepare('SELECT count(*) AS n FROM cost_days').get() as { n: number }).n;
}
