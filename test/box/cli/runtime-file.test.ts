import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BoxProcess,
  databoxBin,
  REPO_ROOT,
  runCli,
  startBoxProcess,
  stopBoxProcess,
} from '../../helpers/box-process.ts';

/**
 * A box started on another port (or --host, --home) must not be invisible: it writes
 * `<home>/box.json`, every command finds it there, and a file left by a killed box is noticed.
 */
describe('the runtime file <home>/box.json', () => {
  const home = mkdtempSync(join(tmpdir(), 'databox-runtime-'));
  const boxes: BoxProcess[] = [];
  afterAll(async () => {
    for (const box of boxes) await stopBoxProcess(box, 'SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });
  const runtimeFile = join(home, 'box.json');

  it('says where a box on a free port is; status and driver add find it there; a second box is refused', {
    timeout: 90_000,
  }, async () => {
    const box = await startBoxProcess(home);
    boxes.push(box);
    const runtime = JSON.parse(readFileSync(runtimeFile, 'utf8'));
    expect(runtime).toMatchObject({ url: box.url, pid: box.child.pid, home });
    expect(statSync(runtimeFile).mode & 0o777).toBe(0o600);
    expect(box.url).not.toBe('http://127.0.0.1:7330');

    const status = runCli(['status', '--home', home]);
    expect(status.stdout).toContain(`running at ${box.url}`);
    expect(status.status).toBe(0);

    const added = runCli([
      'driver',
      'add',
      'mqtt',
      '--broker',
      'mqtt://127.0.0.1:1',
      '--disabled',
      '--home',
      home,
    ]);
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain(`through the box at ${box.url}`);
    const listed = await fetch(`${box.url}/api/v1/drivers`, {
      headers: { authorization: `Bearer ${readFileSync(join(home, 'admin-token'), 'utf8').trim()}` },
    });
    expect(((await listed.json()) as { drivers: Array<{ id: string }> }).drivers.map((d) => d.id)).toEqual([
      'mqtt',
    ]);

    const second = runCli(['start', '--home', home, '--port', '0']);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`a box is already running on ${home} at ${box.url}`);

    expect(await stopBoxProcess(box)).toBe(0);
    expect(existsSync(runtimeFile)).toBe(false);
    const after = runCli(['status', '--home', home]);
    expect(after.status).toBe(1);
    expect(after.stdout).toContain('not running');
  });

  it('notices a file left by a killed box: commands say so and do not pretend it runs; the next start replaces it', {
    timeout: 90_000,
  }, async () => {
    const killed = await startBoxProcess(home);
    boxes.push(killed);
    await stopBoxProcess(killed, 'SIGKILL');
    expect(existsSync(runtimeFile)).toBe(true);

    const status = runCli(['status', '--home', home]);
    expect(status.status).toBe(1);
    expect(status.stdout).toContain(`names pid ${killed.child.pid}`);
    expect(status.stdout).toContain('which no longer runs');
    expect(status.stdout).toContain('not running');
    const added = runCli([
      'driver',
      'add',
      'mqtt',
      '--id',
      'later',
      '--broker',
      'mqtt://127.0.0.1:1',
      '--home',
      home,
    ]);
    expect(added.status).toBe(0);
    expect(added.stdout).toContain('no box is running');
    expect(added.stdout).toContain('it starts with the box');

    const next = await startBoxProcess(home);
    boxes.push(next);
    expect(next.output()).toContain('did not stop cleanly; replacing it');
    expect(JSON.parse(readFileSync(runtimeFile, 'utf8')).pid).toBe(next.child.pid);
    const drivers = runCli(['driver', 'list', '--home', home]);
    expect(drivers.stdout).toContain('later');
    expect(drivers.stdout).toContain(`through the box at ${next.url}`);
    await stopBoxProcess(next);
  });

  it('--url reaches a box whose data folder the command was not told, with DATABOX_TOKEN', {
    timeout: 90_000,
  }, async () => {
    const box = await startBoxProcess(home);
    boxes.push(box);
    const elsewhere = mkdtempSync(join(tmpdir(), 'databox-runtime-other-'));
    const cli = (args: string[], env: Record<string, string>) =>
      spawnSync(process.execPath, [databoxBin(), ...args, '--home', elsewhere], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
    try {
      const refused = cli(['datasource', 'list', '--url', box.url], {});
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(`the box at ${box.url} refused the admin token`);
      const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
      const add = cli(
        ['datasource', 'add', 'far.power', '--kind', 'electricity.import.power', '--unit', 'W'],
        {
          DATABOX_URL: box.url,
          DATABOX_TOKEN: token,
        },
      );
      expect(add.stderr).toBe('');
      expect(add.status).toBe(0);
      expect(runCli(['datasource', 'list', '--home', home]).stdout).toContain('far.power');
      expect(existsSync(join(elsewhere, 'databox.db'))).toBe(false);
      const nothing = cli(['read', 'far.power', '--url', 'http://127.0.0.1:9'], {});
      expect(nothing.status).toBe(1);
      expect(nothing.stderr).toContain('no box answers at http://127.0.0.1:9 (from --url)');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
      await stopBoxProcess(box);
    }
  });
});
