import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../box/containers/docker-client.ts';
import { ensureNodeBaseImage } from '../../box/containers/node-image.ts';
import { CLIENT_CJS } from '../box/sandbox/container/container-test-app.ts';
import { describeWithDocker } from '../helpers/services.ts';
import { type HostileBox, hostileIsolateApp, startHostileBox } from './hostile-box.ts';

/**
 * Issue 9, point 7: a revoked or expired grant's refused reads left no trace. The attacker here
 * keeps reading after its grant is revoked or has expired, and floods the box with 10,000 refused
 * reads in one run (finer resolutions, undeclared aggregates, undeclared requests with long names,
 * then past the per-run read limit), against a real `databox start` daemon. Every refusal must be
 * audited as `readings.refuse` with its reason, yet the flood must leave a bounded trail.
 */

const READ_ONCE = `
let outcome;
try {
  const r = await call('data.read', { request: 'power' });
  outcome = { ok: true, points: r.points.length };
} catch (e) {
  outcome = { ok: false, message: String(e.message) };
}
await report(outcome);
`;

const FLOOD = `
const attempts = [
  { request: 'power', resolution: 'raw' },
  { request: 'power', aggregate: 'sum' },
  { request: 'p'.repeat(5000) + '<script>' },
];
let refused = 0;
for (let i = 0; i < 10000; i++) {
  try { await call('data.read', attempts[i % 3]); } catch { refused++; }
}
await report({ refused });
`;

/** A hostile app whose run body is `body`, in an isolate or a container, installed at 30min. */
async function install(
  box: HostileBox,
  id: string,
  body: string,
  runtime: 'isolate' | 'container',
  expires?: string,
): Promise<void> {
  const folder = hostileIsolateApp(box.scratch(), id, body);
  const manifest = JSON.parse(readFileSync(join(folder, 'databox-app.json'), 'utf8'));
  manifest.limits = { memoryMb: 64, timeoutMs: 120_000 };
  if (runtime === 'container') {
    manifest.runtime = { type: 'container', image: 'databox/node-base', command: ['/app/dist/app.js'] };
    writeFileSync(join(folder, 'dist', 'client.cjs'), CLIENT_CJS);
    writeFileSync(
      join(folder, 'dist', 'app.js'),
      `const raw = require('./client.cjs').call;
const call = async (method, params) => {
  const r = await raw(method, params);
  if (r.status !== 200) throw new Error(r.body.error.message);
  return r.body.result;
};
const report = (data) => call('insight.emit', { key: 'report', title: 'report', data });
(async () => {
${body}
})().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });
`,
    );
  }
  writeFileSync(join(folder, 'databox-app.json'), JSON.stringify(manifest));
  const installed = await box.api('POST', '/api/v1/apps', {
    source: folder,
    grants: { power: { datasource: 'meter.power', resolution: '30min', history: 'P1D' } },
    ...(expires ? { expires } : {}),
  });
  expect(installed.status, JSON.stringify(installed.body)).toBe(201);
}

async function auditOf(box: HostileBox, appId: string, action: string) {
  const res = await box.api('GET', `/api/v1/audit?actor=app:${appId}&action=${action}&order=asc&limit=10000`);
  expect(res.status).toBe(200);
  return res.body.entries as Array<{ action: string; subject: string; details: Record<string, unknown> }>;
}

function attacks(runtime: 'isolate' | 'container') {
  let box: HostileBox;
  beforeAll(async () => {
    if (runtime === 'container') await ensureNodeBaseImage(createDockerClient());
    box = await startHostileBox();
    await box.seedPower(2);
  }, 180_000);
  afterAll(async () => {
    await box?.stop();
  });

  it('a revoked grant: the read is refused and the refusal is in the audit trail', async () => {
    const id = `${runtime}-revoked`;
    await install(box, id, READ_ONCE, runtime);
    expect((await box.run(id)).status).toBe('ok');
    expect((await box.api('POST', `/api/v1/apps/${id}/revoke`, { request: 'power' })).status).toBe(200);
    const run = await box.run(id);
    const [granted, refused] = (await box.reports(id)) as Array<{ ok: boolean; message?: string }>;
    expect(granted.ok).toBe(true);
    expect(refused).toMatchObject({ ok: false, message: expect.stringContaining('was revoked at') });
    const entries = await auditOf(box, id, 'readings.refuse');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      subject: 'meter.power',
      details: { run: run.runId, request: 'power', reason: 'revoked', code: 'forbidden' },
    });
  }, 120_000);

  it('an expired grant: the read is refused and the refusal is in the audit trail', async () => {
    const id = `${runtime}-expired`;
    await install(box, id, READ_ONCE, runtime, 'PT2S');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const run = await box.run(id);
    const [outcome] = (await box.reports(id)) as Array<{ ok: boolean; message?: string }>;
    expect(outcome).toMatchObject({ ok: false, message: expect.stringContaining('expired at') });
    const entries = await auditOf(box, id, 'readings.refuse');
    expect(entries.map((e) => e.details)).toEqual([
      expect.objectContaining({ run: run.runId, reason: 'expired' }),
    ]);
  }, 120_000);

  it('10,000 refused reads in one run leave at most 21 entries, the last a summary by reason', async () => {
    const id = `${runtime}-flood`;
    await install(box, id, FLOOD, runtime);
    const before = (await box.api('GET', '/api/v1/audit?limit=1')).body.head.seq as number;
    const started = Date.now();
    const run = await box.run(id);
    const ms = Date.now() - started;
    expect(run.status, `${run.error}\n${run.logs.join('\n')}`).toBe('ok');
    expect(await box.reports(id)).toEqual([{ refused: 10_000 }]);
    const refusals = await auditOf(box, id, 'readings.refuse');
    const [summary] = await auditOf(box, id, 'readings.refuse.summary');
    expect(refusals).toHaveLength(20);
    expect(new Set(refusals.map((e) => e.details.reason))).toEqual(
      new Set(['finer_resolution', 'undeclared_aggregate', 'undeclared_request']),
    );
    expect(JSON.stringify(refusals)).not.toContain('<script>');
    expect(summary.details).toEqual({
      run: run.runId,
      refused: 10_000,
      audited: 20,
      notAudited: 9_980,
      // 100 reads a run are allowed; every later one is refused as over the limit
      byReason: {
        finer_resolution: 34,
        undeclared_aggregate: 33,
        undeclared_request: 33,
        rate_limited: 9_900,
      },
    });
    // the whole run (start, reads, report insight, end) grew the trail by a few dozen entries
    const after = (await box.api('GET', '/api/v1/audit?limit=1')).body.head.seq as number;
    expect(after - before).toBeLessThan(40);
    expect((await box.api('GET', '/api/v1/audit/verify')).body.ok).toBe(true);
    console.log(`${runtime}: 10,000 refused reads in ${ms} ms, ${after - before} audit entries`);
  }, 240_000);
}

describe('red team: refused reads are audited, isolate runtime, real box', () => {
  attacks('isolate');
});

describeWithDocker('red team: refused reads are audited, container runtime, real box', () => {
  attacks('container');
});
