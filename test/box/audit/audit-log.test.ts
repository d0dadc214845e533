import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../box/audit/audit-log.ts';
import { GENESIS_HASH } from '../../../box/audit/canonical.ts';
import { BadRequestError } from '../../../box/errors.ts';
import { tamper, tempDatabase } from './temp-db.ts';

let temp: ReturnType<typeof tempDatabase>;
let now: number;
let log: AuditLog;

beforeEach(() => {
  temp = tempDatabase();
  now = 1_700_000_000_000;
  log = new AuditLog(temp.db, () => now);
});
afterEach(() => temp.cleanup());

/** Appends `n` entries one second apart, cycling through a few actors/actions/subjects. */
function fill(n: number): void {
  const kinds = [
    { actor: 'driver:p1', action: 'readings.write', subject: 'meter.power' },
    { actor: 'app:coach', action: 'readings.read', subject: 'meter.power' },
    { actor: 'user', action: 'datasource.create', subject: 'hall.temp' },
    { actor: 'box', action: 'retention.apply', subject: 'hall.temp' },
  ];
  for (let i = 0; i < n; i++) {
    log.append({ ...kinds[i % kinds.length], details: { i } });
    now += 1000;
  }
}

describe('AuditLog.append', () => {
  it('chains the first entry to the genesis hash and the next to the first', () => {
    const first = log.append({ actor: 'box', action: 'box.start' });
    const bytes = `${'0'.repeat(64)}{"action":"box.start","actor":"box","details":{},"seq":1,"subject":"","ts":1700000000000}`;
    expect(first).toEqual({
      seq: 1,
      ts: now,
      actor: 'box',
      action: 'box.start',
      subject: '',
      details: {},
      prevHash: GENESIS_HASH,
      hash: createHash('sha256').update(bytes).digest('hex'),
    });
    const second = log.append({
      actor: 'user',
      action: 'kv.set',
      subject: 'a',
      details: { z: 1, a: [true] },
    });
    expect(second.seq).toBe(2);
    expect(second.prevHash).toBe(first.hash);
    expect(log.head()).toEqual({ seq: 2, hash: second.hash });
    expect(temp.db.prepare('SELECT details FROM audit WHERE seq = 2').pluck().get()).toBe(
      '{"a":[true],"z":1}',
    );
  });

  it.each([
    [{ actor: 'root', action: 'box.start' }, 'actor'],
    [{ actor: 'app:', action: 'box.start' }, 'actor'],
    [{ actor: 'driver:Bad', action: 'box.start' }, 'actor'],
    [{ actor: 'box', action: 'start' }, 'action'],
    [{ actor: 'box', action: 'Box.Start' }, 'action'],
    [{ actor: 'box', action: 'box.start', subject: 'line\nforged' }, 'subject'],
    [{ actor: 'box', action: 'box.start', details: [] as unknown as Record<string, unknown> }, 'details'],
    [{ actor: 'box', action: 'box.start', details: { x: Number.NaN } }, 'details.x'],
  ])('rejects %o with BadRequestError at %s and writes nothing', (input, path) => {
    let error: unknown;
    try {
      log.append(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).details[0].path).toBe(path);
    expect(log.head().seq).toBe(0);
  });

  it('refuses UPDATE and DELETE through SQL (append-only triggers)', () => {
    fill(2);
    expect(() => temp.db.prepare("UPDATE audit SET subject = 'x' WHERE seq = 1").run()).toThrow(
      /append-only/,
    );
    expect(() => temp.db.prepare('DELETE FROM audit WHERE seq = 1').run()).toThrow(/append-only/);
  });

  it('joins a caller transaction: a rollback leaves no entry and the chain still verifies', () => {
    fill(3);
    temp.db.exec('CREATE TABLE data (v INTEGER)');
    const insert = temp.db.prepare('INSERT INTO data (v) VALUES (?)');
    const failing = temp.db.transaction(() => {
      insert.run(1);
      log.append({
        actor: 'driver:p1',
        action: 'readings.write',
        subject: 'meter.power',
        details: { rows: 1 },
      });
      throw new Error('ingest failed');
    });
    expect(() => failing.immediate()).toThrow('ingest failed');
    expect(log.head().seq).toBe(3);
    expect(temp.db.prepare('SELECT count(*) FROM data').pluck().get()).toBe(0);

    const ok = temp.db.transaction(() => {
      insert.run(2);
      return log.append({ actor: 'driver:p1', action: 'readings.write', subject: 'meter.power' });
    });
    expect(ok.immediate().seq).toBe(4);
    expect(temp.db.prepare('SELECT count(*) FROM data').pluck().get()).toBe(1);
    expect(log.verify()).toMatchObject({ ok: true, count: 4 });
  });

  it('keeps one valid chain when two connections interleave appends', () => {
    const other = new AuditLog(temp.open(), () => now);
    for (let i = 0; i < 50; i++) {
      log.append({ actor: 'user', action: 'config.change', details: { i } });
      other.append({ actor: 'box', action: 'retention.apply', details: { i } });
      if (i % 7 === 0) other.append({ actor: 'gateway', action: 'export.deliver' });
    }
    const result = other.verify();
    expect(result).toEqual({ ok: true, count: 108, head: log.head() });
    const seqs = log.query().map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 108 }, (_, i) => i + 1));
  });
});

