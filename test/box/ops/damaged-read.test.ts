import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHttpApp } from '../../../box/http/app.ts';
import { Store } from '../../../box/store/store.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();

describe('a store damaged under a running API', () => {
  it('answers a read that hits a damaged page naming the file and what to do, not "internal error"', async () => {
    const home = tempDir();
    const file = join(home, 'databox.db');
    let store = Store.open(file);
    store.createDatasource(
      { id: 'power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    const t0 = Date.UTC(2025, 0, 1);
    for (let b = 0; b < 20; b++)
      store.writeReadings(
        'power',
        Array.from({ length: 5000 }, (_, i) => ({ t: t0 + (b * 5000 + i) * 1000, v: i })),
        'user',
      );
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    // 64 KiB of 0xff over the middle of the file: the readings' b-tree pages
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(65_536, 0xff), 0, 65_536, Math.floor(statSync(file).size / 2));
    closeSync(fd);
    store = Store.open(file);
    const app = createHttpApp({
      store,
      adminToken: 't'.repeat(43),
      bodyLimitBytes: 1 << 20,
      status: () => ({}),
    });
    const res = await app.request(
      `/api/v1/datasources/power/readings?from=${t0}&to=${t0 + 100_000_000}&limit=100000`,
      {
        headers: { authorization: `Bearer ${'t'.repeat(43)}`, host: '127.0.0.1' },
      },
    );
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(res.status).toBe(500);
    expect(body.error.code).toBe('store_damaged');
    expect(body.error.message).toContain(`${file} is damaged (SQLITE_CORRUPT`);
    expect(body.error.message).toContain('restore from a backup');
    store.close();
  });
});
