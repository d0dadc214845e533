import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { ROLLUP_TABLES, rollupTable } from '../../../box/store/rollup-tables.ts';
import { Store } from '../../../box/store/store.ts';
import { RESOLUTION_MS, RESOLUTIONS } from '../../../box/store/types.ts';
import { powerAndEnergyStore } from '../../helpers/power-and-energy.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const T0 = Date.UTC(2026, 0, 1);

/** The shape a store had before the levels got a table each (user_version 3). */
const OLD_ROLLUPS = `CREATE TABLE rollups (
  sid INTEGER NOT NULL, res INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL,
  sum REAL NOT NULL, min REAL, max REAL, first_t INTEGER, first REAL, last_t INTEGER, last REAL,
  delta REAL, PRIMARY KEY (sid, res, bucket)) WITHOUT ROWID`;

function storeWithData(file: string): Store {
  // a meter reset at step 20,000
  const store = powerAndEnergyStore(file, { t0: T0, days: 3, every: 7, resetAt: 20_000, kWhPerStep: 0.01 });
  // a late reading in the middle: the merge path, with a counter's later increment corrected
  store.writeReadings('energy', [{ t: T0 + 5 * 10_000, v: 0.02 }], 'user');
  return store;
}

const everyRollup = (db: Database.Database) =>
  db.prepare('SELECT * FROM rollups ORDER BY sid, res, bucket').all();

describe('a table per rollup level', () => {
  it('moves an old store’s one rollups table into the level tables, row for row, and keeps writing', () => {
    const file = join(tempDir(), 'databox.db');
    const store = storeWithData(file);
    const before = everyRollup(store.db);
    const daily = store.read('energy', {
      from: T0,
      to: T0 + 3 * 86_400_000,
      resolution: '1d',
      aggregate: 'delta',
    });
    expect(before.length).toBeGreaterThan(2 * 3 * 1440);
    store.close();

    // turn it back into a store of user_version 3, as an earlier release left it
    const raw = new Database(file);
    raw.exec(OLD_ROLLUPS.replace('CREATE TABLE rollups', 'CREATE TABLE rollups_old'));
    raw.exec('INSERT INTO rollups_old SELECT * FROM rollups');
    raw.exec('DROP VIEW rollups');
    for (const table of ROLLUP_TABLES) raw.exec(`DROP TABLE ${table}`);
    raw.exec('ALTER TABLE rollups_old RENAME TO rollups');
    raw.pragma('user_version = 3');
    expect(everyRollup(raw)).toEqual(before);
    raw.close();

    const said = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const reopened = Store.open(file);
    // a householder's first start after the upgrade says why it waits
    expect(said.mock.calls.map(([text]) => String(text)).join('')).toMatch(
      /moving the store's rollups into a table per level, once/,
    );
    said.mockRestore();
    const tables = reopened.db
      .prepare("SELECT name, type FROM sqlite_master WHERE name LIKE 'rollups%' ORDER BY name")
      .all();
    expect(tables).toEqual([
      { name: 'rollups', type: 'view' },
      ...[...ROLLUP_TABLES].sort().map((name) => ({ name, type: 'table' })),
    ]);
    expect(everyRollup(reopened.db)).toEqual(before);
    expect(
      reopened.read('energy', { from: T0, to: T0 + 3 * 86_400_000, resolution: '1d', aggregate: 'delta' }),
    ).toEqual(daily);
    // each level holds only its own buckets
    for (const [i, resolution] of RESOLUTIONS.entries()) {
      const offsets = reopened.db
        .prepare(`SELECT DISTINCT bucket % ? AS off FROM ${ROLLUP_TABLES[i]}`)
        .all(RESOLUTION_MS[resolution]);
      expect(offsets).toEqual([{ off: 0 }]);
      expect(rollupTable(RESOLUTION_MS[resolution])).toBe(ROLLUP_TABLES[i]);
    }
    // and the migrated store goes on taking readings into the right buckets
    reopened.writeReadings('power', [{ t: T0 + 3 * 86_400_000, v: 5 }], 'user');
    const [last] = reopened.read('power', {
      from: T0 + 3 * 86_400_000,
      to: T0 + 4 * 86_400_000,
      resolution: '1d',
      aggregate: 'mean',
    });
    expect(last).toMatchObject({ t: T0 + 3 * 86_400_000, v: 5, n: 1 });
    reopened.close();
  });

  it('refuses a store from a newer release instead of writing to tables it does not know', () => {
    const file = join(tempDir(), 'databox.db');
    storeWithData(file).close();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => Store.open(file)).toThrow(
      /schema is version 99, from a newer Databox; this one knows up to 4/,
    );
    // and it changed nothing
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(99);
    after.close();
  });

  it('names a level by its width only', () => {
    expect(rollupTable(1_800_000)).toBe('rollups_30min');
    expect(() => rollupTable(1_800_001)).toThrow(/no rollup level is 1800001 ms wide/);
    expect(() => rollupTable(Number.NaN)).toThrow(/no rollup level/);
  });

  it('keeps the rollups view read-only, so nothing writes around the level tables', () => {
    const store = storeWithData(join(tempDir(), 'databox.db'));
    expect(() => store.db.prepare('DELETE FROM rollups').run()).toThrow(/view/);
    store.close();
  });
});
