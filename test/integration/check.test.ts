import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../box/ops/check.ts';
import { type BoxProcess, runCli, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();
let running: BoxProcess | undefined;

afterEach(async () => {
  if (running) await stopBoxProcess(running, 'SIGKILL');
  running = undefined;
});

async function boxWithReadings(
  home: string,
  count: number,
): Promise<(method: string, path: string, body?: unknown) => Promise<Response>> {
  running = await startBoxProcess(home);
  const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  const url = running.url;
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  await api('POST', '/api/v1/datasources', {
    id: 'power',
    kind: 'electricity.import.power',
    unit: 'W',
    valueType: 'gauge',
  });
  const t0 = Date.UTC(2025, 0, 1);
  for (let from = 0; from < count; from += 1000) {
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      t: t0 + (from + i) * 10_000,
      v: (from + i) % 3000,
    }));
    expect((await api('POST', '/api/v1/datasources/power/readings', batch)).status).toBe(200);
  }
  return api;
}

const item = (report: CheckReport, name: string) => report.items.find((i) => i.name === name);

describe('databox check', () => {
  it('passes on a healthy running box, from the CLI and the API, and the report is kept', async () => {
    const home = tempDir();
    const api = await boxWithReadings(home, 10_000);
    const cli = runCli(['check', '--home', home]);
    expect(cli.stdout, cli.stderr).toContain('everything is in order');
    for (const name of ['files', 'store', 'outbox', 'rollups', 'audit', 'disk'])
      expect(cli.stdout).toMatch(new RegExp(`ok +${name} `));
    expect(cli.stderr).toContain('check: integrity_check of'); // progress on stderr
    expect(cli.status).toBe(0);

    const last = (await (await api('GET', '/api/v1/check')).json()) as {
      last: CheckReport;
      disk: { freeBytes: number };
    };
    expect(last.last.ok).toBe(true);
    expect(last.disk.freeBytes).toBeGreaterThan(0);
    // a POST runs a check in a child process while the box keeps answering
    const posted = api('POST', '/api/v1/check');
    expect((await api('GET', '/api/v1/status')).status).toBe(200);
    const report = (await (await posted).json()) as CheckReport;
    expect(report.ok).toBe(true);
    expect(item(report, 'audit')?.summary).toMatch(/audit chain intact: \d+ entries verified from entry 1/);
  }, 90_000);

  it('finds rollups that differ from the raw readings and a tampered audit entry', async () => {
    const home = tempDir();
    await boxWithReadings(home, 4000);
    await stopBoxProcess(running as BoxProcess);
    running = undefined;
    const db = new Database(join(home, 'databox.db'));
    db.prepare(
      'UPDATE rollups_1min SET sum = sum + 1000 WHERE (sid, bucket) = (SELECT sid, bucket FROM rollups_1min ORDER BY bucket DESC LIMIT 1)',
    ).run();
    // an attacker who edits an old entry in place (the hash no longer matches)
    const triggers = db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")
      .all() as Array<{ name: string; sql: string }>;
    for (const t of triggers) db.exec(`DROP TRIGGER ${t.name}`);
    db.prepare('UPDATE audit SET ts = ts + 1 WHERE seq = 2').run();
    db.close();
    const cli = runCli(['check', '--home', home, '--json']);
    expect(cli.status).toBe(1);
    const report = JSON.parse(cli.stdout) as CheckReport;
    expect(item(report, 'rollups')?.ok).toBe(false);
    expect(item(report, 'rollups')?.problems[0]).toMatch(/^power: \d+-minute bucket .* sum is/);
    expect(item(report, 'audit')?.ok).toBe(false);
    expect(item(report, 'audit')?.summary).toContain('broken at entry 2');
    expect(item(report, 'store')?.ok).toBe(true);
  }, 90_000);

  it('names a damaged store and does not go on to read it', async () => {
    const home = tempDir();
    await boxWithReadings(home, 20_000);
    await stopBoxProcess(running as BoxProcess);
    running = undefined;
    const file = join(home, 'databox.db');
    const fd = openSync(file, 'r+');
    writeSync(fd, randomBytes(4096), 0, 4096, Math.floor(statSync(file).size / 2));
    closeSync(fd);
    const cli = runCli(['check', '--home', home]);
    expect(cli.status).toBe(1);
    expect(cli.stdout).toMatch(new RegExp(`FAIL +store +${file} is damaged`));
    expect(cli.stdout).toMatch(/FAIL +rollups +not checked: the store is damaged/);
  }, 90_000);
});
