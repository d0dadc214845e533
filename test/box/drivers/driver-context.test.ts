import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay } from '../../../box/drivers/backoff.ts';
import { BufferedDriverContext } from '../../../box/drivers/driver-context.ts';
import { formatError } from '../../../box/errors.ts';
import { Store } from '../../../box/store/store.ts';
import type { DriverStatus } from '../../../drivers/driver.ts';

const T0 = Date.UTC(2026, 0, 1);
let store: Store;
let status: DriverStatus;

beforeEach(() => {
  store = Store.open(':memory:');
  status = { state: 'starting', counters: {} };
});
afterEach(() => {
  vi.useRealTimers();
  store.close();
});

function context(options: { flushIntervalMs?: number; flushMaxReadings?: number } = {}) {
  const ctx = new BufferedDriverContext({ instanceId: 'meter', store, status, log: () => {}, ...options });
  ctx.registerDatasource({ id: 'm.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' });
  ctx.registerDatasource({ id: 'm.door', kind: 'door', unit: '', valueType: 'event' });
  return ctx;
}

const rows = (id: string) =>
  store.read(id, { from: 0, to: T0 + 86_400_000, resolution: 'raw', aggregate: 'mean' });

describe('BufferedDriverContext', () => {
  it('registers datasources as its driver and creates each once', () => {
    context();
    expect(store.getDatasource('m.power')).toMatchObject({ driver: 'meter', unit: 'W', valueType: 'gauge' });
    const creates = store.audit.query({ action: 'datasource.create' });
    expect(creates.map((e) => [e.actor, e.subject])).toEqual([
      ['driver:meter', 'm.power'],
      ['driver:meter', 'm.door'],
    ]);
  });

  it('holds writes until the flush interval, then stores them in one transaction and resolves', async () => {
    vi.useFakeTimers();
    const ctx = context({ flushIntervalMs: 250 });
    let done = 0;
    const a = ctx.write('m.power', [{ t: T0, v: 100 }]).then(() => done++);
    const b = ctx.write('m.power', [{ t: T0 + 1000, v: 200 }]).then(() => done++);
    const c = ctx.writeEvents('m.door', [{ t: T0, data: { open: true } }]).then(() => done++);
    await vi.advanceTimersByTimeAsync(249);
    expect(done).toBe(0);
    expect(rows('m.power')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all([a, b, c]);
    expect(done).toBe(3);
    expect(rows('m.power')).toEqual([
      { t: T0, v: 100 },
      { t: T0 + 1000, v: 200 },
    ]);
    expect(store.readEvents('m.door', { from: 0, to: T0 + 1 })).toEqual([{ t: T0, data: { open: true } }]);
    // two writes to one source in one flush: one audit entry
    const audits = store.audit.query({ action: 'readings.write' });
    expect(audits.map((e) => [e.actor, e.subject, e.details.written])).toEqual([
      ['driver:meter', 'm.power', 2],
    ]);
    expect(status.counters).toEqual({ readings: 2, events: 1 });
    expect(status.lastReadingAt).toBeTypeOf('number');
  });

  it('flushes at once when the buffer reaches the reading limit', async () => {
    vi.useFakeTimers();
    const ctx = context({ flushIntervalMs: 60_000, flushMaxReadings: 5 });
    const first = ctx.write(
      'm.power',
      [1, 2, 3].map((i) => ({ t: T0 + i, v: i })),
    );
    expect(rows('m.power')).toHaveLength(0);
    const second = ctx.write(
      'm.power',
      [4, 5].map((i) => ({ t: T0 + i, v: i })),
    );
    expect(rows('m.power')).toHaveLength(5); // synchronous: stored before any timer ran
    await Promise.all([first, second]);
  });

  it('rejects only the write the store refuses, stores the rest and records the error', async () => {
    const ctx = context({ flushIntervalMs: 60_000 });
    const good = ctx.write('m.power', [{ t: T0, v: 1 }]);
    const bad = ctx.write('m.power', [{ t: T0 + 1, v: Number.NaN }]);
    const missing = ctx.write('nowhere', [{ t: T0, v: 1 }]);
    const later = ctx.write('m.power', [{ t: T0 + 2, v: 3 }]);
    await ctx.flush();
    const [g, b, m, l] = await Promise.allSettled([good, bad, missing, later]);
    expect(g.status).toBe('fulfilled');
    expect(l.status).toBe('fulfilled');
    expect(b.status === 'rejected' && formatError(b.reason)).toMatch(
      /readings\[0\]\.v: must be a finite number, got NaN/,
    );
    expect(m.status === 'rejected' && formatError(m.reason)).toMatch(/datasource "nowhere" does not exist/);
    expect(rows('m.power').map((r) => r.v)).toEqual([1, 3]);
    expect(status.counters.writeErrors).toBe(2);
    expect(status.lastError?.message).toMatch(/^storing nowhere: /);
  });

  it('stores the buffer on close and rejects writes after it', async () => {
    const ctx = context({ flushIntervalMs: 60_000 });
    const pending = ctx.write('m.power', [{ t: T0, v: 7 }]);
    await ctx.close();
    await expect(pending).resolves.toBeUndefined();
    expect(rows('m.power')).toEqual([{ t: T0, v: 7 }]);
    await expect(ctx.write('m.power', [{ t: T0 + 1, v: 8 }])).rejects.toThrow(/driver meter is stopped/);
  });
});

describe('backoffDelay', () => {
  it('doubles from 1 s to the 60 s cap with the jitter in the upper half of each step', () => {
    const low = (attempt: number) => backoffDelay(attempt, { random: () => 0 });
    const high = (attempt: number) => backoffDelay(attempt, { random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map(low)).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect([0, 1, 5, 6, 50].map(high)).toEqual([1000, 2000, 32000, 60000, 60000]);
  });
});
