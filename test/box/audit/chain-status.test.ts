import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../box/audit/audit-log.ts';
import { ChainStatus } from '../../../box/audit/chain-status.ts';
import { dashboard } from '../../web/dashboard-client.ts';
import { tamper, tempDatabase } from './temp-db.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function fill(log: AuditLog, db: ReturnType<typeof tempDatabase>['db'], n: number): void {
  db.transaction(() => {
    for (let i = 0; i < n; i++) log.append({ actor: 'box', action: 'test.fill', details: { i } });
  }).immediate();
}

describe('ChainStatus', () => {
  it('verifies only what is new, and finds a rewrite, a truncation and a broken new entry', () => {
    const t = tempDatabase();
    cleanups.push(t.cleanup);
    const log = new AuditLog(t.db);
    const status = new ChainStatus(t.db, log);
    fill(log, t.db, 3000);
    expect(status.advance(Number.POSITIVE_INFINITY, 1).verified.seq).toBe(3000);
    fill(log, t.db, 10);
    // the entry after the record is corrupted: the next increment stops there
    tamper(t.db, `UPDATE audit SET details = '{"i":-1}' WHERE seq = 3005`);
    const broken = status.advance(Number.POSITIVE_INFINITY, 2);
    expect(broken.broken).toMatchObject({ seq: 3005, reason: expect.stringMatching(/hash mismatch/) });
    expect(broken.verified.seq).toBe(3000);
    // broken stays broken until a full pass succeeds
    tamper(t.db, `UPDATE audit SET details = '{"i":4}' WHERE seq = 3005`);
    expect(status.advance().broken?.seq).toBe(3005);
    expect(status.advance(Number.POSITIVE_INFINITY, 3, true)).toMatchObject({
      broken: null,
      verified: { seq: 3010 },
    });

    // rewrite-and-rehash of the verified prefix changes the hash of the recorded entry
    tamper(t.db, `UPDATE audit SET hash = ? WHERE seq = 3010`, 'f'.repeat(64));
    expect(status.advance().broken?.reason).toMatch(/entry 3010 has hash f+, but was verified with hash/);
    // truncation below the record
    const t2 = tempDatabase();
    cleanups.push(t2.cleanup);
    const log2 = new AuditLog(t2.db);
    fill(log2, t2.db, 20);
    const s2 = new ChainStatus(t2.db, log2);
    s2.advance();
    tamper(t2.db, 'DELETE FROM audit WHERE seq > 15');
    expect(s2.advance().broken).toEqual({
      seq: 20,
      reason: expect.stringMatching(/is gone \(the log was truncated\)/),
    });
  });

  it('the Overview shows chain status from the record, far faster than a full verification', async () => {
    const d = await dashboard();
    d.store.transaction(() => {
      for (let i = 0; i < 150_000; i++)
        d.store.audit.append({ actor: 'box', action: 'test.fill', details: { i } });
    });
    await d.signIn();
    const status = new ChainStatus(d.store.db, d.store.audit);
    status.advance(); // what the audit job does each minute
    d.store.audit.append({ actor: 'box', action: 'test.fill', details: { last: true } });
    let started = performance.now();
    const page = await (await d.request('/')).text();
    const overviewMs = performance.now() - started;
    started = performance.now();
    expect(d.store.audit.verify().ok).toBe(true);
    const fullMs = performance.now() - started;
    const head = d.store.audit.head().seq;
    expect(page).toContain(`${head} entries; verified up to entry ${head}`);
    expect(overviewMs).toBeLessThan(fullMs / 3);
  }, 60_000);
});
