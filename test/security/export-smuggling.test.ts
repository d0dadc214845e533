import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ManifestInput, validateManifest } from '../../apps-sdk/src/manifest.ts';
import { AppManager } from '../../box/apps/app-manager.ts';
import { promptConsent } from '../../box/apps/consent-prompt.ts';
import { ExportService } from '../../box/exports/export-service.ts';
import { insertRun, testManifest, writeAppFolder } from '../box/apps/app-fixtures.ts';
import { type BoxProcess, runCli, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';
import { dashboard } from '../web/dashboard-client.ts';

// The attacker's app wants raw household data out under the cover of an "inference": an export
// whose schema takes anything, or a destination that looks like one the householder trusts.
const tempDir = useTempDir();
type Export = NonNullable<ManifestInput['exports']>[number];

function smuggler(exp: Partial<Export>): ManifestInput {
  return testManifest({
    id: 'smuggler',
    requests: [],
    exports: [
      {
        id: 'out',
        url: 'https://example.org/in',
        reason: 'a monthly summary (says the app)',
        schema: { type: 'object', additionalProperties: false, properties: { kwh: { type: 'number' } } },
        maxBytes: 1_000_000,
        maxPerDay: 1440,
        ...exp,
      },
    ],
  });
}

describe('export smuggling at install (a real box over HTTP)', () => {
  let box: BoxProcess;
  let home: string;
  beforeAll(async () => {
    // one box for these cases; useTempDir's folders go after each test
    home = mkdtempSync(join(tmpdir(), 'databox-smuggling-'));
    box = await startBoxProcess(home);
  }, 60_000);
  afterAll(async () => {
    await stopBoxProcess(box, 'SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  async function install(manifest: ManifestInput) {
    const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
    const res = await fetch(`${box.url}/api/v1/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        source: writeAppFolder(tempDir(), manifest),
        grants: {},
        destinations: ['out'],
      }),
    });
    const body = (await res.json()) as { error?: { details: Array<{ path: string; message: string }> } };
    return { status: res.status, details: body.error?.details ?? [] };
  }

  it('refuses export schemas that do not bound the payload, naming what is unbounded', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [
        { type: 'object', additionalProperties: false, properties: { note: { type: 'string' } } },
        'exports[0].schema.properties.note',
        /string without maxLength/,
      ],
      [
        { type: 'object', properties: { kwh: { type: 'number' } } },
        'exports[0].schema',
        /open to more properties/,
      ],
      [{ type: 'array', items: { type: 'number' } }, 'exports[0].schema', /array without maxItems/],
      [{}, 'exports[0].schema', /has no type/],
    ];
    for (const [schema, path, message] of cases) {
      const refused = await install(smuggler({ schema }));
      expect(refused.status).toBe(400);
      expect(refused.details).toEqual([{ path, message: expect.stringMatching(message) }]);
    }
  });

  it('refuses look-alike destination URLs with the export gateway’s own reason', async () => {
    const cases: Array<[string, RegExp]> = [
      ['https://user@example.org/in', /carries userinfo/],
      ['https://\u0435xample.org/in', /non-ASCII characters \(IDN look-alike\?\)/], // Cyrillic е
      [
        'http://2130706433/in',
        /host "2130706433" is not canonical \(a URL parser reads it as "127\.0\.0\.1"\)/,
      ],
    ];
    for (const [url, reason] of cases) {
      const refused = await install(smuggler({ url }));
      expect(refused.status).toBe(400);
      expect(refused.details).toEqual([
        { path: 'exports[0].url', message: expect.stringMatching(/^the export gateway would refuse it: /) },
      ]);
      expect(refused.details[0].message).toMatch(reason);
    }
    expect((await install(smuggler({}))).status).toBe(201);
  });
});

describe('what an export can carry, in plain words', () => {
  // a number (25 bytes at most) and a 40-character note (6 bytes a character, escaped): 284 bytes
  const bounded = smuggler({
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: { kwh: { type: 'number' }, note: { type: 'string', maxLength: 40 } },
    },
    maxBytes: 2000,
    maxPerDay: 4,
  });
  const TEXT = 'can send up to 284 bytes, 4 times a day (at most 1.1 KB a day)';

  it('databox app check prints it', () => {
    const check = runCli(['app', 'check', writeAppFolder(tempDir(), bounded)]);
    expect(check.status).toBe(0);
    expect(check.stdout).toContain(`export out to https://example.org/in: ${TEXT}`);
  });

  it('the consent page and the terminal prompt show it', async () => {
    const dir = writeAppFolder(tempDir(), bounded);
    const web = await dashboard();
    await web.signIn();
    const page = await (await web.request(`/apps/install?source=${encodeURIComponent(dir)}`)).text();
    expect(page).toContain(`This app ${TEXT}.`);

    const printed: string[] = [];
    const parsed = validateManifest(bounded);
    if (!parsed.ok) throw new Error('the bounded manifest must validate');
    await promptConsent(
      { ask: async () => 'n', print: (t) => printed.push(t) },
      web.store,
      parsed.manifest,
      { requests: {}, expires: 'P1M' },
      false,
    );
    expect(printed).toContain(`  It ${TEXT}.`);
  });
});

describe('the review queue with huge payloads', () => {
  it('30 payloads of 650 KB make a page of a few hundred KB, each shown once and cut at 2 KB', async () => {
    const web = await dashboard();
    const root = tempDir();
    const apps = new AppManager(web.store, { appsDir: join(root, 'apps') });
    const big = smuggler({
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: { blob: { type: 'string', maxLength: 700_000 } },
      },
      maxBytes: 1_000_000,
      maxPerDay: 100,
    });
    apps.install(writeAppFolder(root, big), { requests: {}, destinations: ['out'] });
    const exports = new ExportService({ store: web.store, registry: apps.registry, boxWidePerDay: 100 });
    exports.setMode('smuggler', 'review');
    insertRun(apps.registry, { runId: 'run-1', appId: 'smuggler', startedAt: web.store.now() });
    for (let i = 0; i < 30; i++)
      await exports.request({
        appId: 'smuggler',
        runId: 'run-1',
        destination: 'out',
        payload: { blob: `${i}`.padEnd(650_000, 'x') },
      });
    await web.signIn();
    const res = await web.request('/exports');
    const page = await res.text();
    const bytes = Buffer.byteLength(page);
    // before: each payload twice in full, ~39 MB; now 30 previews of 2 KB plus the page
    expect(bytes).toBeLessThan(300_000);
    expect(page.match(/data-testid="review-payload"/g)).toHaveLength(30);
    expect(page.match(/Showing the first 2048 of 650\d{3} characters/g)).toHaveLength(30);
    const [entry] = exports.ledger.withStatus('review', 1);
    expect(page).toContain(`databox exports show ${entry.id}`);
    const whole = await web.request(`/exports/${entry.id}/payload`);
    expect(whole.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(await whole.text())).toEqual(entry.payload);
  }, 60_000);
});
