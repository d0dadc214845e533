import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../box/store/store.ts';
import { testManifest } from '../box/apps/app-fixtures.ts';
import { writeApp } from '../box/sandbox/isolate/app-bundle.ts';
import { runCli } from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();

/**
 * Issue 11 point 7: consent receipts are hashed into the chain. An attacker with the database file
 * (a malicious process, a tampered backup) widens what an app may see by editing its grant, or
 * undoes a revocation; the chain itself stays intact, so only the binding can tell. Real SQLite
 * file, real CLI.
 */
function installed(): { home: string; verify: () => { status: number | null; stdout: string } } {
  const home = tempDir();
  const store = Store.open(join(home, 'databox.db'));
  store.createDatasource(
    { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  store.close();
  const dir = join(home, 'app-src');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'databox-app.json'), JSON.stringify(testManifest()));
  writeApp(dir, `await call('log', { level: 'info', message: 'hi' });`);
  const out = runCli([
    'app',
    'install',
    dir,
    '--home',
    home,
    '--grant',
    'power=meter.power@30min/P1D',
    '--decline',
    'temp',
    '--yes',
  ]);
  expect(out.stderr).toBe('');
  return { home, verify: () => runCli(['audit', 'verify', '--home', home]) };
}

const sql = (home: string, statement: string) => {
  const db = new Database(join(home, 'databox.db'));
  try {
    return db.prepare(statement).run().changes;
  } finally {
    db.close();
  }
};

describe('consent receipts bound to the audit chain', () => {
  it('verifies untouched consents, and names the consent and entry when a grant is widened in the database', () => {
    const { home, verify } = installed();
    const clean = verify();
    expect(clean.status).toBe(0);
    expect(clean.stdout).toMatch(/OK: 1 consent receipts match the chain/);

    // the app may now read 1-minute data over a year: the chain's hashes still all match
    expect(
      sql(home, "UPDATE app_grants SET resolution = '1min', history = 'P1Y', history_ms = 31536000000"),
    ).toBe(1);
    const tampered = verify();
    expect(tampered.stdout).toMatch(/OK: \d+ entries, chain intact/);
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toMatch(
      /BROKEN consent at seq \d+: consent [0-9a-f-]{36} of app "energy-test": its receipt or grants differ from the consentDigest/,
    );
  }, 120_000);

  it('detects a revocation undone, and a consent added behind the box', () => {
    const { home, verify } = installed();
    expect(runCli(['app', 'revoke', 'energy-test', '--home', home]).status).toBe(0);
    expect(verify().status).toBe(0);
    expect(sql(home, 'UPDATE app_grants SET revoked_at = NULL')).toBe(1);
    const undone = verify();
    expect(undone.status).toBe(1);
    expect(undone.stdout).toMatch(
      /grant "power" of consent .* was revoked at audit entry \d+, but the database has it live again/,
    );

    sql(home, "UPDATE app_grants SET revoked_at = 1 WHERE request = 'power'");
    expect(verify().status).toBe(0);
    sql(
      home,
      `INSERT INTO app_consents (receipt_id, app_id, app_version, created_at, expires_at, destinations, receipt)
       VALUES ('forged', 'energy-test', '1.0.0', 1, 9999999999999, '["research"]', '{}')`,
    );
    const forged = verify();
    expect(forged.status).toBe(1);
    expect(forged.stdout).toMatch(
      /consent forged of app "energy-test" has no app.grant entry in the audit trail/,
    );
  }, 120_000);
});