describe('AuditLog.query and iterate', () => {
  beforeEach(() => fill(20)); // ts = 1_700_000_000_000 + (seq - 1) * 1000

  it('filters by time window (since inclusive, until exclusive)', () => {
    const start = 1_700_000_000_000;
    const seqs = log.query({ since: start + 5000, until: start + 9000 }).map((e) => e.seq);
    expect(seqs).toEqual([6, 7, 8, 9]);
  });

  it('filters by actor, subject, exact action and action prefix', () => {
    expect(log.query({ actor: 'app:coach' }).map((e) => e.seq)).toEqual([2, 6, 10, 14, 18]);
    expect(log.query({ subject: 'hall.temp', limit: 3 }).map((e) => e.seq)).toEqual([3, 4, 7]);
    expect(log.query({ action: 'readings.write' }).map((e) => e.seq)).toEqual([1, 5, 9, 13, 17]);
    expect(log.query({ action: 'readings.*' }).map((e) => e.seq)).toEqual([
      1, 2, 5, 6, 9, 10, 13, 14, 17, 18,
    ]);
    expect(log.query({ action: 'readings*' })).toHaveLength(10);
    expect(log.query({ action: 'reading' })).toHaveLength(0);
    expect(log.query({ actor: 'driver:*', order: 'desc', limit: 2 }).map((e) => e.seq)).toEqual([17, 13]);
  });

  it('pages with afterSeq in both orders', () => {
    expect(log.query({ afterSeq: 17 }).map((e) => e.seq)).toEqual([18, 19, 20]);
    expect(log.query({ afterSeq: 4, order: 'desc' }).map((e) => e.seq)).toEqual([3, 2, 1]);
  });

  it('returns details as stored', () => {
    expect(log.query({ afterSeq: 6, limit: 1 })[0]).toMatchObject({
      seq: 7,
      actor: 'user',
      details: { i: 6 },
    });
  });

  it('rejects a malformed filter with BadRequestError naming the field', () => {
    expect(() => log.query({ limit: 0 })).toThrow(BadRequestError);
    let error: unknown;
    try {
      log.query({ action: 'readings.*.x*', since: 1.5 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).details.map((d) => d.path).sort()).toEqual([
      'filter.action',
      'filter.since',
    ]);
  });

  it('iterates past one page and honours limit and order', () => {
    fill(4980); // 5000 entries in all, more than two pages
    const all = [...log.iterate({})];
    expect(all).toHaveLength(5000);
    expect(all.every((e, i) => e.seq === i + 1)).toBe(true);
    const writes = [...log.iterate({ action: 'readings.write', limit: 1100 })];
    expect(writes).toHaveLength(1100);
    expect(writes[1099].seq).toBe(1 + 1099 * 4);
    const desc = [...log.iterate({ order: 'desc', limit: 3000 })];
    expect(desc[0].seq).toBe(5000);
    expect(desc[2999].seq).toBe(2001);
  });

  it('does not hold the connection between pages, so appends can happen mid-iteration', () => {
    fill(3000);
    let count = 0;
    for (const _ of log.iterate({})) {
      if (count++ === 10) log.append({ actor: 'box', action: 'box.stop' });
    }
    // Ascending iteration stops at the head as it was when it started.
    expect(count).toBe(3020);
    expect(log.head().seq).toBe(3021);
  });
});

describe('AuditLog.verify', () => {
  beforeEach(() => fill(10));

  it('reports count and head of an intact chain, and of an empty one', () => {
    expect(log.verify()).toEqual({ ok: true, count: 10, head: log.head() });
    const empty = tempDatabase();
    try {
      expect(new AuditLog(empty.db).verify()).toEqual({
        ok: true,
        count: 0,
        head: { seq: 0, hash: GENESIS_HASH },
      });
    } finally {
      empty.cleanup();
    }
  });

  it('names the entry whose details were changed', () => {
    tamper(temp.db, `UPDATE audit SET details = '{"i":999}' WHERE seq = 5`);
    expect(log.verify()).toMatchObject({
      ok: false,
      count: 4,
      brokenAt: 5,
      reason: expect.stringMatching(/hash mismatch/),
    });
  });

  it('names the entry whose ts was changed', () => {
    tamper(temp.db, 'UPDATE audit SET ts = ts + 1 WHERE seq = 7');
    expect(log.verify()).toMatchObject({
      ok: false,
      brokenAt: 7,
      reason: expect.stringMatching(/hash mismatch/),
    });
  });

  it('names the missing seq when a middle row is deleted', () => {
    tamper(temp.db, 'DELETE FROM audit WHERE seq = 4');
    expect(log.verify()).toMatchObject({
      ok: false,
      count: 3,
      brokenAt: 4,
      reason: expect.stringMatching(/gap/),
    });
  });

  it('names seq 1 when the first row is deleted', () => {
    tamper(temp.db, 'DELETE FROM audit WHERE seq = 1');
    expect(log.verify()).toMatchObject({
      ok: false,
      count: 0,
      brokenAt: 1,
      reason: expect.stringMatching(/gap/),
    });
  });

  it('names the first of two rows whose hashes were swapped', () => {
    const [h3, h4] = [3, 4].map((s) =>
      temp.db.prepare('SELECT hash FROM audit WHERE seq = ?').pluck().get(s),
    );
    tamper(temp.db, 'UPDATE audit SET hash = ? WHERE seq = 3', h4);
    tamper(temp.db, 'UPDATE audit SET hash = ? WHERE seq = 4', h3);
    expect(log.verify()).toMatchObject({
      ok: false,
      brokenAt: 3,
      reason: expect.stringMatching(/hash mismatch/),
    });
  });

  it('names a row whose prev_hash does not link even though its own hash was recomputed', () => {
    // A forger rewrites row 6 to hang off a made-up predecessor and fixes its own hash.
    const row = temp.db.prepare('SELECT * FROM audit WHERE seq = 6').get() as Record<string, string | number>;
    const fakePrev = 'f'.repeat(64);
    const text = `{"action":"${row.action}","actor":"${row.actor}","details":${row.details},"seq":6,"subject":"${row.subject}","ts":${row.ts}}`;
    const hash = createHash('sha256')
      .update(fakePrev + text)
      .digest('hex');
    tamper(temp.db, 'UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = 6', fakePrev, hash);
    expect(log.verify()).toMatchObject({
      ok: false,
      brokenAt: 6,
      reason: expect.stringMatching(/does not link/),
    });
  });

  it('reports details that are not JSON', () => {
    tamper(temp.db, `UPDATE audit SET details = '{oops' WHERE seq = 2`);
    expect(log.verify()).toMatchObject({ ok: false, brokenAt: 2, reason: 'details is not valid JSON' });
  });

  it('does not notice a truncated tail (documented limit): the head moves back', () => {
    const head = log.head();
    tamper(temp.db, 'DELETE FROM audit WHERE seq = 10');
    const result = log.verify();
    expect(result).toMatchObject({ ok: true, count: 9 });
    expect(result.ok && result.head).not.toEqual(head);
  });
});
