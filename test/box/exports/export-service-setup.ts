import { join } from 'node:path';
import type { ManifestInput } from '../../../apps-sdk/src/manifest.ts';
import { AppManager } from '../../../box/apps/app-manager.ts';
import { ExportService } from '../../../box/exports/export-service.ts';
import { Store } from '../../../box/store/store.ts';
import { insertRun, NOW, testManifest, testStore, writeAppFolder } from '../apps/app-fixtures.ts';

/**
 * A store with the CORE test app (`energy-test`: exports `summary` {kwh} ≤ 200 bytes, 2 a day, and
 * `research` any object ≤ 1000 bytes, 1 a day) installed with `destinations` approved, an
 * ExportService and a live run to export from.
 */
export function exportSetup(
  root: string,
  options: {
    destinations?: string[];
    /** Approved destinations the householder marks as on the home network. */
    homeNetwork?: string[];
    boxWidePerDay?: number;
    manifest?: Partial<ManifestInput>;
    /** A database file (for the CLI) instead of memory. */
    database?: string;
  } = {},
) {
  const clock = { now: NOW };
  const store = options.database
    ? Store.open(options.database, { clock: () => clock.now })
    : testStore(clock);
  if (options.database)
    store.createDatasource(
      { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
  const apps = new AppManager(store, { appsDir: join(root, 'apps') });
  apps.install(writeAppFolder(root, testManifest(options.manifest)), {
    requests: { power: { datasource: 'meter.power', resolution: '30min', history: 'PT2H' } },
    destinations: options.destinations ?? ['summary'],
    homeNetwork: options.homeNetwork,
  });
  const service = new ExportService({ store, registry: apps.registry, boxWidePerDay: options.boxWidePerDay });
  let runs = 0;
  /** Records a run of `energy-test` in `status` (default running: a live run) and returns its id. */
  const startRun = (status: 'running' | 'ok' = 'running'): string => {
    const runId = `run-${++runs}`;
    insertRun(apps.registry, { runId, startedAt: clock.now, status });
    return runId;
  };
  const request = (runId: string, destination: string, payload: unknown) =>
    service.request({ appId: 'energy-test', runId, destination, payload });
  const refusals = () => store.audit.query({ action: 'export.refuse' });
  return { clock, store, apps, service, startRun, request, refusals };
}
