import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../export-gateway/outbox.ts';
import type { ExportRequest } from '../../export-gateway/protocol.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-outbox-');
const request = (id: string, createdAt: unknown = 1000): ExportRequest =>
  ({
    id,
    appId: 'energy',
    runId: 'run-1',
    destination: { id: 'coop', url: 'https://coop.example/in', allowPrivate: false },
    payload: { kwh: 1 },
    payloadSha256: 'not-checked-here',
    createdAt,
  }) as ExportRequest;

describe('Outbox group commit', () => {
  it('commits exports accepted in one turn together; each is on disk when its promise resolves', async () => {
    const path = join(tempDir(), 'outbox.db');
    const outbox = new Outbox(path);
    const reader = new Database(path, { readonly: true });
    const count = reader.prepare('SELECT count(*) FROM exports').pluck();
    const accepted = Array.from({ length: 50 }, (_, i) =>
      outbox.acceptGrouped(request(`e${i}`), '{"kwh":1}', 5000),
    );
    // nothing is visible (or acknowledged) before the group's commit
    expect(count.get()).toBe(0);
    const seen: number[] = [];
    for (const p of accepted) p.then(() => seen.push(count.get() as number));
    expect(await Promise.all(accepted)).toEqual(Array(50).fill(true));
    // every promise resolved after all 50 were committed
    expect(seen).toEqual(Array(50).fill(50));
    reader.close();
    // one transaction: a handful of WAL frames, where 50 single accepts write 50 commits or more
    const single = join(tempDir(), 'single.db');
    const one = new Outbox(single);
    for (let i = 0; i < 50; i++) one.accept(request(`e${i}`), '{"kwh":1}', 5000);
    const frames = (file: string) => (statSync(`${file}-wal`).size - 32) / (4096 + 24);
    expect(frames(single)).toBeGreaterThanOrEqual(50);
    expect(frames(path)).toBeLessThan(25);
  });

  it('answers false for an id already stored, also within one group', async () => {
    const outbox = new Outbox(join(tempDir(), 'outbox.db'));
    expect(await outbox.acceptGrouped(request('a'), '{"kwh":1}', 1)).toBe(true);
    const group = [
      outbox.acceptGrouped(request('a'), '{}', 2),
      outbox.acceptGrouped(request('b'), '{}', 2),
      outbox.acceptGrouped(request('b'), '{}', 2),
    ];
    expect(await Promise.all(group)).toEqual([false, true, false]);
  });

  it('rejects every export of a group whose commit fails, and stores none of them', async () => {
    const path = join(tempDir(), 'outbox.db');
    const outbox = new Outbox(path);
    // a value the STRICT table refuses makes the group's transaction fail part-way
    const group = [
      outbox.acceptGrouped(request('good-1'), '{}', 1),
      outbox.acceptGrouped(request('bad', 'not a number'), '{}', 1),
      outbox.acceptGrouped(request('good-2'), '{}', 1),
    ];
    const results = await Promise.allSettled(group);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const reader = new Database(path, { readonly: true });
    expect(reader.prepare('SELECT count(*) FROM exports').pluck().get()).toBe(0);
    reader.close();
    // the next group is not affected
    expect(await outbox.acceptGrouped(request('good-3'), '{}', 2)).toBe(true);
  });
});
