import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../box/store/store.ts';
import { runCli } from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();

function boxWithHistory(home: string) {
  const store = Store.open(join(home, 'databox.db'));
  store.createDatasource(
    { id: 'power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  for (let i = 0; i < 6; i++) store.writeReadings('power', [{ t: 1_000_000 + i, v: i }], 'driver:p1');
  store.close();
}

/** Edits the SQLite file the way an attacker with the file would (dropping the guard triggers first). */
function tamper(home: string, sql: string) {
  const db = new Database(join(home, 'databox.db'));
  db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;');
  db.exec(sql);
  db.close();
}

describe('databox audit verify on a tampered database', () => {
  it('says OK on an untouched chain', () => {
    const home = tempDir();
    boxWithHistory(home);
    const result = runCli(['audit', 'verify', '--home', home]);
    expect(result.stdout).toContain('OK: 7 entries');
    expect(result.status).toBe(0);
  });

  it.each([
    [
      'changed details',
      `UPDATE audit SET details = '{"duplicates":0,"from":1000003,"to":1000003,"written":0}' WHERE seq = 5`,
      5,
    ],
    ['changed actor', `UPDATE audit SET actor = 'user' WHERE seq = 4`, 4],
    ['a deleted row', 'DELETE FROM audit WHERE seq = 3', 3],
  ])('names the broken row after %s', (_name, sql, seq) => {
    const home = tempDir();
    boxWithHistory(home);
    tamper(home, sql);
    const result = runCli(['audit', 'verify', '--home', home]);
    expect(result.stdout).toContain(`BROKEN at seq ${seq}`);
    expect(result.status).toBe(1);
  });
});
