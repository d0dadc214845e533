import { describe, expect, it } from 'vitest';
import { activityFeed } from '../../../box/activity/activity-feed.ts';
import { activityGroups } from '../../../box/activity/activity-groups.ts';
import { Store } from '../../../box/store/store.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 9, 25);

/** A store whose clock the test sets, with a meter the feed can name. */
function box() {
  let now = T0 + 3_600_000;
  const store = Store.open(':memory:', { clock: () => now });
  store.createDatasource(
    { id: 'p1.electricity.import.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'driver:p1',
  );
  return { store, at: (t: number) => (now = t) };
}

describe('the activity feed', () => {
  it('says what happened in plain words', () => {
    const { store, at } = box();
    at(T0 + 10 * 3_600_000);
    store.audit.append({
      actor: 'app:energy-insights',
      action: 'readings.read',
      subject: 'p1.electricity.import.power',
      details: { resolution: '30min', from: T0 - 90 * DAY, to: T0, rows: 4320 },
    });
    store.audit.append({
      actor: 'gateway',
      action: 'export.delivered',
      subject: 'energy-insights',
      details: { export: 'x', destination: 'summary', url: 'https://energy-coop.example/api/v1' },
    });
    store.audit.append({
      actor: 'app:energy-insights',
      action: 'app.run.end',
      subject: 'energy-insights',
      details: { status: 'error' },
    });
    const lines = activityFeed(store, T0, T0 + DAY).lines.map((l) => [l.text, l.warning]);
    expect(lines).toEqual([
      ['app energy-insights ran once and ended with “error”', true],
      ['1 summary sent to energy-coop.example', false],
      ['app energy-insights read 90 days of power of P1 meter at 30-minute steps (4,320 rows in all)', false],
      ['New datasource p1.electricity.import.power from Driver “p1”', false],
    ]);
    store.close();
  });

  it('makes one line per source of a day of thousands of ingest entries, and only of that day', () => {
    const { store, at } = box();
    for (let i = 0; i < 3000; i++) {
      at(T0 + i * 20_000);
      store.writeReadings('p1.electricity.import.power', [{ t: T0 + i * 10_000, v: 300 }], 'driver:p1');
    }
    at(T0 + DAY + 5); // the next day
    store.writeReadings('p1.electricity.import.power', [{ t: T0 + DAY, v: 1 }], 'driver:p1');
    const feed = activityFeed(store, T0, T0 + DAY);
    const ingest = feed.lines.filter((l) => l.group.action === 'readings.write');
    expect(ingest.map((l) => l.text)).toEqual([
      'Driver “p1” stored 3,000 readings of power of P1 meter (3,000 ingest windows)',
    ]);
    expect(feed.entries).toBe(3001); // with the datasource's creation
    expect(activityFeed(store, T0 + DAY, T0 + 2 * DAY).lines[0].group.count).toBe(1);
    store.close();
  });

  it('keeps a window and adds what is appended later: the same groups as a fresh count', () => {
    const { store, at } = box();
    const from = T0;
    const to = T0 + DAY;
    for (let i = 0; i < 50; i++) {
      at(T0 + i * 1000);
      store.audit.append({ actor: 'user', action: 'user.signin', details: { ok: i % 5 !== 0, client: 'c' } });
    }
    const before = activityGroups(store.db, from, to);
    for (let i = 50; i < 80; i++) {
      at(T0 + i * 1000);
      store.audit.append({ actor: 'user', action: 'user.signin', details: { ok: i % 5 !== 0, client: 'c' } });
    }
    // an entry for another day, appended after the window was kept, is not counted in it
    at(T0 + 2 * DAY);
    store.audit.append({ actor: 'user', action: 'user.signin', details: { ok: true, client: 'c' } });
    const kept = activityGroups(store.db, from, to);
    const fresh = activityGroups(store.db, from, to + 0.5); // another window: computed from scratch
    const simple = (w: typeof kept) =>
      w.groups.map((g) => [g.action, g.variant, g.count, g.firstTs, g.lastTs, g.lastSeq]).sort();
    expect(before.entries).toBe(51);
    expect(kept.entries).toBe(81);
    expect(simple(kept)).toEqual(simple(fresh));
    expect(kept.groups.find((g) => g.variant === '0')?.count).toBe(16);
    store.close();
  });

  it('reads a kept past day afresh when more was appended since than it holds, with the same result', () => {
    const { store, at } = box();
    for (let i = 0; i < 20; i++) {
      at(T0 + i * 1000);
      store.audit.append({ actor: 'box', action: 'box.start', details: { version: '1', url: 'x' } });
    }
    const first = activityGroups(store.db, T0, T0 + DAY);
    for (let i = 0; i < 1500; i++) {
      at(T0 + 2 * DAY + i);
      store.audit.append({ actor: 'box', action: 'box.stop', details: {} });
    }
    const again = activityGroups(store.db, T0, T0 + DAY);
    expect(again).toEqual(first);
    expect(again.groups.find((g) => g.action === 'box.start')?.count).toBe(20);
    store.close();
  });

  it('reads at most `cap` entries of a window and says how many it left out', () => {
    const { store, at } = box();
    for (let i = 0; i < 30; i++) {
      at(T0 + i);
      store.audit.append({ actor: 'box', action: 'box.start', details: { version: '1', url: 'x' } });
    }
    const window = activityGroups(store.db, T0, T0 + DAY, 10);
    expect(window).toMatchObject({ entries: 31, skipped: 21 });
    expect(window.groups.reduce((a, g) => a + g.count, 0)).toBe(10);
    store.close();
  });
});
