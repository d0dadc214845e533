import { describe, expect, it } from 'vitest';
import { TokenRegistry } from '../../../box/arbiter/token-registry.ts';

describe('TokenRegistry', () => {
  it('issues distinct 32-byte random tokens bound to one run of one app', () => {
    const tokens = new TokenRegistry(() => 1000);
    const a = tokens.issue('run-a', 'app-one', 5000);
    const b = tokens.issue('run-b', 'app-one', 5000);
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(tokens.verify(a, 'app-one')).toEqual({ runId: 'run-a', appId: 'app-one', expiresAt: 5000 });
  });

  it('refuses a token presented for another app', () => {
    const tokens = new TokenRegistry(() => 1000);
    const token = tokens.issue('run-a', 'app-one', 5000);
    expect(tokens.verify(token, 'app-two')).toBeUndefined();
    expect(tokens.verify(token, 'app-one')?.runId).toBe('run-a');
  });

  it('refuses a token after its run ended, and only that run’s', () => {
    const tokens = new TokenRegistry(() => 1000);
    const ended = tokens.issue('run-a', 'app-one', 5000);
    const other = tokens.issue('run-b', 'app-two', 5000);
    expect(tokens.revokeRun('run-a')).toBe(1);
    expect(tokens.verify(ended)).toBeUndefined();
    expect(tokens.verify(other)?.appId).toBe('app-two');
  });

  it('refuses a token at and after its deadline', () => {
    const clock = { now: 1000 };
    const tokens = new TokenRegistry(() => clock.now);
    const token = tokens.issue('run-a', 'app-one', 2000);
    clock.now = 1999;
    expect(tokens.verify(token)).toBeDefined();
    clock.now = 2000;
    expect(tokens.verify(token)).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('revokes every token of an app, and refuses unknown or missing tokens', () => {
    const tokens = new TokenRegistry(() => 0);
    const a = tokens.issue('r1', 'app-one', 10);
    tokens.issue('r2', 'app-one', 10);
    const c = tokens.issue('r3', 'app-two', 10);
    expect(tokens.revokeApp('app-one')).toBe(2);
    expect(tokens.verify(a)).toBeUndefined();
    expect(tokens.verify(c)).toBeDefined();
    expect(tokens.verify('x'.repeat(43))).toBeUndefined();
    expect(tokens.verify(undefined)).toBeUndefined();
  });
});
