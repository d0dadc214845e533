import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRollups } from '../../box/store/consistency.ts';
import { Store } from '../../box/store/store.ts';
import type { Reading } from '../../box/store/types.ts';
import { type BoxProcess, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();
const DAY = 86_400_000;
const DAYS = 20;
const T0 = Date.UTC(2026, 0, 1);
let running: BoxProcess | undefined;

afterEach(async () => {
  if (running) await stopBoxProcess(running, 'SIGKILL');
  running = undefined;
});

/** 10 s readings over `DAYS` days: whole watts, or a kWh register with three decimals and a reset. */
function expected(id: 'power' | 'energy'): Reading[] {
  return Array.from({ length: (DAYS * DAY) / 10_000 }, (_, k) => ({
    t: T0 + k * 10_000,
    v: id === 'power' ? (k * 37) % 3001 : Math.round(((k % 200_000) * 0.7) / 1) / 1000,
  }));
}

/** Every reading exactly once, exact values and rollups, and no day both as rows and as a block. */
function verify(home: string) {
  const store = Store.open(join(home, 'databox.db'));
  try {
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    for (const id of ['power', 'energy'] as const) {
      const read = store.read(id, {
        from: 0,
        to: T0 + 60 * DAY,
        resolution: 'raw',
        aggregate: 'mean',
        limit: 1_000_000,
      });
      expect(read).toEqual(expected(id));
      expect(checkRollups(store.db, store.catalogue.get(id))).toEqual([]);
    }
    const both = store.db
      .prepare(
        'SELECT count(*) FROM blocks b WHERE EXISTS (SELECT 1 FROM readings r WHERE r.sid = b.sid AND r.t >= b.day * 86400000 AND r.t < (b.day + 1) * 86400000)',
      )
      .pluck()
      .get();
    expect(both).toBe(0);
    return store.db.prepare('SELECT count(*) FROM blocks').pluck().get() as number;
  } finally {
    store.close();
  }
}

describe('compaction in a real box process', () => {
  it('finds every reading exactly once after SIGKILLs in the middle of compacting', async () => {
    const home = tempDir();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const store = Store.open(join(home, 'databox.db'));
    store.createDatasource(
      { id: 'power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    store.createDatasource(
      { id: 'energy', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
      'user',
    );
    for (const id of ['power', 'energy'] as const) {
      const all = expected(id);
      for (let i = 0; i < all.length; i += 50_000) store.writeReadings(id, all.slice(i, i + 50_000), 'user');
    }
    store.close();
    writeFileSync(join(home, 'config.json'), JSON.stringify({ store: { compaction: { enabled: true } } }));

    const watcher = () => Store.open(join(home, 'databox.db'));
    let blocks = 0;
    for (let round = 0; round < 3 && blocks < 2 * DAYS; round++) {
      running = await startBoxProcess(home);
      // kill it while the job is half-way: some days packed, others still rows
      const seen = watcher();
      const start = blocks;
      for (let i = 0; i < 2000; i++) {
        const now = seen.db.prepare('SELECT count(*) FROM blocks').pluck().get() as number;
        if (now >= start + 5 + round * 7) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      seen.close();
      await stopBoxProcess(running, 'SIGKILL');
      running = undefined;
      blocks = verify(home);
      expect(blocks).toBeGreaterThan(start);
    }
    expect(blocks).toBeLessThan(2 * DAYS);

    // a last clean run finishes the job: every day of both sources is one block, nothing lost
    running = await startBoxProcess(home);
    const seen = watcher();
    for (let i = 0; i < 6000; i++) {
      if ((seen.db.prepare('SELECT count(*) FROM blocks').pluck().get() as number) === 2 * DAYS) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    seen.close();
    await stopBoxProcess(running, 'SIGTERM');
    running = undefined;
    expect(verify(home)).toBe(2 * DAYS);
  }, 240_000);
});
