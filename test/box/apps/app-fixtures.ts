import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestInput } from '../../../apps-sdk/src/manifest.ts';
import type { AppRegistry } from '../../../box/apps/app-registry.ts';
import { Store } from '../../../box/store/store.ts';

/** 2024-01-10 12:10 UTC: ten minutes into a 30 min bucket, so window alignment shows. */
export const NOW = Date.UTC(2024, 0, 10, 12, 10);
export const MINUTE = 60_000;
export const DAY = 86_400_000;

/** A manifest asking for power at 1min (appliances) or 30min (tariffs), optional temperature, one export. */
export function testManifest(overrides: Partial<ManifestInput> = {}): ManifestInput {
  return {
    id: 'energy-test',
    name: 'Energy test',
    version: '1.0.0',
    description: 'Test app',
    author: 'Test Author',
    homepage: 'https://example.org/energy-test',
    runtime: { type: 'isolate', entry: 'dist/app.js' },
    requests: [
      {
        name: 'power',
        kind: 'electricity.import.power',
        required: true,
        resolutions: [
          { resolution: '1min', purpose: 'spot appliances switching on' },
          { resolution: '30min', purpose: 'compare tariffs' },
        ],
        history: 'P2D',
        aggregates: ['mean', 'max'],
      },
      {
        name: 'temp',
        kind: 'temperature',
        required: false,
        resolutions: [{ resolution: '1h', purpose: 'relate heating to weather' }],
        history: 'P7D',
        aggregates: [],
      },
    ],
    insights: [
      {
        key: 'daily-use',
        title: 'Daily use',
        description: 'kWh per day',
        schema: { type: 'object', required: ['kwh'], properties: { kwh: { type: 'number' } } },
      },
    ],
    exports: [
      {
        id: 'summary',
        url: 'https://example.org/upload',
        reason: 'monthly summary for the energy coach',
        schema: {
          type: 'object',
          required: ['kwh'],
          properties: { kwh: { type: 'number' } },
          additionalProperties: false,
        },
        maxBytes: 200,
        maxPerDay: 2,
      },
      {
        id: 'research',
        url: 'https://research.example.org/in',
        reason: 'research panel',
        // open to any few short keys, each a number or a string: bounded, as export schemas must be
        schema: {
          type: 'object',
          maxProperties: 4,
          propertyNames: { maxLength: 16 },
          additionalProperties: { type: ['number', 'string'], maxLength: 1000 },
        },
        maxBytes: 1000,
        maxPerDay: 1,
      },
    ],
    schedule: { type: 'manual' },
    ...overrides,
  };
}

/** Writes an app folder with the manifest and a placeholder bundle; returns its path. */
export function writeAppFolder(root: string, manifest: unknown = testManifest()): string {
  const dir = join(root, 'app-src');
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'databox-app.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'dist', 'app.js'), '/* bundle */\n');
  return dir;
}

/**
 * A store on a fixed clock with `meter.power` (gauge, W: one reading a minute for the three days
 * before NOW, value = minute of the hour, so a 30 min bucket's mean is 14.5 or 44.5), `room.temp`
 * (temperature) and `meter.energy` (counter).
 */
export function testStore(clock: { now: number } = { now: NOW }): Store {
  const store = Store.open(':memory:', { clock: () => clock.now });
  store.createDatasource(
    { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  store.createDatasource({ id: 'room.temp', kind: 'temperature', unit: '°C', valueType: 'gauge' }, 'user');
  store.createDatasource(
    { id: 'meter.energy', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
    'user',
  );
  const readings = [];
  for (let t = NOW - 3 * DAY; t < NOW; t += MINUTE) readings.push({ t, v: new Date(t).getUTCMinutes() });
  store.writeReadings('meter.power', readings, 'user');
  return store;
}

/** Records a run of `appId` as an app run would (status `running` = a live run) and returns its id. */
export function insertRun(
  registry: AppRegistry,
  run: { runId: string; appId?: string; startedAt: number; status?: 'running' | 'ok' },
): string {
  registry.insertRun({
    runId: run.runId,
    appId: run.appId ?? 'energy-test',
    appVersion: '1.0.0',
    trigger: 'manual',
    runtime: 'isolate',
    startedAt: run.startedAt,
    endedAt: null,
    status: run.status ?? 'running',
    durationMs: null,
    reads: 0,
    rowsRead: 0,
    insights: 0,
    exports: 0,
    error: null,
    logs: [],
  });
  return run.runId;
}
