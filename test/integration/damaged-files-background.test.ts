import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BoxProcess, runCli, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

// The quick_check off the start path (docs/operations.md, "Start checks"): after a clean stop the
// box starts without reading its whole store and checks it in the background; damage found there
// is reported, and the next start refuses the store.

const tempDir = useTempDir();
const PASSWORD = 'background-check-password';
let running: BoxProcess | undefined;

afterEach(async () => {
  if (running) await stopBoxProcess(running, 'SIGKILL');
  running = undefined;
});

const token = (home: string) => readFileSync(join(home, 'admin-token'), 'utf8').trim();

async function status(home: string): Promise<{ startChecks: Record<string, unknown> }> {
  const res = await fetch(`${running?.url}/api/v1/status`, {
    headers: { authorization: `Bearer ${token(home)}` },
  });
  return (await res.json()) as { startChecks: Record<string, unknown> };
}

/** A box holding 20,000 readings, stopped cleanly (SIGTERM). */
async function usedBox(): Promise<string> {
  const home = tempDir();
  running = await startBoxProcess(home);
  const api = (path: string, body: unknown) =>
    fetch(`${running?.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token(home)}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const spec = { id: 'power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' };
  expect((await api('/api/v1/datasources', spec)).status).toBe(201);
  const t0 = Date.UTC(2025, 0, 1);
  for (let from = 0; from < 20_000; from += 1000) {
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

/** The dashboard's notifications page, signed in with the password. */
async function notificationsPage(url: string): Promise<string> {
  const form = await fetch(`${url}/signin`);
  const pre = /databox_pre=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1] ?? '';
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const signin = await fetch(`${url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: `databox_pre=${pre}`,
      origin: url,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ _csrf: csrf, password: PASSWORD }).toString(),
  });
  const session = /databox_session=([^;]+)/.exec(signin.headers.get('set-cookie') ?? '')?.[1];
  expect(session, `sign-in: ${signin.status}`).toBeDefined();
  return (await fetch(`${url}/notifications`, { headers: { cookie: `databox_session=${session}` } })).text();
}

describe('the store check after a clean stop runs in the background', () => {
  it('a clean stop leaves a marker; the next start checks in the background; after a SIGKILL it checks first', async () => {
    const home = await usedBox();
    expect(existsSync(join(home, 'clean-stop.json'))).toBe(true);
    running = await startBoxProcess(home);
    // taken at start: a crash from now on finds no marker
    expect(existsSync(join(home, 'clean-stop.json'))).toBe(false);
    await expect
      .poll(async () => (await status(home)).startChecks, { timeout: 20_000 })
      .toMatchObject({ quickCheckWhen: 'background', quickCheck: true, quickCheckRunning: false });
    await stopBoxProcess(running, 'SIGKILL');
    running = await startBoxProcess(home);
    expect((await status(home)).startChecks).toMatchObject({
      quickCheckWhen: 'before-start',
      quickCheck: true,
    });
  }, 90_000);

  it('damage the marker cannot see is found by the background check: status, log, notification, and the next start refuses', async () => {
    const home = await usedBox();
    expect(runCli(['user', 'set-password', '--home', home], `${PASSWORD}\n`).status).toBe(0);
    const db = join(home, 'databox.db');
    // bit rot: the bytes change on the medium, the file's size and mtime do not (as the marker
    // knows them); set-password above changed the file, so the box would check before it starts
    // anyway, and the marker is rewritten to what the file is now, as after a clean stop
    const fd = openSync(db, 'r+');
    writeSync(fd, randomBytes(4096), 0, 4096, Math.floor(statSync(db).size / 2));
    closeSync(fd);
    const stat = statSync(db, { bigint: true });
    writeFileSync(
      join(home, 'clean-stop.json'),
      JSON.stringify({
        size: Number(stat.size),
        mtimeNs: String(stat.mtimeNs),
        at: new Date().toISOString(),
        version: 'test',
      }),
    );
    running = await startBoxProcess(home);
    await expect
      .poll(async () => (await status(home)).startChecks, { timeout: 20_000 })
      .toMatchObject({ quickCheckWhen: 'background', quickCheck: false });
    const checks = (await status(home)).startChecks;
    expect((checks.quickCheckProblems as string[]).length).toBeGreaterThan(0);
    expect(running.output()).toContain(`${db}: the store is damaged (found by the check after start)`);
    expect(running.output()).toContain('databox restore');
    const page = await notificationsPage(running.url);
    expect(page).toContain('The store failed its integrity check');
    // no clean-stop marker for a damaged store: the next start checks first, and refuses it
    expect(await stopBoxProcess(running)).toBe(0);
    running = undefined;
    expect(existsSync(join(home, 'clean-stop.json'))).toBe(false);
    const refused = runCli(['start', '--home', home, '--port', '0']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${db}: the store is damaged`);
  }, 90_000);
});
