import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../box/errors.ts';
import { Store } from '../../../box/store/store.ts';
import { IMPORT_FORMATS, type ImportFormat, runImport } from '../../../drivers/imports/run-import.ts';
import { REPO_ROOT, runCli } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { RecorderFixture } from '../homeassistant/recorder-fixture.ts';

const tempDir = useTempDir('databox-wrong-');
const fixture = (path: string) => join(REPO_ROOT, 'test/fixtures', path);
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

/** One good file per format; each is handed to every other importer. */
const files = {} as Record<ImportFormat, string>;
let shared = '';
afterAll(() => rmSync(shared, { recursive: true, force: true }));
beforeAll(() => {
  // useTempDir removes its folders after each test; the files here are shared by all of them
  shared = mkdtempSync(join(tmpdir(), 'databox-wrong-shared-'));
  const dir = shared;
  const db = join(dir, 'home-assistant_v2.db');
  const r = new RecorderFixture(db);
  const ids = r.entity('sensor.grid_power', { unit_of_measurement: 'W', device_class: 'power' });
  r.state(ids, '512', Date.parse('2024-03-01T00:00:00Z') / 1000);
  r.close();
  Object.assign(files, {
    greenbutton: fixture('greenbutton/espi_tiny_prefixed_multiplier.xml'),
    octopus: fixture('octopus/octopus_dashboard_consumption_cost.csv'),
    'octopus-prices': fixture('octopus/octopus_api_agile_unit_rates_page.json'),
    homeassistant: db,
    'apple-health': fixture('apple-health/apple_health_export_built.xml'),
  });
});

/** What each importer says about a file that is not its own: it must name the problem. */
const SAYS: Record<ImportFormat, RegExp> = {
  greenbutton:
    /not well-formed XML|ESPI feed is not well-formed|nothing to import: the file has no IntervalReading at all: is this a Green Button \(ESPI\) file\?/,
  octopus:
    /Octopus CSV header must have Consumption \(kWh\), Start and End columns|nothing to import: the Octopus API page has/,
  'octopus-prices': /not an Octopus unit-rates CSV|nothing to import: the file has \d+ rates, none usable/,
  homeassistant: /not a Home Assistant recorder database/,
  'apple-health': /not an Apple Health export/,
};

describe('every importer refuses every other format, and stores nothing', () => {
  for (const importer of IMPORT_FORMATS) {
    for (const other of IMPORT_FORMATS.filter((f) => f !== importer)) {
      it(`import ${importer} <- a ${other} file`, async () => {
        const store = Store.open(':memory:');
        stores.push(store);
        const refused = await runImport(importer, store, files[other], {}).then(
          () => null,
          (error: unknown) => error,
        );
        expect(refused).toBeInstanceOf(BadRequestError);
        expect((refused as Error).message).toMatch(SAYS[importer]);
        expect(store.listDatasources()).toEqual([]);
      });
    }
  }
});

it('an Octopus CSV with a header and no rows, or an API page of unit rates, is refused by import octopus', async () => {
  const store = Store.open(':memory:');
  stores.push(store);
  const empty = join(tempDir(), 'consumption.csv');
  writeFileSync(empty, ' Consumption (kWh), Start, End\n');
  await expect(runImport('octopus', store, empty, {})).rejects.toThrow(
    /nothing to import: the Octopus CSV has no rows$/,
  );
  await expect(runImport('octopus', store, files['octopus-prices'], {})).rejects.toThrow(
    /nothing to import: the Octopus API page has 7 results, none usable \(results\[0\]\.consumption: .*\); if it holds unit rates, use "databox import octopus-prices"/,
  );
});

it('databox import greenbutton on a health export exits 1 saying so; the right importers exit 0', () => {
  const home = tempDir();
  const wrong = runCli(['import', 'greenbutton', files['apple-health'], '--home', home]);
  expect(wrong.status).toBe(1);
  expect(wrong.stderr).toMatch(
    /nothing to import: the file has no IntervalReading at all: is this a Green Button \(ESPI\) file\?/,
  );
  const health = runCli(['import', 'apple-health', files['apple-health'], '--home', home]);
  expect(health.stderr).toMatch(/import apple-health: 15 readings stored/);
  expect(health.status).toBe(0);
  const prices = runCli(['import', 'octopus-prices', files['octopus-prices'], '--home', home]);
  expect(prices.stdout).toMatch(/^datasource: octopus\.price\.electricity\.import$/m);
  expect(prices.stdout).toMatch(/^gaps found: 2 \(3 intervals missing\)$/m);
  expect(prices.status).toBe(0);
  const hass = runCli([
    'import',
    'homeassistant',
    files.homeassistant,
    '--entity',
    'sensor.grid_*',
    '--home',
    home,
  ]);
  expect(hass.stdout).toMatch(/^datasource: hass\.sensor\.grid_power$/m);
  expect(hass.status).toBe(0);
  const misplaced = runCli(['import', 'octopus', files.octopus, '--entity', 'x', '--home', home]);
  expect(misplaced.status).toBe(1);
  expect(misplaced.stderr).toContain('--entity applies to import homeassistant only');
}, 120_000);
