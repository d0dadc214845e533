import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { boxPaths } from '../../../box/config/paths.ts';
import { cleanStopFile, takeCleanStop, writeCleanStop } from '../../../box/ops/clean-stop.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();

/** A closed WAL-mode store with a few rows, as a stopped box leaves it. */
function closedStore() {
  const paths = boxPaths(tempDir());
  const db = new Database(paths.database);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3);');
  db.close();
  return paths;
}

describe('the clean-stop marker', () => {
  it('is trusted once, for the file exactly as the box left it', async () => {
    const paths = closedStore();
    await writeCleanStop(paths, 'test');
    expect(JSON.parse(readFileSync(cleanStopFile(paths), 'utf8'))).toMatchObject({ version: 'test' });
    expect(takeCleanStop(paths)).toBe(true);
    // taken: a crash after this start finds no marker
    expect(existsSync(cleanStopFile(paths))).toBe(false);
    expect(takeCleanStop(paths)).toBe(false);
  });

  it('is not trusted after a write into the file, even of the same size', async () => {
    const paths = closedStore();
    await writeCleanStop(paths, 'test');
    const fd = openSync(paths.database, 'r+');
    writeSync(fd, Buffer.from([0]), 0, 1, 200);
    closeSync(fd);
    expect(takeCleanStop(paths)).toBe(false);
  });

  it('is not trusted beside a WAL (a box that did not close its store), and is not written then', async () => {
    const paths = closedStore();
    await writeCleanStop(paths, 'test');
    writeFileSync(`${paths.database}-wal`, Buffer.alloc(4096, 1));
    expect(takeCleanStop(paths)).toBe(false);
    await writeCleanStop(paths, 'test');
    expect(existsSync(cleanStopFile(paths))).toBe(false);
  });

  it('is not trusted when unreadable, and is removed', () => {
    const paths = closedStore();
    writeFileSync(cleanStopFile(paths), '{"size": 12');
    expect(takeCleanStop(paths)).toBe(false);
    expect(existsSync(cleanStopFile(paths))).toBe(false);
  });
});
