import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store, WAL_SIZE_LIMIT_BYTES } from '../../../box/store/store.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const T0 = Date.UTC(2026, 0, 1);

describe('the store’s WAL file after a long reader', () => {
  it('grows while a reader holds its snapshot, then is cut back to the limit', () => {
    const file = join(tempDir(), 'databox.db');
    const store = Store.open(file);
    store.createDatasource(
      { id: 'power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    // a backup's VACUUM INTO, as another connection would hold it: one read transaction
    const reader = new Database(file, { readonly: true });
    reader.prepare('BEGIN').run();
    reader.prepare('SELECT count(*) FROM readings').get();
    const day = 8640;
    let written = 0;
    while (statSync(`${file}-wal`).size <= WAL_SIZE_LIMIT_BYTES * 1.25) {
      const batch = Array.from({ length: day }, (_, i) => ({
        t: T0 + (written + i) * 10_000,
        v: (i * 7919) % 5000,
      }));
      store.writeReadings('power', batch, 'user');
      written += day;
    }
    const grown = statSync(`${file}-wal`).size;
    expect(grown).toBeGreaterThan(WAL_SIZE_LIMIT_BYTES);
    reader.prepare('COMMIT').run();
    reader.close();
    // the next automatic checkpoint completes, the write after it starts the WAL over and cuts it
    for (let k = 0; k < 3; k++) {
      store.writeReadings('power', [{ t: T0 + (written + k) * 10_000, v: 1 }], 'user');
      store.db.pragma('wal_checkpoint(PASSIVE)');
    }
    store.writeReadings('power', [{ t: T0 + (written + 10) * 10_000, v: 1 }], 'user');
    expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
    // and nothing written while the reader held on is lost
    expect(store.db.prepare('SELECT count(*) AS n FROM readings').get()).toEqual({ n: written + 4 });
    store.close();
  });
});
