import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppManager } from '../../box/apps/app-manager.ts';
import { setQuotas } from '../../box/apps/app-quotas.ts';
import { AppRunner } from '../../box/apps/app-runner.ts';
import { AppScheduler } from '../../box/apps/app-scheduler.ts';
import { IsolateRuntime } from '../../box/sandbox/isolate/isolate-runtime.ts';
import { Store } from '../../box/store/store.ts';
import { testManifest } from '../box/apps/app-fixtures.ts';
import { writeApp } from '../box/sandbox/isolate/app-bundle.ts';
import { type BoxProcess, runCli, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

/**
 * Red team, issue 9 point 6: an installed app tries to fill the box's disk and audit trail
 * through the app API (kv, insights, refused exports) and to run as often as its manifest likes.
 * Each attack runs against a real box process (isolate app, installed with the CLI, run over HTTP).
 */

// The hostile app: every phase records what got through and the first refusal it met.
const HOSTILE = `
  const result = {};
  const attempt = async (phase, n, fn) => {
    const r = (result[phase] = { ok: 0, refused: 0, first: null });
    for (let i = 0; i < n; i++) {
      try { await fn(i); r.ok++; }
      catch (e) { r.refused++; if (!r.first) r.first = { code: e.code, message: e.message }; }
    }
  };
  const mode = (await call('kv.get', { key: 'mode' })) || 'storage';
  if (mode === 'storage') {
    // 900 KB insights (under the 1 MiB call limit of the isolate host): refused by size
    await attempt('hugeInsight', 5, () => call('insight.emit', { key: 'blob', title: 'x', data: 'y'.repeat(900000) }));
    // 100 insights of 60 KB = 6 MB: the oldest make room past the app's total
    await attempt('manyInsights', 100, (i) => call('insight.emit', { key: 'blob', title: 'n' + i, data: 'z'.repeat(60000) }));
    await attempt('kvHuge', 40, (i) => call('kv.set', { key: 'huge' + i, value: 'v'.repeat(250000) }));
    await attempt('kvManyKeys', 1100, (i) => call('kv.set', { key: 'k' + i, value: i }));
    await attempt('kvBytes', 30, (i) => call('kv.set', { key: 'k' + i, value: 'w'.repeat(60000) }));
  } else {
    await attempt('exports', 2000, () => call('export.request', { destination: 'nowhere', payload: {} }));
  }
  await call('log', { level: 'info', message: 'RESULT ' + JSON.stringify(result) });
`;

interface Phase {
  ok: number;
  refused: number;
  first: { code: string; message: string } | null;
}

describe('red team: an app cannot fill the box (storage quotas, refusal summaries)', () => {
  let home: string;
  let box: BoxProcess;
  let token: string;

  const api = async (method: string, path: string) => {
    const res = await fetch(`${box.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const runApp = async (): Promise<{
    status: string;
    result: Record<string, Phase>;
    run: Record<string, unknown>;
  }> => {
    const { body } = await api('POST', '/api/v1/apps/hostile/runs');
    const run = body.run as { status: string; logs: string[] };
    const line = run.logs.find((l) => l.includes('RESULT '));
    return {
      status: run.status,
      result: JSON.parse(line?.split('RESULT ')[1] ?? '{}'),
      run: body.run as Record<string, unknown>,
    };
  };
  const quotas = () => {
    const out = runCli(['app', 'quota', 'hostile', '--home', home, '--json']);
    expect(out.stderr).toBe('');
    return Object.fromEntries(
      (JSON.parse(out.stdout) as Array<{ name: string; used: number | null; limit: number }>).map((q) => [
        q.name,
        q,
      ]),
    );
  };

  beforeAll(async () => {
    // one home for the whole suite (useTempDir would remove it after the first test)
    home = mkdtempSync(join(tmpdir(), 'databox-quotas-'));
    const dir = join(home, 'hostile-src');
    mkdirSync(dir, { recursive: true });
    const manifest = testManifest({
      id: 'hostile',
      requests: [],
      insights: [{ key: 'blob', title: 'Blob', description: 'anything' }],
      exports: [],
      limits: { memoryMb: 128, timeoutMs: 120_000 },
    });
    writeFileSync(join(dir, 'databox-app.json'), JSON.stringify(manifest));
    writeApp(dir, HOSTILE);
    const installed = runCli(['app', 'install', dir, '--home', home, '--yes']);
    expect(installed.stderr).toBe('');
    // the householder keeps this app's insights to 2 MB
    expect(
      runCli(['app', 'quota', 'hostile', '--home', home, '--set', 'insightsTotalBytes=2000000']).status,
    ).toBe(0);
    box = await startBoxProcess(home);
    token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  }, 60_000);
  afterAll(async () => {
    if (box) await stopBoxProcess(box);
    rmSync(home, { recursive: true, force: true });
  });

  it('huge insights and kv floods get quota_exceeded naming the quota; stored bytes stay under it', async () => {
    const { status, result } = await runApp();
    expect(status).toBe('ok');
    expect(result.hugeInsight).toMatchObject({ ok: 0, refused: 5 });
    expect(result.hugeInsight.first).toEqual({
      code: 'quota_exceeded',
      message: expect.stringContaining("over the app's insightBytes quota of 64000 bytes"),
    });
    expect(result.kvHuge).toMatchObject({ ok: 0, refused: 40 });
    expect(result.kvHuge.first?.message).toContain('kvValueBytes quota of 64000 bytes');
    expect(result.kvManyKeys).toMatchObject({ ok: 1000, refused: 100 });
    expect(result.kvManyKeys.first).toMatchObject({
      code: 'quota_exceeded',
      message: expect.stringContaining('kvKeys quota of 1000 keys'),
    });
    expect(result.kvBytes.refused).toBeGreaterThan(0);
    expect(result.kvBytes.first?.message).toContain('kvBytes quota of 1000000 bytes');
    // 100 insights of 60 KB were accepted, but only the newest that fit in 2 MB are kept
    expect(result.manyInsights).toMatchObject({ ok: 100, refused: 0 });

    const q = quotas();
    expect(q.kvKeys.used).toBeLessThanOrEqual(1000);
    expect(q.kvBytes.used).toBeLessThanOrEqual(1_000_000);
    expect(q.kvBytes.used).toBeGreaterThan(900_000);
    expect(q.insightsTotalBytes).toMatchObject({ limit: 2_000_000 });
    expect(q.insightsTotalBytes.used).toBeLessThanOrEqual(2_000_000);
    const { body } = await api('GET', '/api/v1/apps/hostile/insights');
    const titles = (body.insights as Array<{ title: string }>).map((i) => i.title);
    expect(titles[0]).toBe('n99'); // the newest answer is what the householder sees
    expect(titles.length).toBeLessThan(40);
    // the app page shows the householder usage against quota
    const show = runCli(['app', 'show', 'hostile', '--home', home]);
    expect(JSON.parse(show.stdout).quotas).toContainEqual(
      expect.objectContaining({ name: 'kvKeys', used: 1000, limit: 1000 }),
    );
  }, 120_000);

  it('2,000 refused export requests (100 times the 20 audited) leave 20 audit entries and one summary by reason', async () => {
    // switch the app to its export phase through its own kv (as a householder could not tell apart)
    const db = Store.open(join(home, 'databox.db'));
    db.kv.set('app:hostile', 'mode', 'exports', Date.now());
    db.close();
    const { status, result, run } = await runApp();
    expect(status, String(run.error)).toBe('ok');
    expect(result.exports).toMatchObject({ ok: 0, refused: 2_000 });
    const entries = (await api('GET', '/api/v1/audit?action=export.refuse*&limit=10000')).body
      .entries as Array<{
      action: string;
      details: Record<string, unknown>;
    }>;
    const mine = entries.filter((e) => e.details.run === run.runId);
    expect(mine.filter((e) => e.action === 'export.refuse')).toHaveLength(20);
    expect(mine.filter((e) => e.action === 'export.refuse.summary')).toEqual([
      expect.objectContaining({
        details: { run: run.runId, audited: 20, notAudited: 1_980, byCheck: { destination: 1_980 } },
      }),
    ]);
  }, 180_000);
});

describe('red team: a manifest asking to run every second is held to its runs per hour', () => {
  const tempDir = useTempDir('databox-runs-');
  const runtime = new IsolateRuntime();
  beforeAll(() => runtime.start());
  afterAll(() => runtime.stop());

  it('the scheduler starts no more than runsPerHour runs in an hour, then resumes; manual runs still work', async () => {
    const clock = { now: Date.UTC(2024, 0, 10, 12) };
    const home = tempDir();
    const store = Store.open(join(home, 'databox.db'), { clock: () => clock.now });
    const dir = join(home, 'src');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'databox-app.json'),
      JSON.stringify(
        testManifest({
          id: 'eager',
          requests: [],
          exports: [],
          schedule: { type: 'interval', every: 'PT1S' },
        }),
      ),
    );
    writeApp(dir, "await call('log', { level: 'info', message: 'ran' });");
    const runner = new AppRunner({ store, runtimes: { isolate: runtime } });
    new AppManager(store, { appsDir: join(home, 'apps'), tokens: runner.tokens }).install(dir, {
      requests: {},
    });
    setQuotas(store, 'eager', { runsPerHour: 5 });
    const scheduler = new AppScheduler({ store, runner });
    let started = 0;
    for (let i = 0; i < 30; i++) {
      clock.now += 2_000;
      const ids = await scheduler.tick();
      started += ids.length;
      while (runner.isRunning('eager')) await new Promise((r) => setTimeout(r, 10));
    }
    expect(started).toBe(5);
    expect(() => runner.run('eager', 'interval')).toThrow(/runsPerHour quota of 5/);
    // the householder's own run is not refused
    await expect(runner.run('eager', 'manual')).resolves.toMatchObject({ status: 'ok' });
    clock.now += 3_600_000;
    expect(await scheduler.tick()).toEqual(['eager']);
    while (runner.isRunning('eager')) await new Promise((r) => setTimeout(r, 10));
    store.close();
  }, 60_000);
});
