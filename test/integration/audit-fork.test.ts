import { copyFileSync, cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../box/store/store.ts';
import { runCli, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();

const addSource = (home: string, id: string) => {
  const store = Store.open(join(home, 'databox.db'));
  store.createDatasource({ id, kind: 'temperature', unit: '°C', valueType: 'gauge' }, 'user');
  store.close();
};

/**
 * Issue 11, tests: a fork. Two boxes restored from one backup copy of the home (same database,
 * same box key) each carry on with their own history. Each one's checkpoint must expose the
 * other: `audit verify --checkpoint` reports the fork, and a box handed the other's checkpoint as
 * its latest refuses to start, naming the file. Real SQLite files, CLI and box process.
 */
describe('two boxes from one backup', () => {
  it('diverge; a checkpoint of one does not verify against the other, and the start check refuses', async () => {
    const a = tempDir();
    addSource(a, 'shared.before');
    expect(runCli(['audit', 'checkpoint', '--home', a]).status).toBe(0);
    const b = tempDir();
    cpSync(a, b, { recursive: true }); // the backup, restored a second time

    addSource(a, 'only.in.a');
    addSource(b, 'only.in.b');
    const checkpointA = join(a, 'checkpoint-a');
    const checkpointB = join(b, 'checkpoint-b');
    expect(runCli(['audit', 'checkpoint', '--home', a, '--out', checkpointA]).status).toBe(0);
    expect(runCli(['audit', 'checkpoint', '--home', b, '--out', checkpointB]).status).toBe(0);
    // same key, same size: only the roots differ
    const [, sizeA, rootA] = readFileSync(checkpointA, 'utf8').split('\n');
    const [, sizeB, rootB] = readFileSync(checkpointB, 'utf8').split('\n');
    expect(sizeA).toBe(sizeB);
    expect(rootA).not.toBe(rootB);

    expect(runCli(['audit', 'verify', '--home', a, '--checkpoint', checkpointA]).status).toBe(0);
    const crossed = runCli(['audit', 'verify', '--home', b, '--checkpoint', checkpointA]);
    expect(crossed.status).toBe(1);
    expect(crossed.stdout).toMatch(
      /BROKEN: the first \d+ entries are not those .*checkpoint-a signed .*forked/,
    );

    // B is given A's checkpoint as the one it last made (a witness copy put back, say)
    copyFileSync(checkpointA, join(b, 'checkpoints', 'latest'));
    await expect(startBoxProcess(b)).rejects.toThrow(/the audit log forked: .*checkpoints\/latest/);
    // A itself starts: its log extends its own checkpoint
    const box = await startBoxProcess(a);
    await stopBoxProcess(box);
  }, 120_000);
});
