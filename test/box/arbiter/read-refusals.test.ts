import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppManager } from '../../../box/apps/app-manager.ts';
import { Arbiter, type ReadContext } from '../../../box/arbiter/arbiter.ts';
import { MAX_REFUSAL_ENTRIES_PER_RUN } from '../../../box/arbiter/read-refusals.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { DAY, NOW, testStore, writeAppFolder } from '../apps/app-fixtures.ts';

const tempDir = useTempDir();

function setup() {
  const clock = { now: NOW };
  const store = testStore(clock);
  const root = tempDir();
  const apps = new AppManager(store, { appsDir: join(root, 'apps') });
  apps.install(writeAppFolder(root), {
    requests: { power: { datasource: 'meter.power', resolution: '30min', history: 'P1D' } },
    expires: 'P7D',
  });
  const arbiter = new Arbiter(store, apps.registry);
  const ctx: ReadContext = { appId: 'energy-test', runId: 'run-1', reads: 0, rowsRead: 0, maxReads: 1e6 };
  const refusals = () => store.audit.query({ action: 'readings.refuse', limit: 1000 });
  const attempt = (params: Parameters<Arbiter['read']>[1]) => {
    try {
      arbiter.read(ctx, params);
    } catch {
      return;
    }
    throw new Error('expected a refusal');
  };
  return { clock, store, apps, arbiter, ctx, refusals, attempt };
}

describe('refused reads', () => {
  it('are audited as readings.refuse by app:<id> with a reason code and no app-supplied text', () => {
    const { clock, apps, refusals, attempt } = setup();
    attempt({ request: 'power', resolution: '1min' });
    attempt({ request: 'power', aggregate: 'sum' });
    attempt({ request: 'temp' });
    attempt({ request: `x${'<script>'.repeat(1000)}` });
    clock.now = NOW + 8 * DAY;
    attempt({ request: 'power' });
    clock.now = NOW + DAY;
    apps.revoke('energy-test', 'power');
    attempt({ request: 'power', from: 5, to: 6 });
    const entries = refusals();
    expect(entries.map((e) => e.details.reason)).toEqual([
      'finer_resolution',
      'undeclared_aggregate',
      'not_granted',
      'undeclared_request',
      'expired',
      'revoked',
    ]);
    for (const e of entries) expect(e.actor).toBe('app:energy-test');
    expect(entries[0]).toMatchObject({
      subject: 'meter.power',
      details: { run: 'run-1', request: 'power', code: 'forbidden', asked: { resolution: '1min' } },
    });
    expect(entries[3].details).toMatchObject({ request: null, code: 'not_found' });
    expect(JSON.stringify(entries)).not.toContain('<script>');
    expect(entries[5].details).toMatchObject({ asked: { from: 5, to: 6 }, grant: expect.any(Number) });
  });

  it(`write at most ${MAX_REFUSAL_ENTRIES_PER_RUN} entries a run, then one summary at its end`, () => {
    const { store, arbiter, ctx, refusals, attempt } = setup();
    const before = store.audit.head().seq;
    for (let i = 0; i < 5000; i++) attempt({ request: 'power', resolution: i % 2 ? 'raw' : '1min' });
    for (let i = 0; i < 10; i++) attempt({ request: 'nope' });
    expect(refusals()).toHaveLength(MAX_REFUSAL_ENTRIES_PER_RUN);
    arbiter.endRun(ctx);
    arbiter.endRun(ctx); // once only
    const summary = store.audit.query({ action: 'readings.refuse.summary' });
    expect(summary).toHaveLength(1);
    expect(summary[0].details).toEqual({
      run: 'run-1',
      refused: 5010,
      audited: MAX_REFUSAL_ENTRIES_PER_RUN,
      notAudited: 5010 - MAX_REFUSAL_ENTRIES_PER_RUN,
      byReason: { finer_resolution: 5000, undeclared_request: 10 },
    });
    expect(store.audit.head().seq - before).toBe(MAX_REFUSAL_ENTRIES_PER_RUN + 1);
    // after the run's end nothing more is written for it
    attempt({ request: 'nope' });
    expect(store.audit.head().seq - before).toBe(MAX_REFUSAL_ENTRIES_PER_RUN + 1);
    expect(store.audit.verify().ok).toBe(true);
  });

  it('count a refusal seen again by the run session once, and audit ones made before the arbiter', () => {
    const { store, arbiter, ctx, refusals } = setup();
    let error: unknown;
    try {
      arbiter.read(ctx, { request: 'power', resolution: 'raw' });
    } catch (e) {
      error = e;
    }
    arbiter.refused(ctx, { request: 'power', resolution: 'raw' }, error);
    arbiter.refused(ctx, { request: 'power', from: 'soon' }, new Error('invalid params'));
    expect(refusals().map((e) => e.details.reason)).toEqual(['finer_resolution', 'run_not_live']);
    expect(refusals()[1].details).toMatchObject({ request: 'power', asked: { from: null } });
    arbiter.endRun(ctx);
    expect(store.audit.query({ action: 'readings.refuse.summary' })).toEqual([]);
  });
});
