import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BatchedInsert } from '../../../box/store/batched-insert.ts';
import { Store } from '../../../box/store/store.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();

describe('BatchedInsert', () => {
  it('writes every row once, in chunks of 64, 8 and 1, whatever the count', () => {
    const db = new Database(join(tempDir(), 'x.db'));
    db.exec('CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)');
    const insert = new BatchedInsert(db, 'INSERT INTO t (a, b)', 2);
    for (const count of [0, 1, 7, 8, 9, 63, 64, 65, 200]) {
      db.exec('DELETE FROM t');
      for (let i = 0; i < count; i++) insert.push(i, `row ${i}`);
      insert.flush();
      const rows = db.prepare('SELECT a, b FROM t ORDER BY a').all() as Array<{ a: number; b: string }>;
      expect(rows, `${count} rows`).toEqual(
        Array.from({ length: count }, (_, i) => ({ a: i, b: `row ${i}` })),
      );
    }
    db.close();
  });

  it('leaves nothing of a failed write for the next one: readings and rollups stay exact', () => {
    const store = Store.open(join(tempDir(), 'databox.db'));
    store.createDatasource({ id: 'p', kind: 'power', unit: 'W', valueType: 'gauge' }, 'user');
    store.writeReadings('p', [{ t: 1000, v: 1 }], 'user');
    // a failure inside the write transaction, after the writer buffered this batch's rows
    store.db.exec(
      "CREATE TEMP TRIGGER fail BEFORE INSERT ON readings WHEN NEW.t = 50000 BEGIN SELECT RAISE(ABORT, 'disk full, say'); END",
    );
    const batch = Array.from({ length: 100 }, (_, i) => ({ t: 2000 + i * 1000, v: i }));
    expect(() => store.writeReadings('p', batch, 'user')).toThrow(/disk full/);
    store.db.exec('DROP TRIGGER fail');
    store.writeReadings('p', [{ t: 500_000, v: 7 }], 'user');
    const raw = store.read('p', { from: 0, to: 1e6, resolution: 'raw', aggregate: 'mean' });
    expect(raw).toEqual([
      { t: 1000, v: 1 },
      { t: 500_000, v: 7 },
    ]);
    const perMinute = store.read('p', { from: 0, to: 1e6, resolution: '1min', aggregate: 'count' });
    expect(perMinute).toEqual([
      { t: 0, v: 1, n: 1 },
      { t: 480_000, v: 1, n: 1 },
    ]);
    store.close();
  });
});
