import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppManager } from '../../../box/apps/app-manager.ts';
import { Arbiter, type ReadContext } from '../../../box/arbiter/arbiter.ts';
import { DataboxError } from '../../../box/errors.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { DAY, MINUTE, NOW, testStore, writeAppFolder } from '../apps/app-fixtures.ts';

const tempDir = useTempDir();
const HOUR = 3_600_000;

function setup(resolution = '30min', history = 'P1D', expires = 'P30D') {
  const clock = { now: NOW };
  const store = testStore(clock);
  const root = tempDir();
  const apps = new AppManager(store, { appsDir: join(root, 'apps') });
  apps.install(writeAppFolder(root), {
    requests: { power: { datasource: 'meter.power', resolution, history } },
    expires,
  });
  const arbiter = new Arbiter(store, apps.registry);
  const ctx = (): ReadContext => ({ appId: 'energy-test', runId: 'run-1', reads: 0, rowsRead: 0 });
  return { clock, store, apps, arbiter, ctx };
}

function refusal(fn: () => unknown): DataboxError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DataboxError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('Arbiter.read', () => {
  it('defaults to the granted resolution and the whole history, starting at the first whole bucket', () => {
    const { arbiter, ctx } = setup();
    const result = arbiter.read(ctx(), { request: 'power' });
    // window [NOW - 1 d, NOW) = [Jan 9 12:10, Jan 10 12:10); the bucket at 12:00 would hold 12:00–12:09
    const first = Date.UTC(2024, 0, 9, 12, 30);
    // the window ends where the bucket still filling (12:00–12:30, 10 readings so far) starts
    expect(result).toMatchObject({
      request: 'power',
      resolution: '30min',
      aggregate: 'mean',
      unit: 'W',
      to: Date.UTC(2024, 0, 10, 12, 0),
    });
    expect(result.from).toBe(first);
    // no `n`: the manifest declares mean and max, not count
    expect(result.points[0]).toEqual({ t: first, v: 44.5 }); // minutes 30..59 → mean 44.5
    expect(result.points[1]).toEqual({ t: first + 30 * MINUTE, v: 14.5 });
    expect(Math.min(...result.points.map((p) => p.t))).toBeGreaterThanOrEqual(NOW - DAY);
    // 12:30 Jan 9 to 12:00 Jan 10 is 47 whole, closed buckets
    expect(result.points).toHaveLength(47);
    expect(result.points.at(-1)?.t).toBe(Date.UTC(2024, 0, 10, 11, 30));
  });

  it('clips a window reaching before the history to the history', () => {
    const { arbiter, ctx } = setup('30min', 'PT6H');
    const result = arbiter.read(ctx(), { request: 'power', from: NOW - 3 * DAY, to: NOW });
    expect(result.from).toBe(Date.UTC(2024, 0, 10, 6, 30));
    expect(result.points[0].t).toBe(Date.UTC(2024, 0, 10, 6, 30));
    const before = arbiter.read(ctx(), { request: 'power', from: NOW - 3 * DAY, to: NOW - 2 * DAY });
    expect(before.points).toEqual([]);
  });

  it('refuses a finer resolution with a message naming both, and allows a coarser one', () => {
    const { arbiter, ctx } = setup();
    for (const resolution of ['raw', '1min', '15min'] as const) {
      const error = refusal(() => arbiter.read(ctx(), { request: 'power', resolution }));
      expect(error.status).toBe(403);
      expect(error.code).toBe('forbidden');
      expect(error.message).toBe(`resolution ${resolution} is finer than the granted 30min`);
    }
    const hourly = arbiter.read(ctx(), { request: 'power', resolution: '1h' });
    expect(hourly.resolution).toBe('1h');
    expect(hourly.points[0]).toEqual({ t: Date.UTC(2024, 0, 9, 13), v: 29.5 });
    expect(hourly.to).toBe(Date.UTC(2024, 0, 10, 12));
  });

  it('limits aggregates to the declared ones (plus the default)', () => {
    const { arbiter, ctx } = setup();
    expect(arbiter.read(ctx(), { request: 'power', aggregate: 'max' }).points[0].v).toBe(59);
    const error = refusal(() => arbiter.read(ctx(), { request: 'power', aggregate: 'sum' }));
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('aggregate sum was not declared');
  });

  it('a 1min grant over one reading a minute serves nothing: each bucket would be one raw reading', () => {
    const { store, arbiter, ctx } = setup('1min', 'PT1H');
    const { from, to, points } = arbiter.read(ctx(), { request: 'power' });
    expect(from).toBe(NOW - HOUR);
    expect(to).toBe(NOW);
    expect(points).toEqual([]);
    const [entry] = store.audit.query({ action: 'readings.read', order: 'desc', limit: 1 });
    expect(entry.details).toMatchObject({ rows: 0, withheld: 60 });
    // at 5min each bucket holds 5 readings, enough to be served
    const fives = arbiter.read(ctx(), { request: 'power', resolution: '5min' });
    expect(fives.points).toHaveLength(12);
    expect(fives.points[0]).toEqual({ t: NOW - HOUR, v: 12 }); // minutes 10..14
  });

  it('refuses revoked and expired grants, and undeclared or declined requests', () => {
    const { clock, apps, arbiter, ctx } = setup('30min', 'P1D', 'P7D');
    expect(arbiter.read(ctx(), { request: 'power' }).points.length).toBeGreaterThan(0);
    clock.now = NOW + 7 * DAY;
    expect(refusal(() => arbiter.read(ctx(), { request: 'power' })).message).toContain('expired at');
    clock.now = NOW + DAY;
    apps.revoke('energy-test', 'power');
    const revoked = refusal(() => arbiter.read(ctx(), { request: 'power' }));
    expect(revoked.status).toBe(403);
    expect(revoked.message).toContain('revoked');
    expect(refusal(() => arbiter.read(ctx(), { request: 'temp' })).message).toContain('not granted');
    expect(refusal(() => arbiter.read(ctx(), { request: 'gas' })).code).toBe('not_found');
    apps.uninstall('energy-test');
    expect(refusal(() => arbiter.read(ctx(), { request: 'power' })).message).toContain('not installed');
  });

  it('rate limits reads per run', () => {
    const { arbiter } = setup();
    const ctx: ReadContext = { appId: 'energy-test', runId: 'r', reads: 0, rowsRead: 0, maxReads: 3 };
    for (let i = 0; i < 3; i++) arbiter.read(ctx, { request: 'power', from: NOW - HOUR });
    const error = refusal(() => arbiter.read(ctx, { request: 'power' }));
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limited');
  });

  it('audits every read as app:<id> with run, request, resolution, window and rows', () => {
    const { store, arbiter, ctx } = setup();
    const c = ctx();
    const result = arbiter.read(c, { request: 'power', from: NOW - 2 * HOUR });
    const [entry] = store.audit.query({ action: 'readings.read', order: 'desc', limit: 1 });
    expect(entry.actor).toBe('app:energy-test');
    expect(entry.subject).toBe('meter.power');
    expect(entry.details).toMatchObject({
      run: 'run-1',
      request: 'power',
      resolution: '30min',
      aggregate: 'mean',
      from: Date.UTC(2024, 0, 10, 10, 30),
      to: Date.UTC(2024, 0, 10, 12, 0),
      rows: result.points.length,
      withheld: 0,
    });
    expect(result.points.length).toBe(3); // 10:30, 11:00, 11:30 (12:00 is still filling)
    expect(c.rowsRead).toBe(3);
  });
});
