import { describe, expect, it } from 'vitest';
import { attemptOutcome, type OutcomeContext } from '../../export-gateway/attempt-outcome.ts';
import { backoffDelay, retryAfterMs } from '../../export-gateway/backoff.ts';
import { SafeClientError } from '../../export-gateway/safe-client/errors.ts';
import type { SafePostResponse } from '../../export-gateway/safe-client/safe-post.ts';

const mid = () => 0.5; // no jitter
const ctx = (attempt = 1, maxAttempts = 8): OutcomeContext => ({
  attempt,
  maxAttempts,
  backoff: { baseMs: 1000, maxMs: 300_000, random: mid },
  now: 10_000,
  bytes: 42,
});
const res = (status: number, extra: Partial<SafePostResponse> = {}): SafePostResponse => ({
  status,
  body: Buffer.alloc(0),
  truncated: false,
  bytesSent: 42,
  address: '127.0.0.1',
  ...extra,
});

describe('backoffDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    const o = { baseMs: 1000, maxMs: 300_000, random: mid };
    expect([1, 2, 3, 4, 9, 10, 30].map((n) => backoffDelay(n, o))).toEqual([
      1000, 2000, 4000, 8000, 256_000, 300_000, 300_000,
    ]);
  });
  it('jitters by ±20%', () => {
    expect(backoffDelay(2, { baseMs: 1000, maxMs: 300_000, random: () => 0 })).toBe(1600);
    expect(backoffDelay(2, { baseMs: 1000, maxMs: 300_000, random: () => 0.999999 })).toBe(2400);
  });
  it('reads Retry-After in seconds or as a date', () => {
    expect(retryAfterMs('7', 0)).toBe(7000);
    expect(retryAfterMs(new Date(60_000).toUTCString(), 30_000)).toBe(30_000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
  });
});

describe('attemptOutcome', () => {
  it('2xx is delivered', () => {
    expect(attemptOutcome(res(204), ctx())).toEqual({
      type: 'delivered',
      at: 10_000,
      responseStatus: 204,
      bytes: 42,
    });
  });
  it('3xx fails at once and names the redirect', () => {
    const o = attemptOutcome(res(302, { location: 'https://evil.example/' }), ctx());
    expect(o).toMatchObject({ type: 'failed', responseStatus: 302 });
    expect(o.type !== 'delivered' && o.error).toBe('redirect 302 to https://evil.example/ not followed');
  });
  it.each([400, 401, 403, 404, 410, 413, 422])('%i fails at once', (status) => {
    expect(attemptOutcome(res(status), ctx())).toMatchObject({ type: 'failed', responseStatus: status });
  });
  it.each([408, 429, 500, 502, 503])('%i is retried after the backoff', (status) => {
    expect(attemptOutcome(res(status), ctx(3))).toMatchObject({
      type: 'retry',
      nextAttemptAt: 10_000 + 4000,
    });
  });
  it('waits at least Retry-After, at most the cap', () => {
    expect(attemptOutcome(res(429, { retryAfter: '30' }), ctx(1))).toMatchObject({ nextAttemptAt: 40_000 });
    expect(attemptOutcome(res(503, { retryAfter: '86400' }), ctx(1))).toMatchObject({
      nextAttemptAt: 310_000,
    });
  });
  it('network errors are retried, refusals are not', () => {
    expect(attemptOutcome(new SafeClientError('network', 'ECONNREFUSED'), ctx())).toMatchObject({
      type: 'retry',
    });
    expect(attemptOutcome(new SafeClientError('refused_address', 'loopback'), ctx())).toMatchObject({
      type: 'failed',
      error: 'refused_address: loopback',
    });
  });
  it('a retryable outcome on the last attempt is failed', () => {
    expect(attemptOutcome(res(503), ctx(8, 8))).toMatchObject({
      type: 'failed',
      error: 'receiver answered 503; gave up after 8 attempts',
    });
  });
});
