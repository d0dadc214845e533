import { fdatasync, fstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../export-gateway/outbox.ts';
import type { ExportRequest } from '../../export-gateway/protocol.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-outbox-sync-');
const request = (id: string): ExportRequest => ({
  id,
  appId: 'energy',
  runId: 'run-1',
  destination: { id: 'coop', url: 'https://coop.example/in', allowPrivate: false },
  payload: { kwh: 1 },
  payloadSha256: 'not-checked-here',
  createdAt: 1000,
});
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** An outbox whose WAL syncs wait until the test lets each one go (and are really run then). */
function heldOutbox(path: string) {
  const syncs: Array<{ fd: number; release: () => void }> = [];
  const outbox = new Outbox(path, {
    fdatasync: ((fd: number, done: (error: NodeJS.ErrnoException | null) => void) => {
      syncs.push({ fd, release: () => fdatasync(fd, done) });
    }) as typeof fdatasync,
  });
  return { outbox, syncs };
}

describe('Outbox group commit with the WAL sync off the event loop', () => {
  it('answers no export before an fdatasync of the WAL that started after its group was written', async () => {
    const path = join(tempDir(), 'outbox.db');
    const { outbox, syncs } = heldOutbox(path);
    const done: string[] = [];
    const accept = (id: string) => outbox.acceptGrouped(request(id), '{}', 5).then(() => done.push(id));
    const first = ['a1', 'a2', 'a3'].map(accept);
    await turn();
    await turn();
    // group 1 is written (a reader sees it) and its sync is running; nobody has an answer yet
    const reader = new Database(path, { readonly: true });
    expect(reader.prepare('SELECT count(*) FROM exports').pluck().get()).toBe(3);
    expect(syncs).toHaveLength(1);
    expect(fstatSync(syncs[0].fd).ino).toBe(statSync(`${path}-wal`).ino);
    expect(done).toEqual([]);
    // groups written while that sync runs wait for the next one: one sync for both groups
    const later = ['b1', 'b2'].map(accept);
    await turn();
    const third = [accept('c1')];
    await turn();
    await turn();
    expect(reader.prepare('SELECT count(*) FROM exports').pluck().get()).toBe(6);
    expect(syncs).toHaveLength(1);
    syncs[0].release();
    await Promise.all(first);
    expect(done).toEqual(['a1', 'a2', 'a3']);
    await turn();
    expect(syncs).toHaveLength(2);
    expect(done).toHaveLength(3);
    syncs[1].release();
    await Promise.all([...later, ...third]);
    expect(done).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'c1']);
    reader.close();
    await outbox.settled();
    outbox.close();
  });

  it('rejects the exports of a failed sync, and accepts their resend once a later sync succeeds', async () => {
    const path = join(tempDir(), 'outbox.db');
    let fail = true;
    const outbox = new Outbox(path, {
      fdatasync: ((fd: number, done: (error: NodeJS.ErrnoException | null) => void) => {
        if (fail)
          return void setImmediate(() => done(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })));
        fdatasync(fd, done);
      }) as typeof fdatasync,
    });
    await expect(outbox.acceptGrouped(request('x'), '{}', 1)).rejects.toThrow('EIO');
    fail = false;
    // the row was committed; the resend (same id) is answered, as already stored, after a good sync
    expect(await outbox.acceptGrouped(request('x'), '{}', 2)).toBe(false);
    expect(outbox.get('x')?.status).toBe('queued');
    outbox.close();
  });

  it('stays in synchronous=FULL outside a group write (claims, outcomes and events keep their fsync)', async () => {
    const outbox = new Outbox(join(tempDir(), 'outbox.db'));
    await outbox.acceptGrouped(request('y'), '{}', 1);
    expect(outbox.durability()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
    outbox.close();
  });
});
