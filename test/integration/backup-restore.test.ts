import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../box/store/store.ts';
import {
  type BoxProcess,
  databoxBin,
  REPO_ROOT,
  runCli,
  startBoxProcess,
  stopBoxProcess,
} from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();
let running: BoxProcess | undefined;

afterEach(async () => {
  if (running) await stopBoxProcess(running, 'SIGKILL');
  running = undefined;
});

/** The CLI without blocking the test's event loop (the writers must go on during a backup). */
function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [databoxBin(), ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

function newKey(dir: string): { keyFile: string; recipient: string } {
  const keyFile = join(dir, 'key.txt');
  const made = runCli(['backup', '--new-key', keyFile]);
  expect(made.status, made.stderr).toBe(0);
  return { keyFile, recipient: made.stdout.trim() };
}

const T0 = Date.UTC(2025, 0, 1);
const BATCH = 200;
const batch = (client: number, n: number) =>
  Array.from({ length: BATCH }, (_, i) => ({
    t: T0 + (n * BATCH + i) * 1000,
    v: client * 1000 + ((n * BATCH + i) % 1000),
  }));

describe('backup and restore', () => {
  it('backs up while 8 clients ingest; a restore on a fresh home holds every reading acknowledged before the backup began, and the audit chain verifies', async () => {
    const home = tempDir();
    const keys = newKey(tempDir());
    const out = tempDir();
    running = await startBoxProcess(home);
    const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${running?.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    for (let c = 0; c < 8; c++)
      expect(
        (
          await api('POST', '/api/v1/datasources', {
            id: `s${c}`,
            kind: 'temperature',
            unit: '°C',
            valueType: 'gauge',
          })
        ).status,
      ).toBe(201);
    const acked: Array<{ client: number; n: number; at: number }> = [];
    let stop = false;
    const writer = async (client: number) => {
      for (let n = 0; !stop; n++) {
        const res = await api('POST', `/api/v1/datasources/s${client}/readings`, batch(client, n));
        expect(res.status).toBe(200);
        acked.push({ client, n, at: Date.now() });
      }
    };
    const writers = Array.from({ length: 8 }, (_, c) => writer(c));
    await new Promise((r) => setTimeout(r, 1500));
    const backupStarted = Date.now();
    const backup = await cliAsync(['backup', '--home', home, '--to', out, '--recipient', keys.recipient]);
    const duringBackup = acked.filter((a) => a.at > backupStarted).length;
    stop = true;
    await Promise.all(writers);
    expect(backup.status, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^backup written: .*databox-backup-\d{8}T\d+Z\.age/);
    expect(duringBackup, 'ingest went on during the backup').toBeGreaterThan(0);
    const [file] = readdirSync(out);
    expect(statSync(join(out, file)).mode & 0o777).toBe(0o600);

    const fresh = join(tempDir(), 'restored-home');
    const restored = runCli(['restore', join(out, file), '--home', fresh, '--identity', keys.keyFile]);
    expect(restored.status, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('audit chain verified');
    const store = Store.open(join(fresh, 'databox.db'));
    try {
      const before = acked.filter((a) => a.at < backupStarted);
      expect(before.length).toBeGreaterThan(8);
      for (const { client, n } of before) {
        const b = batch(client, n);
        const got = store.read(`s${client}`, {
          from: b[0].t,
          to: b[BATCH - 1].t + 1,
          resolution: 'raw',
          aggregate: 'mean',
          limit: BATCH,
        });
        expect(
          got.map((r) => r.v),
          `client ${client} batch ${n}`,
        ).toEqual(b.map((r) => r.v));
      }
      expect(store.audit.query({ action: 'box.restore' })).toHaveLength(1);
    } finally {
      store.close();
    }
    const verify = runCli(['audit', 'verify', '--home', fresh]);
    expect(verify.stdout).toMatch(/^OK: \d+ entries/);
    expect(verify.status).toBe(0);
    // the backup itself is in the original box's audit trail
    const log = runCli(['audit', 'export', '--home', home, '--action', 'box.backup']);
    expect(log.stdout).toContain(file);
    // and the restored folder starts as a box (the start checks and the checkpoint pass)
    await stopBoxProcess(running);
    running = await startBoxProcess(fresh);
    expect(running.output()).toContain('running at');
  }, 180_000);

  it('refuses a tampered backup and a wrong key, and replaces nothing', async () => {
    const home = tempDir();
    const keys = newKey(tempDir());
    const other = newKey(tempDir());
    const out = tempDir();
    running = await startBoxProcess(home);
    await stopBoxProcess(running);
    running = undefined;
    const made = runCli(['backup', '--home', home, '--to', out, '--recipient', keys.recipient]);
    expect(made.status, made.stderr).toBe(0);
    const file = join(out, readdirSync(out)[0]);
    // the target in a folder of its own, so what lands beside it can be listed
    const parent = tempDir();
    const target = join(parent, 'home');
    mkdirSync(target);
    writeFileSync(join(target, 'keep-me'), "the householder's current box");

    const wrong = runCli(['restore', file, '--home', target, '--identity', other.keyFile]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain(`backup ${file} refused, nothing was replaced`);

    // an attacker (or a bad USB stick) flips bytes in the middle of the encrypted file
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from('tampered'), 0, 8, Math.floor(statSync(file).size / 2));
    closeSync(fd);
    const tampered = runCli(['restore', file, '--home', target, '--identity', keys.keyFile]);
    expect(tampered.status).toBe(1);
    expect(tampered.stderr).toContain('refused, nothing was replaced');
    expect(tampered.stderr).toContain('damaged or tampered with');
    expect(readdirSync(target)).toEqual(['keep-me']);
    expect(
      readdirSync(parent).filter((n) => n.includes('restore-tmp') || n.includes('before-restore')),
    ).toEqual([]);
  }, 90_000);

  it('restores over an existing folder by moving it aside, with a passphrase, and rotates with --keep', async () => {
    const home = tempDir();
    const out = tempDir();
    const pass = join(tempDir(), 'pass');
    writeFileSync(pass, 'correct horse battery staple\n');
    running = await startBoxProcess(home);
    await stopBoxProcess(running);
    running = undefined;
    for (let i = 0; i < 3; i++) {
      const made = runCli(['backup', '--home', home, '--to', out, '--passphrase-file', pass, '--keep', '2']);
      expect(made.status, made.stderr).toBe(0);
    }
    const backups = readdirSync(out).sort();
    expect(backups).toHaveLength(2);
    const target = join(tempDir(), 'home');
    mkdirSync(target);
    writeFileSync(join(target, 'old-file'), 'x');
    const restored = runCli(['restore', join(out, backups[1]), '--home', target, '--passphrase-file', pass]);
    expect(restored.status, restored.stderr).toBe(0);
    const aside = /kept at (\S+)/.exec(restored.stdout)?.[1] as string;
    expect(readFileSync(join(aside, 'old-file'), 'utf8')).toBe('x');
    expect(existsSync(join(target, 'databox.db'))).toBe(true);
    expect(readFileSync(join(target, 'admin-token'), 'utf8')).toBe(
      readFileSync(join(home, 'admin-token'), 'utf8'),
    );
  }, 120_000);

  it('makes scheduled backups from config, rotates them and shows the last one in status', async () => {
    const home = tempDir();
    const keys = newKey(tempDir());
    const out = tempDir();
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ backup: { dir: out, recipients: [keys.recipient], intervalHours: 0.002, keep: 2 } }),
    );
    running = await startBoxProcess(home);
    const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
    const status = async () =>
      (
        (await (
          await fetch(`${running?.url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as { parts: Record<string, string> }
      ).parts['backup-schedule'];
    // the first 10 s after start, then every 7.2 s; keep 2
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await status()).match(/^last: /) === null)
      await new Promise((r) => setTimeout(r, 500));
    expect(await status()).toMatch(/^last: backup written: .*databox-backup-/);
    while (
      Date.now() < deadline &&
      runCli(['audit', 'export', '--home', home, '--action', 'box.backup']).stdout.split('\n').filter(Boolean)
        .length < 3
    )
      await new Promise((r) => setTimeout(r, 1000));
    expect(readdirSync(out).filter((n) => n.endsWith('.age'))).toHaveLength(2);
  }, 90_000);
});
