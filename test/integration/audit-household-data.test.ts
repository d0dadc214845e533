import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../box/store/store.ts';
import { testManifest } from '../box/apps/app-fixtures.ts';
import { writeApp } from '../box/sandbox/isolate/app-bundle.ts';
import { type BoxProcess, runCli, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';

/**
 * Red team, issue 11 point 7: an app granted 336 readings tries to carry them into the audit
 * trail (which is never erased) through every text it controls: an undeclared export
 * destination id, its error text, kv keys; and an observer of the trail tries to brute-force a
 * small export payload back from its hash. Against a real box process, isolate app, CLI install.
 */

const READINGS = 336;
// distinctive values: each one's text can be searched for in the trail
const value = (i: number) => 1000 + i + 0.123;

const HOSTILE = `
  const { points } = await call('data.read', { request: 'power' });
  const loot = points.map((p) => p.v).join(',');
  const tried = { points: points.length, lootChars: loot.length };
  try { await call('export.request', { destination: loot, payload: {} }); } catch (e) { tried.refused = e.code; }
  tried.chunks = 0;
  for (let i = 0; i * 250 < loot.length; i++, tried.chunks++) await call('kv.set', { key: loot.slice(i * 250, i * 250 + 250), value: loot });
  for (let i = 0; i < 500; i++) await call('kv.set', { key: 'again', value: loot + i });
  for (let i = 0; i < 30; i++) await call('kv.set', { key: 'k' + i, value: i });
  await call('export.request', { destination: 'research', payload: { month: '2026-11', kWh: 232.96 } });
  await call('log', { level: 'info', message: 'TRIED ' + JSON.stringify(tried) });
  throw new Error(loot);
`;

describe('red team: household data stays out of the audit trail', () => {
  let home: string;
  let box: BoxProcess | undefined;
  let trail: string;
  let entries: Array<{ seq: number; action: string; details: Record<string, unknown> }>;
  let tried: { chunks: number; lootChars: number };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'databox-audit-leak-'));
    const store = Store.open(join(home, 'databox.db'));
    store.createDatasource(
      { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    const start = Math.floor(Date.now() / 60_000) * 60_000 - (READINGS + 2) * 60_000;
    // three readings a minute (sparser buckets are withheld), all of the minute's value
    store.writeReadings(
      'meter.power',
      Array.from({ length: READINGS * 3 }, (_, j) => ({
        t: start + j * 20_000,
        v: value(Math.floor(j / 3)),
      })),
      'user',
    );
    store.close();
    const dir = join(home, 'hostile-src');
    mkdirSync(dir, { recursive: true });
    const manifest = testManifest({ id: 'hostile', limits: { memoryMb: 64, timeoutMs: 60_000 } });
    writeFileSync(join(dir, 'databox-app.json'), JSON.stringify(manifest));
    writeApp(dir, HOSTILE);
    const installed = runCli([
      'app',
      'install',
      dir,
      '--home',
      home,
      '--grant',
      'power=meter.power@1min/P2D',
      '--decline',
      'temp',
      '--approve-destination',
      'research',
      '--yes',
    ]);
    expect(installed.stderr).toBe('');
    box = await startBoxProcess(home);
    const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
    const res = await fetch(`${box.url}/api/v1/apps/hostile/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const { run } = (await res.json()) as { run: { status: string; logs: string[] } };
    tried = JSON.parse(run.logs.find((l) => l.includes('TRIED '))?.split('TRIED ')[1] ?? '{}');
    // the attack really held the readings: 336 values, over 3,000 characters
    expect(tried).toMatchObject({ points: READINGS, refused: 'not_found' });
    expect(tried.lootChars).toBeGreaterThan(3000);
    expect(run.status).toBe('error');
    await stopBoxProcess(box);
    box = undefined;
    const exported = runCli(['audit', 'export', '--home', home]);
    expect(exported.status).toBe(0);
    trail = exported.stdout;
    entries = trail
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
  }, 120_000);
  afterAll(async () => {
    if (box) await stopBoxProcess(box);
    rmSync(home, { recursive: true, force: true });
  });

  it('carries at most a few readings, never the whole loot, and no line of more than 2 KB', () => {
    const leaked = Array.from({ length: READINGS }, (_, i) => String(value(i))).filter((v) =>
      trail.includes(v),
    );
    // bounded channels (200 characters of error, 32-character kv keys) hold a few values, not 336
    expect(leaked.length).toBeLessThan(READINGS / 4);
    for (const line of trail.trim().split('\n')) expect(Buffer.byteLength(line)).toBeLessThan(2048);
    const strings = (v: unknown): string[] =>
      typeof v === 'string' ? [v] : typeof v === 'object' && v ? Object.values(v).flatMap(strings) : [];
    for (const e of entries) for (const s of strings(e.details)) expect(s.length).toBeLessThanOrEqual(220);
  });

  it('records the undeclared destination as a digest, and the error text cut with a marker', () => {
    const refusal = entries.find((e) => e.action === 'export.refuse');
    expect(refusal?.details.destination).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(String(refusal?.details.reason)).not.toContain(String(value(0)));
    const end = entries.find((e) => e.action === 'app.run.end');
    expect(end?.details.error).toMatch(/…\(\d+ more\)$/);
  });

  it('audits kv writes by key and size only, at most 20 keys and one summary a run', () => {
    const sets = entries.filter((e) => e.action === 'app.kv.set');
    // the loot chunks, "again", then short keys until the cap of 20
    expect(sets).toHaveLength(20);
    // every chunk but the last (a short rest) is cut
    for (const s of sets.slice(0, tried.chunks - 1)) {
      expect(String(s.details.key)).toMatch(/^.{32}…\(\d+ more\)$/);
      expect(s.details.keyDigest).toMatch(/^sha256:/);
      expect(s.details.bytes).toBeGreaterThan(3000);
    }
    const summary = entries.filter((e) => e.action === 'app.kv.summary');
    expect(summary).toHaveLength(1);
    expect(summary[0].details).toMatchObject({
      writes: tried.chunks + 500 + 30,
      keys: tried.chunks + 1 + 30,
      audited: 20,
      notAudited: tried.chunks + 530 - 20,
    });
  });

  it('commits to the export payload with a salt: the 25 s brute force finds nothing, the householder can prove it', () => {
    const request = entries.find((e) => e.action === 'export.request');
    const commitment = String(request?.details.commitment);
    const db = new Database(join(home, 'databox.db'), { readonly: true });
    const row = db
      .prepare("SELECT payload, salt, sha256 FROM app_exports WHERE destination = 'research'")
      .get() as {
      payload: string;
      salt: string;
      sha256: string;
    };
    db.close();
    // the householder's proof: payload and salt from the ledger give the trail's commitment
    expect(createHash('sha256').update(`${row.salt}${row.payload}`).digest('hex')).toBe(commitment);
    // the attack of the issue: every kWh value with two decimals for the month
    const hexes = new Set(trail.match(/[0-9a-f]{64}/g));
    let found: string | undefined;
    let foundPlain: string | undefined;
    for (let c = 0; c < 100_000 && !found; c++) {
      const text = `{"month":"2026-11","kWh":${c / 100}}`;
      const h = createHash('sha256').update(text).digest('hex');
      if (hexes.has(h)) found = text;
      if (h === row.sha256) foundPlain = text;
    }
    // it works on a plain hash (so the search space is right) but finds nothing in the trail
    expect(foundPlain).toBe('{"month":"2026-11","kWh":232.96}');
    expect(found).toBeUndefined();
    expect(trail).not.toContain(row.sha256);
  });
});
