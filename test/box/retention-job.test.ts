import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RetentionJob } from '../../box/retention-job.ts';
import { Store } from '../../box/store/store.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 4, 1);

function storeWithDays(days: number, now: () => number) {
  const store = Store.open(join(tempDir(), 'db.sqlite'), { clock: now });
  store.createDatasource(
    { id: 'p', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  const readings = Array.from({ length: (days * DAY) / 10_000 }, (_, k) => ({
    t: T0 + k * 10_000,
    v: (k * 13) % 2500,
  }));
  store.writeReadings('p', readings, 'user');
  return { store, readings };
}

const blocks = (store: Store) => store.db.prepare('SELECT count(*) FROM blocks').pluck().get();

describe('retention job compaction', () => {
  it('packs every closed day older than minAge, and nothing of the last day', async () => {
    // now is 10:00 on day 4: days 0–2 ended more than 24 h ago, day 3 did not
    const now = T0 + 4 * DAY + 10 * 3_600_000;
    const { store, readings } = storeWithDays(4, () => now);
    const logs: string[] = [];
    const job = new RetentionJob(store, 60_000, (m) => logs.push(m), { enabled: true, minAgeMs: DAY });
    await job.compactAll();
    expect(blocks(store)).toBe(3);
    expect(job.lastCompaction).toMatchObject({ days: 3, readings: 3 * 8640 });
    expect(logs.join('\n')).toMatch(/compaction: 25920 raw readings of 3 day\(s\)/);
    const all = { from: 0, to: now, resolution: 'raw' as const, aggregate: 'mean' as const, limit: 1e6 };
    expect(store.read('p', all)).toEqual(readings);
    store.close();
  });

  it('packs nothing when disabled (the config flag), and stop() waits for a running pass', async () => {
    const now = T0 + 9 * DAY;
    const { store } = storeWithDays(3, () => now);
    const off = new RetentionJob(store, 60_000, () => {}, { enabled: false, minAgeMs: DAY });
    await off.start();
    await off.stop();
    expect(blocks(store)).toBe(0);
    const on = new RetentionJob(store, 60_000, () => {}, { enabled: true, minAgeMs: DAY });
    await on.start();
    await on.stop();
    // stopped after at most the day in hand; the next start goes on where it left off
    const packed = blocks(store) as number;
    expect(packed).toBeGreaterThanOrEqual(1);
    await on.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await on.stop();
    expect(blocks(store)).toBe(3);
    store.close();
  });
});
