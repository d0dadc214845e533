import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Box } from '../../../box/box.ts';
import { DAEMON_SQLITE_CACHE_KIB, Store } from '../../../box/store/store.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const boxes: Box[] = [];

afterEach(async () => {
  for (const box of boxes.splice(0)) await box.stop();
});

/** SQLite reports a size in KiB as a negative `cache_size`. */
const cacheKiB = (store: Store) => -Number(store.db.pragma('cache_size', { simple: true }));

describe("SQLite's page cache", () => {
  it('keeps the build default (16 MB) unless a size is given, and takes the size given', () => {
    const dir = tempDir();
    const plain = Store.open(join(dir, 'a.db'));
    const small = Store.open(join(dir, 'b.db'), { cacheKiB: 1024 });
    try {
      // better-sqlite3's DEFAULT_CACHE_SIZE: what the daemon kept resident after an ingest
      expect(cacheKiB(plain)).toBe(16_000);
      expect(cacheKiB(small)).toBe(1024);
    } finally {
      plain.close();
      small.close();
    }
  });

  it("is the daemon's small size on the box's own connection", async () => {
    const box = new Box({ home: tempDir(), port: 0, log: () => {} });
    boxes.push(box);
    await box.start();
    expect(DAEMON_SQLITE_CACHE_KIB).toBeLessThanOrEqual(4096);
    expect(cacheKiB(box.store)).toBe(DAEMON_SQLITE_CACHE_KIB);
  });
});
