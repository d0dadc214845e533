import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Store } from '../../../box/store/store.ts';
import { saveTimeSettings } from '../../../box/time/time-settings.ts';
import { REPO_ROOT, runCli } from '../../helpers/box-process.ts';
import { describeWithSharedFixtures, sharedFixture } from '../../helpers/shared-fixtures.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-import-');

function storedCount(home: string, id: string): number {
  const store = Store.open(join(home, 'databox.db'));
  try {
    return store.read(id, {
      from: 0,
      to: Date.parse('2030-01-01T00:00:00Z'),
      resolution: 'raw',
      aggregate: 'mean',
    }).length;
  } finally {
    store.close();
  }
}

describeWithSharedFixtures('databox import (CLI, end to end)', () => {
  it('imports a Green Button file once, then reports every reading as a duplicate', () => {
    const home = tempDir();
    const file = sharedFixture('greenbutton/espi_gba_sample_TestGBDataHourlyNineDaysBinnedDaily.xml');
    const first = runCli(['import', 'greenbutton', file, '--home', home]);
    expect(first.stderr).toMatch(/import greenbutton: 432 readings stored/);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(
      /^datasources: greenbutton\.electricity\.import\.interval, greenbutton\.electricity\.import\.interval\.cost$/m,
    );
    expect(first.stdout).toMatch(/^written: 432$/m);
    expect(first.stdout).toMatch(/^duplicates \(already stored\): 0$/m);
    const second = runCli(['import', 'greenbutton', file, '--home', home]);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/^written: 0$/m);
    expect(second.stdout).toMatch(/^duplicates \(already stored\): 432$/m);
    expect(storedCount(home, 'greenbutton.electricity.import.interval')).toBe(216);
  });

  it('imports an Octopus API page under --id and lists its gaps (in the box zone)', () => {
    const home = tempDir();
    const store = Store.open(join(home, 'databox.db'));
    saveTimeSettings(store, { timeZone: 'Europe/London', locale: 'en-GB' });
    store.close();
    const file = sharedFixture('octopus/octopus_api_electricity_consumption_page1.json');
    const result = runCli(['import', 'octopus', file, '--id', 'octopus.main', '--home', home]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^written: 99$/m);
    expect(result.stdout).toMatch(/^gaps found: 2 \(49 intervals missing\)$/m);
    // 2020-05-04T23:30Z to 2020-05-05T23:30Z, as a householder in London reads it
    expect(result.stdout).toContain('gap 5 May 2020, 00:30 BST to 6 May 2020, 00:30 BST: 48 missing');
    expect(storedCount(home, 'octopus.main')).toBe(99);
  });
});

it('prints bad CSV rows with their line numbers on stderr and imports the rest', () => {
  const home = tempDir();
  const file = join(REPO_ROOT, 'test/fixtures/octopus/octopus_dashboard_consumption_dst.csv');
  const result = runCli(['import', 'octopus', file, '--home', home]);
  expect(result.status).toBe(0);
  expect(result.stderr).toMatch(/^line 7: Consumption \(kWh\): /m);
  expect(result.stderr).toMatch(/^line 9: /m);
  expect(result.stderr).toMatch(/^line 11: duplicate interval start$/m);
  expect(result.stdout).toMatch(/^written: 8$/m);
  expect(result.stdout).toMatch(/^bad rows: 3$/m);
});

it('exits 1 with a clear message for an unknown format or a missing file', () => {
  const home = tempDir();
  const unknown = runCli(['import', 'edf', 'x.csv', '--home', home]);
  expect(unknown.status).toBe(1);
  expect(unknown.stderr).toContain(
    'import needs a format, greenbutton, octopus, octopus-prices, homeassistant, apple-health, got "edf"',
  );
  const missing = runCli(['import', 'octopus', join(home, 'nope.csv'), '--home', home]);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain('nope.csv');
});
