import type { Store } from '../store/store.ts';
import { LocalCalendar } from '../time/calendar.ts';
import { type DayPiece, pricePieces } from './costing.ts';
import { costFingerprint } from './day-costs.ts';
import { naturalAggregate } from './natural-aggregate.ts';
import { readTariff } from './tariff.ts';

/** A stored day cost (`cost_days`) that is not what its readings and prices give. */
export interface StoredCostMismatch {
  id: string;
  zone: string;
  start: number;
  end: number;
  field: 'kwh' | 'cost' | 'zone';
  stored: number | string;
  expected: number | string | null;
}

/**
 * Prices every stored day cost of the box's tariff again from the rollups and lists those that
 * differ, at most `limit`: what `databox check` reports. The pricing is the one the read path
 * stores, so the numbers must be equal to the last bit. Days of an older tariff are never read
 * (their fingerprint is not the tariff's) and are not checked.
 *
 * @example
 * ```ts
 * checkStoredCosts(store); // [] when every stored day cost is right
 * ```
 */
export function checkStoredCosts(store: Store, limit = 20): StoredCostMismatch[] {
  const tariff = readTariff(store);
  if (!tariff) return [];
  const out: StoredCostMismatch[] = [];
  const select = store.db
    .prepare(
      'SELECT zone, start, end, kwh, cost FROM cost_days WHERE sid = ? AND tariff = ? ORDER BY zone, start',
    )
    .raw();
  for (const entry of store.catalogue.list()) {
    if (entry.valueType !== 'gauge' && entry.valueType !== 'counter') continue;
    const fingerprint = costFingerprint(tariff, naturalAggregate(entry.kind, entry.valueType));
    const rows = select.all(entry.sid, fingerprint) as Array<[string, number, number, number, number]>;
    const zones = new Map<string, typeof rows>();
    for (const row of rows) {
      const days = zones.get(row[0]);
      if (days) days.push(row);
      else zones.set(row[0], [row]);
    }
    for (const [zone, days] of zones) {
      let calendar: LocalCalendar;
      try {
        calendar = LocalCalendar.of(zone);
      } catch {
        out.push({
          id: entry.id,
          zone,
          start: days[0][1],
          end: days[0][2],
          field: 'zone',
          stored: zone,
          expected: null,
        });
        continue;
      }
      const pieces: DayPiece[] = days.map(([, from, to]) => ({ from, to, whole: true }));
      const priced = pricePieces(store, entry.id, pieces, tariff, calendar);
      for (const [i, [, start, end, kwh, cost]] of days.entries()) {
        if (kwh !== priced[i][0])
          out.push({ id: entry.id, zone, start, end, field: 'kwh', stored: kwh, expected: priced[i][0] });
        if (cost !== priced[i][1])
          out.push({ id: entry.id, zone, start, end, field: 'cost', stored: cost, expected: priced[i][1] });
      }
      if (out.length >= limit) return out.slice(0, limit);
    }
  }
  return out;
}
