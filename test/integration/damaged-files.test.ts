import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BoxProcess, runCli, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();
let running: BoxProcess | undefined;

afterEach(async () => {
  if (running) await stopBoxProcess(running, 'SIGKILL');
  running = undefined;
});

const mode = (path: string) => statSync(path).mode & 0o777;

/** A box that has run once and holds some readings, stopped cleanly. */
async function usedBox(readings = 2000): Promise<string> {
  const home = tempDir();
  running = await startBoxProcess(home);
  const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  const api = (path: string, body: unknown) =>
    fetch(`${running?.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const created = await api('/api/v1/datasources', {
    id: 'power',
    kind: 'electricity.import.power',
    unit: 'W',
    valueType: 'gauge',
  });
  expect(created.status).toBe(201);
  const t0 = Date.UTC(2025, 0, 1);
  for (let from = 0; from < readings; from += 1000) {
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      t: t0 + (from + i) * 10_000,
      v: (from + i) % 4000,
    }));
    expect((await api('/api/v1/datasources/power/readings', batch)).status).toBe(200);
  }
  expect(await stopBoxProcess(running)).toBe(0);
  running = undefined;
  return home;
}

describe('files stay private whoever made the folder', () => {
  it('narrows a pre-made 0755 folder and 0644 files at start, and says which', async () => {
    const home = await usedBox(10);
    const files = ['databox.db', 'admin-token', 'audit-key.pem', 'config.json'];
    chmodSync(home, 0o755);
    for (const f of files) chmodSync(join(home, f), 0o644);
    chmodSync(join(home, 'gateway'), 0o755);
    running = await startBoxProcess(home);
    expect(mode(home)).toBe(0o700);
    expect(mode(join(home, 'gateway'))).toBe(0o700);
    for (const f of files) {
      expect(mode(join(home, f)), f).toBe(0o600);
      expect(running.output()).toContain(`${join(home, f)} was 0644 (readable by others), made 0600`);
    }
    expect(running.output()).toContain(`${home} was 0755 (readable by others), made 0700`);
    // the WAL and shared-memory files the running box made are private too
    expect(mode(join(home, 'databox.db-wal'))).toBe(0o600);
  }, 60_000);

  it('a first start in a folder made with mkdir (0755) makes it 0700', async () => {
    const home = join(tempDir(), 'fresh');
    mkdirSync(home, { mode: 0o755 });
    chmodSync(home, 0o755);
    running = await startBoxProcess(home);
    expect(mode(home)).toBe(0o700);
    expect(mode(join(home, 'databox.db'))).toBe(0o600);
    expect(mode(join(home, 'databox.db-wal'))).toBe(0o600);
    // the gateway's outbox, made by its own process, once the gateway answers
    await expect.poll(() => mode(join(home, 'gateway', 'outbox.db')), { timeout: 10_000 }).toBe(0o600);
  }, 30_000);
});

describe('damaged or missing files are never silently replaced', () => {
  it('refuses a zero-length store beside an existing token and outbox, naming the file, unless --accept-empty-store', async () => {
    const home = await usedBox(10);
    const db = join(home, 'databox.db');
    truncateSync(db, 0);
    const refused = runCli(['start', '--home', home, '--port', '0']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${db}: the store is empty (0 bytes)`);
    expect(refused.stderr).toContain(join(home, 'admin-token'));
    expect(refused.stderr).toContain('--accept-empty-store');
    expect(statSync(db).size).toBe(0); // nothing was created over it
    running = await startBoxProcess(home, ['--accept-empty-store']);
    expect(running.output()).toContain('started afresh (--accept-empty-store)');
  }, 60_000);

  it("refuses a missing store beside an old box's files", async () => {
    const home = await usedBox(10);
    const { rmSync } = await import('node:fs');
    rmSync(join(home, 'databox.db'));
    rmSync(join(home, 'databox.db-wal'), { force: true });
    const refused = runCli(['start', '--home', home, '--port', '0']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${join(home, 'databox.db')}: the store is missing`);
  }, 60_000);

  it('refuses a truncated store, naming the file and how to restore', async () => {
    const home = await usedBox(20_000);
    const db = join(home, 'databox.db');
    truncateSync(db, Math.floor(statSync(db).size / 3));
    const refused = runCli(['start', '--home', home, '--port', '0']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${db}: the store is damaged`);
    expect(refused.stderr).toContain('databox restore');
  }, 60_000);

  it('refuses a store with 4 KiB of random bytes written into its middle', async () => {
    const home = await usedBox(20_000);
    const db = join(home, 'databox.db');
    const fd = openSync(db, 'r+');
    writeSync(fd, randomBytes(4096), 0, 4096, Math.floor(statSync(db).size / 2));
    closeSync(fd);
    const refused = runCli(['start', '--home', home, '--port', '0']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${db}: the store is damaged`);
  }, 60_000);

  it('refuses a truncated admin token naming the file, and --regenerate-token writes a new one', async () => {
    const home = await usedBox(10);
    const file = join(home, 'admin-token');
    const old = readFileSync(file, 'utf8').trim();
    writeFileSync(file, old.slice(0, 10));
    const refused = runCli(['start', '--home', home, '--port', '0']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${file}: the admin token file holds no valid token`);
    expect(readFileSync(file, 'utf8')).toBe(old.slice(0, 10));
    running = await startBoxProcess(home, ['--regenerate-token']);
    const fresh = readFileSync(file, 'utf8').trim();
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fresh).not.toBe(old);
  }, 60_000);

  it('a corrupt outbox: the box runs, and its status names the file and what is wrong', async () => {
    const home = await usedBox(10);
    const outbox = join(home, 'gateway', 'outbox.db');
    writeFileSync(outbox, randomBytes(8192));
    running = await startBoxProcess(home);
    const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
    const status = (await (
      await fetch(`${running.url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { parts: Record<string, string> };
    expect(status.parts['export-gateway']).toContain(`failed: ${outbox}: the export outbox is damaged`);
    expect(status.parts['export-gateway']).toContain('not a SQLite database');
    expect(running.output()).toContain(outbox);
  }, 60_000);
});
