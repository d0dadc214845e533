import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppRegistry } from '../../../box/apps/app-registry.ts';
import { ExportLedger } from '../../../box/exports/ledger.ts';
import { Store } from '../../../box/store/store.ts';
import { saveTimeSettings } from '../../../box/time/time-settings.ts';
import { REPO_ROOT, runCli } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-local-dates-');
const EXAMPLE = join(REPO_ROOT, 'examples', 'energy-insights');
/** 2026-10-25 00:30 UTC: 02:30 CEST in Amsterdam, an hour before the clocks go back. */
const BEFORE_CHANGE = Date.UTC(2026, 9, 25, 0, 30);
/** 2026-10-25 02:30 UTC: 03:30 CET, after the change. */
const AFTER_CHANGE = Date.UTC(2026, 9, 25, 2, 30);

function withStore<T>(home: string, fn: (store: Store) => T): T {
  const store = Store.open(join(home, 'databox.db'));
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/** A box set (as `databox time set` would) to a zone and locale, with a meter. */
function box(timeZone: string, locale: string): string {
  const home = tempDir();
  withStore(home, (store) => {
    saveTimeSettings(store, { timeZone, locale });
    store.createDatasource(
      { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
  });
  return home;
}

const run = (args: string[]) => {
  const result = runCli(args);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
};

describe('the CLI shows dates in the box zone and locale, labelled', () => {
  it('import octopus: gaps straddling the Amsterdam clock change are CEST and CET wall times', () => {
    const home = box('Europe/Amsterdam', 'en-GB');
    const file = join(home, 'consumption.csv');
    // half hours in UTC; 00:30–01:30 UTC is missing, which is 02:30 CEST to 02:30 CET
    const rows = ['2026-10-25T00:00:00Z', '2026-10-25T01:30:00Z', '2026-10-25T02:00:00Z'];
    const end = (t: string) => new Date(Date.parse(t) + 1_800_000).toISOString().replace('.000', '');
    writeFileSync(
      file,
      ` Consumption (kWh), Start, End\n${rows.map((t) => `0.250, ${t}, ${end(t)}`).join('\n')}\n`,
    );
    const out = run(['import', 'octopus', file, '--home', home]);
    expect(out).toContain('gap 25 Oct 2026, 02:30 CEST to 25 Oct 2026, 02:30 CET: 2 missing');
    expect(out).not.toMatch(/\d{2}:\d{2}Z/);
  });

  it('exports list and app runs print local labelled times; --json keeps epoch ms', () => {
    const home = box('Asia/Kathmandu', 'en-GB');
    const install = runCli([
      'app',
      'install',
      EXAMPLE,
      '--home',
      home,
      '--grant',
      'power=meter.power@1d',
      '--allow-unsigned',
      '--yes',
    ]);
    expect(install.status, install.stderr).toBe(0);
    withStore(home, (store) => {
      const registry = new AppRegistry(store.db);
      const { version } = registry.getInstall('energy-insights');
      registry.insertRun({
        runId: 'run-1',
        appId: 'energy-insights',
        appVersion: version,
        trigger: 'manual',
        runtime: 'isolate',
        startedAt: BEFORE_CHANGE,
        endedAt: BEFORE_CHANGE + 1200,
        status: 'ok',
        durationMs: 1200,
        reads: 1,
        rowsRead: 48,
        insights: 1,
        exports: 1,
        error: null,
        logs: [],
      });
      new ExportLedger(store.db).insert({
        id: 'exp-1',
        appId: 'energy-insights',
        runId: 'run-1',
        destination: 'coop',
        url: 'https://energy-coop.example/upload',
        payload: { kwh: 12 },
        sha256: '0'.repeat(64),
        salt: null,
        bytes: 10,
        status: 'review',
        attempts: 0,
        responseStatus: null,
        lastError: null,
        createdAt: AFTER_CHANGE,
        decidedAt: null,
        decidedBy: null,
        reason: null,
        forwardedAt: null,
        deliveredAt: null,
        updatedAt: AFTER_CHANGE,
      });
    });
    // Kathmandu is +05:45 all year: 00:30 UTC is 06:15, 02:30 UTC is 08:15
    expect(run(['app', 'runs', 'energy-insights', '--home', home])).toMatch(
      /^25 Oct 2026, 06:15 GMT\+5:45 ok\s/,
    );
    expect(run(['exports', 'list', '--home', home])).toMatch(
      /^exp-1 {2}25 Oct 2026, 08:15 GMT\+5:45 {2}review/,
    );
    const runsJson = JSON.parse(run(['app', 'runs', 'energy-insights', '--home', home, '--json']));
    expect(runsJson[0].startedAt).toBe(BEFORE_CHANGE);
    const ledgerJson = JSON.parse(run(['exports', 'list', '--home', home, '--json']));
    expect(ledgerJson[0].createdAt).toBe(AFTER_CHANGE);
  });

  it("audit export --since reads a date as the box zone's day, not UTC or the machine's", () => {
    const home = tempDir();
    // 22:30 UTC on 24 October is 00:30 on the 25th in Amsterdam
    const store = Store.open(join(home, 'databox.db'), { clock: () => Date.UTC(2026, 9, 24, 22, 30) });
    saveTimeSettings(store, { timeZone: 'Europe/Amsterdam', locale: 'en-GB' });
    store.close();
    const since = (day: string) =>
      run(['audit', 'export', '--since', day, '--action', 'settings.change', '--home', home])
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).ts);
    expect(since('2026-10-25')).toEqual([Date.UTC(2026, 9, 24, 22, 30)]);
    expect(since('2026-10-25T00:45')).toEqual([]);
    expect(since('2026-10-24T22:30Z')).toEqual([Date.UTC(2026, 9, 24, 22, 30)]);
  });

  it('app grants shows the expiry in the box zone; the same instant as the stored one', () => {
    const home = box('Europe/Amsterdam', 'nl-NL');
    const install = runCli([
      'app',
      'install',
      EXAMPLE,
      '--home',
      home,
      '--grant',
      'power=meter.power@1d',
      '--allow-unsigned',
      '--yes',
    ]);
    expect(install.status, install.stderr).toBe(0);
    const [grant] = JSON.parse(run(['app', 'grants', 'energy-insights', '--home', home, '--json']));
    expect(typeof grant.expiresAt).toBe('number');
    // an independent rendering of the stored instant: nl-NL, Amsterdam, with the zone's short name
    const wall = new Intl.DateTimeFormat('nl-NL', {
      timeZone: 'Europe/Amsterdam',
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(grant.expiresAt);
    const zone = /CES?T/.exec(
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', timeZoneName: 'short' }).format(
        grant.expiresAt,
      ),
    )?.[0];
    const text = run(['app', 'grants', 'energy-insights', '--home', home]);
    expect(text).toContain(`until ${wall} ${zone}`);
    expect(install.stdout).toContain(`until ${wall} ${zone}`);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });
});
