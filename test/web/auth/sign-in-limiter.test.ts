import { describe, expect, it } from 'vitest';
import { clientKey, SignInLimiter } from '../../../box/web/auth/sign-in-limiter.ts';

describe('SignInLimiter', () => {
  it('lets a client fail a few times, then doubles its wait with each failure up to a cap', () => {
    const limiter = new SignInLimiter({ freeFailures: 2, baseDelayMs: 1_000, maxDelayMs: 8_000 });
    const waits: number[] = [];
    let now = 0;
    for (let i = 0; i < 7; i++) {
      const wait = limiter.retryAfter('192.168.1.20', now);
      waits.push(wait?.ms ?? 0);
      now += wait?.ms ?? 0;
      limiter.fail('192.168.1.20', now);
    }
    expect(waits).toEqual([0, 0, 1_000, 2_000, 4_000, 8_000, 8_000]);
    expect(limiter.retryAfter('192.168.1.20', now)).toEqual({ ms: 8_000, reason: 'client' });
    // another client is not held by this one's failures
    expect(limiter.retryAfter('192.168.1.21', now)).toBeUndefined();
    limiter.succeed('192.168.1.20');
    expect(limiter.retryAfter('192.168.1.20', now)).toBeUndefined();
  });

  it('forgets a client that has not failed for a long time', () => {
    const limiter = new SignInLimiter({ freeFailures: 1, forgetAfterMs: 60_000 });
    limiter.fail('10.0.0.5', 0);
    expect(limiter.retryAfter('10.0.0.5', 10)?.reason).toBe('client');
    expect(limiter.retryAfter('10.0.0.5', 60_001)).toBeUndefined();
  });

  it('caps the failures of many clients together, but never holds 127.0.0.1 or ::1 by them', () => {
    const limiter = new SignInLimiter({ ceiling: 3, ceilingWindowMs: 60_000 });
    limiter.fail('10.0.0.1', 0);
    limiter.fail('10.0.0.2', 10);
    limiter.fail('127.0.0.2', 20);
    expect(limiter.retryAfter('10.0.0.9', 30)).toEqual({ ms: 60_000 - 30, reason: 'ceiling' });
    expect(limiter.retryAfter('127.0.0.1', 30)).toBeUndefined();
    expect(limiter.retryAfter('::1', 30)).toBeUndefined();
    expect(limiter.retryAfter('::ffff:127.0.0.1', 30)).toBeUndefined();
    // failures on the box's own loopback do not count towards the ceiling either
    for (let i = 0; i < 3; i++) limiter.fail('::1', 40);
    expect(limiter.retryAfter('10.0.0.9', 60_021)).toBeUndefined();
    // a success takes that client's attempt off the ceiling
    limiter.fail('10.0.0.3', 60_022);
    limiter.fail('10.0.0.4', 60_023);
    limiter.fail('10.0.0.5', 60_024);
    expect(limiter.retryAfter('10.0.0.9', 60_025)?.reason).toBe('ceiling');
    limiter.succeed('10.0.0.5');
    expect(limiter.retryAfter('10.0.0.9', 60_025)).toBeUndefined();
  });

  it('reports only the first of a run of refused attempts and counts the rest', () => {
    const limiter = new SignInLimiter();
    expect([1, 2, 3].map(() => limiter.refuse('10.0.0.7'))).toEqual([true, false, false]);
    expect(limiter.takeRefused('10.0.0.7')).toBe(3);
    expect(limiter.takeRefused('10.0.0.7')).toBe(0);
    expect(limiter.refuse('10.0.0.7')).toBe(true);
  });

  it('forgets the least recently failed clients beyond its size', () => {
    const limiter = new SignInLimiter({ freeFailures: 1, maxClients: 2, ceiling: 1_000 });
    limiter.fail('10.0.0.1', 0);
    limiter.fail('10.0.0.2', 0);
    limiter.fail('10.0.0.3', 0);
    expect(limiter.retryAfter('10.0.0.1', 1)).toBeUndefined();
    expect(limiter.retryAfter('10.0.0.3', 1)?.reason).toBe('client');
  });
});

describe('clientKey', () => {
  it('counts an IPv6 client by its /64, an IPv4-mapped one as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('::ffff:192.168.1.4')).toBe('192.168.1.4');
    expect(clientKey('::1')).toBe('::1');
    expect(clientKey('127.0.0.3')).toBe('127.0.0.3');
  });
});
