import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRollups } from '../../../box/store/consistency.ts';
import type { Store } from '../../../box/store/store.ts';
import { powerAndEnergyStore } from '../../helpers/power-and-energy.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Two days of a power gauge and an energy counter, every 10 s (the counter resets once). */
function store(): Store {
  return powerAndEnergyStore(join(tempDir(), 'databox.db'), {
    t0: T0,
    days: 2,
    every: 1,
    resetAt: 10_000,
    kWhPerStep: 0.001,
  });
}

const check = (s: Store, id: string) => checkRollups(s.db, s.catalogue.get(id));

describe('the rollup check, against a store changed behind the box', () => {
  it('finds nothing wrong in a store the box wrote', () => {
    const s = store();
    expect(check(s, 'power')).toEqual([]);
    expect(check(s, 'energy')).toEqual([]);
    s.close();
  });

  it('names a deleted bucket, a bucket with no readings, a changed value and a changed increment', () => {
    const s = store();
    const power = s.catalogue.get('power').sid;
    const energy = s.catalogue.get('energy').sid;
    s.db.prepare('DELETE FROM rollups_5min WHERE sid = ? AND bucket = ?').run(power, T0 + 3 * HOUR);
    // a bucket after the last reading, and one between two days of nothing
    s.db
      .prepare('INSERT INTO rollups_1h (sid, bucket, n, sum) VALUES (?, ?, 5, 50)')
      .run(power, T0 + 5 * DAY);
    s.db.prepare('UPDATE rollups_1d SET max = max + 1 WHERE sid = ? AND bucket = ?').run(power, T0 + DAY);
    s.db
      .prepare('UPDATE readings SET inc = inc + 0.5 WHERE sid = ? AND t = ?')
      .run(energy, T0 + 600 * 10_000);
    const found = check(s, 'power');
    expect(found).toHaveLength(3);
    expect(found).toEqual(
      expect.arrayContaining([
        { width: 5 * MIN, bucket: T0 + 3 * HOUR, field: 'missing', stored: null, expected: 'bucket' },
        expect.objectContaining({ width: DAY, bucket: T0 + DAY, field: 'max' }),
        { width: HOUR, bucket: T0 + 5 * DAY, field: 'n', stored: 5, expected: 0 },
      ]),
    );
    expect(check(s, 'energy')).toEqual([
      expect.objectContaining({ width: 0, bucket: T0 + 600 * 10_000, field: 'inc' }),
    ]);
    s.close();
  });

  it('finds an extra bucket between stored ones, and a row of the wrong level', () => {
    const s = store();
    const power = s.catalogue.get('power').sid;
    // a 1-minute row at a start that is no minute: no reading falls in it
    s.db
      .prepare('INSERT INTO rollups_1min (sid, bucket, n, sum) VALUES (?, ?, 1, 1)')
      .run(power, T0 + 30_000);
    expect(check(s, 'power')).toEqual([
      { width: MIN, bucket: T0 + 30_000, field: 'n', stored: 1, expected: 0 },
    ]);
    s.close();
  });

  it('stops at the number of mismatches asked for', () => {
    const s = store();
    s.db.prepare('UPDATE rollups_1min SET sum = sum + 1').run();
    expect(checkRollups(s.db, s.catalogue.get('power'), 5)).toHaveLength(5);
    s.close();
  });
});
