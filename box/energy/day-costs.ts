import { createHash } from 'node:crypto';
import type { CostDayRow } from '../store/cost-days.ts';
import type { Store } from '../store/store.ts';
import type { LocalCalendar } from '../time/calendar.ts';
import { type DayPiece, type PieceCost, pricePieces } from './costing.ts';
import { naturalAggregate } from './natural-aggregate.ts';
import type { Tariff } from './tariff.ts';

/** Bump when the costing rule changes, so days stored by an older box are not read again. */
const COSTING_VERSION = 1;

/**
 * What a stored day's cost depends on besides its readings and prices: the whole tariff (rates,
 * schedule, price source), the source's natural aggregate and the costing rule. A tariff edit
 * gives a new fingerprint, so no day costed at the old tariff is ever served.
 */
export function costFingerprint(tariff: Tariff, aggregate: string): string {
  return createHash('sha256')
    .update(JSON.stringify([COSTING_VERSION, aggregate, tariff]))
    .digest('hex')
    .slice(0, 24);
}

/**
 * {@link pricePieces} with closed whole local days kept in the store's `cost_days` table: a
 * year of them is one index range read instead of ~8,000 hourly rollups priced one by one
 * (bench/energy-screen.ts). The numbers are the same to the last bit: a stored day holds the
 * doubles its pricing gave, and the pieces still filling (today) or cut by the period's edges
 * are priced from the rollups on every read. The store drops a stored day in the transaction of
 * any write, erasure or deletion under it or under the prices it was costed at (cost-days.ts).
 *
 * @example
 * ```ts
 * const pieces = dayPieces(calendar, yearStart, now);
 * storedPieceCosts(store, 'p1.import', pieces, tariff, calendar); // [[kWh, cost], …] per piece
 * ```
 */
export function storedPieceCosts(
  store: Store,
  id: string,
  pieces: readonly DayPiece[],
  tariff: Tariff,
  calendar: LocalCalendar,
): PieceCost[] {
  if (pieces.length === 0) return [];
  const entry = store.catalogue.get(id);
  const fingerprint = costFingerprint(tariff, naturalAggregate(entry.kind, entry.valueType));
  const days = store.localDays.costs;
  const zone = calendar.zone;
  const stored = days.read(entry.sid, zone, fingerprint, pieces[0].from, pieces[pieces.length - 1].to);
  const out: PieceCost[] = new Array(pieces.length);
  const missing: number[] = [];
  for (let i = 0, r = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    while (r < stored.length && stored[r][0] < piece.from) r++;
    const row = stored[r];
    // a stored day counts only if it is still this zone's day (a tzdata update moves its ends)
    if (piece.whole && row && row[0] === piece.from && row[1] === piece.to) out[i] = [row[2], row[3]];
    else missing.push(i);
  }
  if (missing.length === 0) return out;
  const now = store.now();
  const fill = (keep: boolean) => {
    const priced = pricePieces(
      store,
      id,
      missing.map((i) => pieces[i]),
      tariff,
      calendar,
    );
    const closed: CostDayRow[] = [];
    for (const [k, i] of missing.entries()) {
      out[i] = priced[k];
      const { from, to, whole } = pieces[i];
      if (whole && to <= now) closed.push([from, to, priced[k][0], priced[k][1]]);
    }
    if (keep) days.put(entry.sid, zone, fingerprint, priceSid(store, tariff), closed);
  };
  const closedDays = missing.some((i) => pieces[i].whole && pieces[i].to <= now);
  // merged and stored under the write lock, so no write slips in between; if the lock is taken
  // (or the disk is full, or the file read-only) the days are served without being kept
  if (!closedDays || !days.underWriteLock(() => fill(true))) fill(false);
  return out;
}

/** The sid of a series tariff's price datasource, whose writes must drop the days it priced. */
function priceSid(store: Store, tariff: Tariff): number | null {
  return tariff.kind === 'series' && tariff.priceSource ? store.catalogue.get(tariff.priceSource).sid : null;
}
