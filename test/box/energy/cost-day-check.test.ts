import { describe, expect, it } from 'vitest';
import { boxPaths } from '../../../box/config/paths.ts';
import { checkStoredCosts } from '../../../box/energy/cost-day-check.ts';
import { periodBounds } from '../../../box/energy/energy-summary.ts';
import { costOf } from '../../../box/energy/period-cost.ts';
import { saveTariff } from '../../../box/energy/tariff.ts';
import { runCheck } from '../../../box/ops/check.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { METER, NOW, storedDays, TOU, yearStore, ZONE } from './cost-year-fixture.ts';

const tempDir = useTempDir();

describe('databox check and the stored day costs', () => {
  it('finds a stored day cost changed behind the store, names it, and reads then serve it (so the check matters)', () => {
    const home = tempDir();
    const store = yearStore(home);
    const tariff = saveTariff(store, TOU);
    const year = periodBounds(ZONE, 'year', NOW);
    const right = costOf(store, METER, year.start, NOW, tariff, ZONE);
    expect(storedDays(store)).toBeGreaterThan(300);
    expect(checkStoredCosts(store)).toEqual([]);
    const clean = runCheck(boxPaths(home)).items.find((i) => i.name === 'rollups');
    expect(clean?.ok).toBe(true);
    expect(clean?.summary).toContain('day costs');

    // a stored day changed around the store's invalidation (a bug, or a flipped bit on disk)
    const day = Date.UTC(2026, 6, 14, 22); // 15 July, local midnight
    const changed = store.db.prepare('UPDATE cost_days SET cost = cost + 0.5 WHERE sid = ? AND start = ?');
    expect(changed.run(store.catalogue.get(METER).sid, day).changes).toBe(1);
    // the read path trusts the stored row: the year is 0.50 off
    const wrong = costOf(store, METER, year.start, NOW, tariff, ZONE);
    expect(wrong.cost - right.cost).toBeCloseTo(0.5, 9);
    expect(checkStoredCosts(store)).toMatchObject([{ id: METER, zone: ZONE, start: day, field: 'cost' }]);
    const report = runCheck(boxPaths(home));
    const rollups = report.items.find((i) => i.name === 'rollups');
    expect(report.ok).toBe(false);
    expect(rollups?.ok).toBe(false);
    expect(rollups?.problems).toEqual([
      expect.stringMatching(
        /^meter: stored day cost from 2026-07-14T22:00:00.000Z \(Europe\/Amsterdam\) cost is /,
      ),
    ]);
    store.close();
  });
});
