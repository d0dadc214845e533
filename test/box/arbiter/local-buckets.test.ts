import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppManager } from '../../../box/apps/app-manager.ts';
import { Arbiter, type ReadContext } from '../../../box/arbiter/arbiter.ts';
import { Store } from '../../../box/store/store.ts';
import { saveTimeSettings } from '../../../box/time/time-settings.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { testManifest, writeAppFolder } from '../apps/app-fixtures.ts';

const tempDir = useTempDir();
const HOUR = 3_600_000;
const STEP = 10_000;

/**
 * A box in `zone` on a real SQLite file with 10 s power readings over `[from, now)` and an app
 * granted `resolution` over seven days; returns the arbiter, a run context and the raw readings.
 */
function boxIn(zone: string, from: number, now: number, resolution: string) {
  const store = Store.open(join(tempDir(), 'databox.db'), { clock: () => now });
  saveTimeSettings(store, { timeZone: zone });
  store.createDatasource(
    { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  store.createDatasource({ id: 'room.temp', kind: 'temperature', unit: '°C', valueType: 'gauge' }, 'user');
  const raw: Array<{ t: number; v: number }> = [];
  let s = 5;
  for (let t = from; t < now; t += STEP) {
    s = (s * 1664525 + 1013904223) >>> 0;
    raw.push({ t, v: 200 + (s % 1000) });
  }
  for (let i = 0; i < raw.length; i += 20_000)
    store.writeReadings('meter.power', raw.slice(i, i + 20_000), 'user');
  const root = tempDir();
  const apps = new AppManager(store, { appsDir: join(root, 'apps') });
  const manifest = testManifest();
  const [power] = manifest.requests ?? [];
  power.history = 'P7D';
  power.resolutions.push({ resolution: 'raw', purpose: 'raw' } as never);
  apps.install(writeAppFolder(root, manifest), {
    requests: { power: { datasource: 'meter.power', resolution, history: 'P7D' } },
    expires: 'P30D',
  });
  const arbiter = new Arbiter(store, apps.registry);
  const ctx = (): ReadContext => ({ appId: 'energy-test', runId: 'run-1', reads: 0, rowsRead: 0 });
  const mean = (a: number, b: number) => {
    const span = raw.filter((r) => r.t >= a && r.t < b);
    return span.reduce((x, r) => x + r.v, 0) / span.length;
  };
  return { store, arbiter, ctx, raw, mean };
}

const localTime = (zone: string, t: number) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'short', timeStyle: 'short' }).format(t);

describe('the arbiter serves local days and hours of the box zone', () => {
  it('Europe/Amsterdam, 1d grant: local days across the 25-hour 2026-10-25, closed ones only, equal to the raw readings', () => {
    const from = Date.UTC(2026, 9, 22);
    const now = Date.UTC(2026, 9, 28, 10, 30); // 11:30 CET on the 28th: that day still filling
    const { arbiter, ctx, mean, store } = boxIn('Europe/Amsterdam', from, now, '1d');
    const read = arbiter.read(ctx(), { request: 'power' });
    expect(read.resolution).toBe('1d');
    const days = read.points.map((p) => localTime('Europe/Amsterdam', p.t));
    // the window [now - 7 d, now) starts at 12:30 on the 21st: whole local days from the 22nd
    // (data only from 02:00 that day: the seeded readings start at 00:00 UTC); the 28th is still
    // filling, so it is not served
    expect(days).toEqual(['22', '23', '24', '25', '26', '27'].map((d) => `${d}/10/2026, 00:00`));
    expect(read.to).toBe(Date.UTC(2026, 9, 27, 23));
    for (let i = 0; i < read.points.length; i++) {
      const p = read.points[i];
      const end = i + 1 < read.points.length ? read.points[i + 1].t : read.to;
      expect(p.v).toBeCloseTo(mean(p.t, end), 9);
    }
    const long = read.points.find((p) => localTime('Europe/Amsterdam', p.t).startsWith('25/10'));
    const next = read.points.find((p) => localTime('Europe/Amsterdam', p.t).startsWith('26/10'));
    expect((next?.t ?? 0) - (long?.t ?? 0)).toBe(25 * HOUR);
    // the same read on a box in UTC would have cut at 00:00 UTC: here the audit names the zone
    const [entry] = store.audit.query({ action: 'readings.read', order: 'desc', limit: 1 });
    expect(entry.details).toMatchObject({ resolution: '1d', tz: 'Europe/Amsterdam' });
    store.close();
  });

  it('Asia/Kolkata, 1h grant: hours start at :30 UTC and days at 18:30 UTC, the open hour withheld', () => {
    const from = Date.UTC(2026, 4, 1);
    const now = Date.UTC(2026, 4, 3, 7, 50); // 13:20 local
    const { arbiter, ctx, mean, store } = boxIn('Asia/Kolkata', from, now, '1h');
    const hours = arbiter.read(ctx(), { request: 'power', from: now - 6 * HOUR });
    expect(hours.points.map((p) => new Date(p.t).getUTCMinutes())).toEqual(
      Array(hours.points.length).fill(30),
    );
    // 13:00 local (07:30 UTC) is still filling at 13:20
    expect(hours.to).toBe(Date.UTC(2026, 4, 3, 7, 30));
    expect(hours.points.at(-1)?.t).toBe(Date.UTC(2026, 4, 3, 6, 30));
    for (const p of hours.points) expect(p.v).toBeCloseTo(mean(p.t, p.t + HOUR), 9);
    const days = arbiter.read(ctx(), { request: 'power', resolution: '1d' });
    // 1 May (data from 05:30 local) and 2 May; 3 May is still filling
    expect(days.points.map((p) => new Date(p.t).toISOString())).toEqual([
      '2026-04-30T18:30:00.000Z',
      '2026-05-01T18:30:00.000Z',
    ]);
    for (const p of days.points) expect(p.v).toBeCloseTo(mean(p.t, p.t + 24 * HOUR), 9);
    store.close();
  });

  it('a raw grant reads local days too, with the day still filling as its raw reads show it', () => {
    const from = Date.UTC(2026, 4, 1);
    const now = Date.UTC(2026, 4, 3, 7, 50);
    const { arbiter, ctx, mean, store } = boxIn('Asia/Kathmandu', from, now, 'raw');
    const days = arbiter.read(ctx(), { request: 'power', resolution: '1d' });
    expect(days.points.map((p) => new Date(p.t).toISOString())).toEqual([
      '2026-04-30T18:15:00.000Z',
      '2026-05-01T18:15:00.000Z',
      '2026-05-02T18:15:00.000Z',
    ]);
    expect(days.to).toBe(now);
    const last = days.points[2];
    expect(last.v).toBeCloseTo(mean(last.t, now), 9);
    store.close();
  });
});
