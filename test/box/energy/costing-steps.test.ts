import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { costOf } from '../../../box/energy/period-cost.ts';
import { rateAtMinute, saveTariff, type Tariff } from '../../../box/energy/tariff.ts';
import { Store } from '../../../box/store/store.ts';
import { LocalCalendar } from '../../../box/time/calendar.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const MINUTE = 60_000;
const DAY = 86_400_000;

/** The cost as one read of every 30-min (15-min) step priced at its local start: the plain way. */
function perHalfHour(
  store: Store,
  from: number,
  to: number,
  tariff: Tariff,
  timeZone: string,
  step: '30min' | '15min',
) {
  const calendar = LocalCalendar.of(timeZone);
  const rows = store.read('meter', { from, to, resolution: step, aggregate: 'delta' });
  const kWh = rows.reduce((a, r) => a + r.v, 0);
  const cost = rows.reduce(
    (a, r) => a + r.v * rateAtMinute(tariff, Math.floor((calendar.wall(r.t) % DAY) / MINUTE)),
    0,
  );
  return { kWh, cost };
}

describe('costing reads coarser steps where the rate cannot change inside one', () => {
  it('gives the same kWh and cost as every half hour: day-night on the hour, time-of-use, flat, a DST change, a running day', () => {
    const store = Store.open(join(tempDir(), 'databox.db'));
    store.createDatasource(
      { id: 'meter', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
      'user',
    );
    // twelve days of a register across the clocks going back in Amsterdam (25 Oct 2026), one a minute
    const start = Date.UTC(2026, 9, 18, 22); // local midnight, 19 Oct
    const end = start + 12 * DAY + 7 * MINUTE + 17_000; // a running day: "now" mid-step
    let register = 5000;
    const readings: Array<{ t: number; v: number }> = [];
    for (let t = start - 60 * MINUTE; t < end; t += MINUTE) {
      register += (200 + 900 * Math.abs(Math.sin(t / 3.7e6))) / 60_000;
      readings.push({ t, v: Math.round(register * 1000) / 1000 });
    }
    store.writeReadings('meter', readings, 'user');
    const zone = 'Europe/Amsterdam';
    const windows: Array<[number, number]> = [
      [start, end],
      [start + 3 * DAY, start + 9 * DAY + 45 * MINUTE],
      [start + 90 * MINUTE, start + 2 * DAY], // starts on a half hour
    ];
    const tariffs = [
      { kind: 'day-night', currency: 'EUR', rate: 0.3, nightRate: 0.1, nightFrom: '23:00', nightTo: '07:00' },
      {
        kind: 'time-of-use',
        currency: 'EUR',
        rate: 0.25,
        periods: [
          { from: '16:00', to: '19:00', rate: 0.45 },
          { from: '01:00', to: '05:00', rate: 0.08 },
        ],
      },
      { kind: 'flat', currency: 'EUR', rate: 0.27, standingPerDay: 0.6 },
    ];
    for (const input of tariffs) {
      const tariff = saveTariff(store, input);
      for (const [from, to] of windows) {
        const want = perHalfHour(store, from, to, tariff, zone, '30min');
        const got = costOf(store, 'meter', from, to, tariff, zone);
        expect(got.kWh, `${tariff.kind} kWh`).toBeCloseTo(want.kWh, 9);
        expect(got.cost - got.standing, `${tariff.kind} cost`).toBeCloseTo(want.cost, 9);
      }
    }
    // a flat rate in a half-hour zone: local days are not UTC days, the total is still exact
    const flat = saveTariff(store, { kind: 'flat', currency: 'INR', rate: 8 });
    const kolkata = costOf(store, 'meter', start + 30 * MINUTE, end, flat, 'Asia/Kolkata');
    const want = perHalfHour(store, start + 30 * MINUTE, end, flat, 'Asia/Kolkata', '30min');
    expect(kolkata.kWh).toBeCloseTo(want.kWh, 9);
    expect(kolkata.cost).toBeCloseTo(want.cost, 9);
    // and the kWh are the register's rise over the window (nothing counted twice or dropped)
    const rise = readings[readings.length - 1].v - (readings.find((r) => r.t === start - MINUTE)?.v ?? 0);
    expect(costOf(store, 'meter', start, end, flat, zone).kWh).toBeCloseTo(rise, 6);
    store.close();
  });
});
