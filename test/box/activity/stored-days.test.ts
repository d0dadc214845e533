import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activityFeed } from '../../../box/activity/activity-feed.ts';
import { activityGroups } from '../../../box/activity/activity-groups.ts';
import { Store } from '../../../box/store/store.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 9, 25);
const tempDir = useTempDir();

/**
 * Issue 12, point 8: a past day's activity summary survives a restart (a real SQLite file, closed
 * and opened again, so nothing of the first process's memory is left), is the same as a fresh
 * count, and is not used once the day's entries changed (a clock stepped back stamps a new entry
 * inside the closed day).
 */
describe('stored summaries of closed days', () => {
  it('answers the first view after a restart from the store, exactly, and notices a late entry', () => {
    const path = join(tempDir(), 'databox.db');
    let now = T0 + 60_000;
    const open = () => Store.open(path, { clock: () => now });
    let store = open();
    store.createDatasource(
      { id: 'p1.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'driver:p1',
    );
    for (let i = 0; i < 2000; i++) {
      now = T0 + 60_000 + i * 30_000;
      store.writeReadings('p1.power', [{ t: now - 1000, v: 300 }], 'driver:p1');
    }
    now = T0 + DAY + 3_600_000; // the day is over
    const first = activityFeed(store, T0, T0 + DAY);
    expect(first.lines.map((l) => l.text)).toContain(
      'Driver “p1” stored 2,000 readings of power of P1 meter (2,000 ingest windows)',
    );
    store.close();

    store = open(); // a restart
    const ns = store.kv.list('activity');
    expect(ns.map((e) => e.key)).toEqual([`${T0}|${T0 + DAY}`]);
    const after = activityFeed(store, T0, T0 + DAY);
    expect(after).toEqual(first);
    expect(activityGroups(store.db, T0, T0 + DAY, undefined, now).source).toBe('memory');
    store.close();

    store = open();
    expect(activityGroups(store.db, T0, T0 + DAY, undefined, now).source).toBe('stored');
    // today (not over) is never stored
    activityFeed(store, T0 + DAY, T0 + 2 * DAY);
    expect(store.kv.list('activity')).toHaveLength(1);
    store.close();

    // the clock steps back into the closed day: its stored summary no longer matches
    now = T0 + DAY - 10_000;
    store = open();
    store.writeReadings('p1.power', [{ t: now - 1000, v: 1 }], 'driver:p1');
    now = T0 + DAY + 7_200_000;
    store.close();
    store = open();
    const late = activityGroups(store.db, T0, T0 + DAY, undefined, now);
    expect(late.source).toBe('read');
    expect(late.entries).toBe(first.entries + 1);
    store.close();
    store = open();
    expect(activityGroups(store.db, T0, T0 + DAY, undefined, now)).toMatchObject({
      source: 'stored',
      entries: first.entries + 1,
    });
    store.close();
  });
});
