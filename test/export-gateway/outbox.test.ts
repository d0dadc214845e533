import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../export-gateway/outbox.ts';
import type { ExportRequest } from '../../export-gateway/protocol.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-outbox-');
const request = (id: string, payload: ExportRequest['payload'] = { kwh: 1 }): ExportRequest => ({
  id,
  appId: 'energy',
  runId: 'run-1',
  destination: { id: 'coop', url: 'https://coop.example/in', allowPrivate: false },
  payload,
  payloadSha256: 'not-checked-here',
  createdAt: 1000,
});

describe('Outbox', () => {
  it('stores an export once per id; a repeat changes nothing', () => {
    const outbox = new Outbox(join(tempDir(), 'outbox.db'));
    expect(outbox.accept(request('a'), '{"kwh":1}', 5000)).toBe(true);
    expect(outbox.accept(request('a', { kwh: 2 }), '{"kwh":2}', 6000)).toBe(false);
    expect(outbox.get('a')).toEqual({ id: 'a', status: 'queued', attempts: 0, nextAttemptAt: 5000 });
    expect(outbox.claimDue(5000, 10)).toEqual([
      { id: 'a', url: 'https://coop.example/in', allowPrivate: false, body: '{"kwh":1}', attempts: 1 },
    ]);
    expect(outbox.get('unknown')).toBeUndefined();
    outbox.close();
  });

  it('claims only due exports, oldest first, up to the limit', () => {
    const outbox = new Outbox(join(tempDir(), 'outbox.db'));
    outbox.accept(request('late'), '1', 300);
    outbox.accept(request('early'), '1', 100);
    outbox.accept(request('mid'), '1', 200);
    expect(outbox.claimDue(250, 10).map((e) => e.id)).toEqual(['early', 'mid']);
    expect(outbox.claimDue(250, 10)).toEqual([]); // already delivering
    expect(outbox.nextDueAt()).toBe(300);
    expect(outbox.health()).toEqual({ ok: true, queued: 1, delivering: 2, failed: 0 });
    outbox.close();
  });

  it('records each outcome with its event, in order', () => {
    const outbox = new Outbox(join(tempDir(), 'outbox.db'));
    outbox.accept(request('a'), '{"kwh":1}', 0);
    outbox.claimDue(0, 1);
    outbox.finish('a', 1, {
      type: 'retry',
      at: 10,
      nextAttemptAt: 1010,
      error: 'receiver answered 503',
      responseStatus: 503,
      bytes: 9,
    });
    expect(outbox.get('a')).toEqual({
      id: 'a',
      status: 'queued',
      attempts: 1,
      lastError: 'receiver answered 503',
      responseStatus: 503,
      nextAttemptAt: 1010,
    });
    expect(outbox.claimDue(1009, 1)).toEqual([]);
    expect(outbox.claimDue(1010, 1)[0].attempts).toBe(2);
    outbox.finish('a', 2, { type: 'delivered', at: 1020, responseStatus: 200, bytes: 9 });
    expect(outbox.get('a')).toEqual({
      id: 'a',
      status: 'delivered',
      attempts: 2,
      responseStatus: 200,
      deliveredAt: 1020,
    });
    expect(outbox.events(0, 10)).toEqual([
      {
        seq: 1,
        id: 'a',
        type: 'attempt',
        at: 10,
        attempt: 1,
        responseStatus: 503,
        error: 'receiver answered 503',
        bytes: 9,
      },
      { seq: 2, id: 'a', type: 'delivered', at: 1020, attempt: 2, responseStatus: 200, bytes: 9 },
    ]);
    expect(outbox.events(1, 10).map((e) => e.seq)).toEqual([2]);
    outbox.close();
  });

  it('re-queues exports a dead process left delivering, and they survive reopening', () => {
    const path = join(tempDir(), 'outbox.db');
    const first = new Outbox(path);
    first.accept(request('a'), '1', 0);
    first.accept(request('b'), '1', 0);
    first.claimDue(0, 10);
    // no close(): as if the process died
    const second = new Outbox(path);
    expect(second.reclaimInterrupted(500)).toBe(2);
    expect(second.get('a')).toMatchObject({ status: 'queued', attempts: 1, nextAttemptAt: 500 });
    expect(second.events(0, 10).map((e) => [e.id, e.type, e.attempt, e.bytes])).toEqual([
      ['a', 'attempt', 1, 0],
      ['b', 'attempt', 1, 0],
    ]);
    expect(second.claimDue(500, 10).map((e) => [e.id, e.attempts])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    first.close();
    second.close();
  });

  it('retries only failed exports, with a fresh set of attempts', () => {
    const outbox = new Outbox(join(tempDir(), 'outbox.db'));
    outbox.accept(request('a'), '1', 0);
    expect(outbox.retry('a', 1)).toBe(false);
    outbox.claimDue(0, 1);
    outbox.finish('a', 1, {
      type: 'failed',
      at: 5,
      error: 'receiver answered 404 (not retried)',
      responseStatus: 404,
      bytes: 1,
    });
    expect(outbox.health()).toEqual({ ok: true, queued: 0, delivering: 0, failed: 1 });
    expect(outbox.retry('a', 9)).toBe(true);
    expect(outbox.get('a')).toMatchObject({ status: 'queued', attempts: 0, nextAttemptAt: 9 });
    outbox.close();
  });
});

describe('Outbox durability settings', () => {
  it('runs in WAL mode with synchronous=FULL, also after a claim', () => {
    const outbox = new Outbox(join(tempDir(), 'outbox.db'));
    expect(outbox.durability()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
    outbox.accept(request('a'), '1', 0);
    expect(outbox.claimDue(0, 1)).toHaveLength(1);
    expect(outbox.durability()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
    outbox.close();
  });
});
