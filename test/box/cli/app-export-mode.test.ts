import { join } from 'node:path';
import { expect, it } from 'vitest';
import { AppRegistry } from '../../../box/apps/app-registry.ts';
import { EXPORTS_KV } from '../../../box/exports/export-service.ts';
import { Store } from '../../../box/store/store.ts';
import { REPO_ROOT, runCli } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-export-mode-');
const EXAMPLE = join(REPO_ROOT, 'examples', 'energy-insights');

function withStore<T>(home: string, fn: (store: Store) => T): T {
  const store = Store.open(join(home, 'databox.db'));
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

it('databox app install --export-mode sets the mode with the install, and a wrong one installs nothing', () => {
  const home = tempDir();
  withStore(home, (store) =>
    store.createDatasource(
      { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    ),
  );
  const install = (mode: string) =>
    runCli([
      'app',
      'install',
      EXAMPLE,
      '--home',
      home,
      '--grant',
      'power=meter.power@1d',
      '--export-mode',
      mode,
      '--allow-unsigned',
      '--yes',
    ]);
  const wrong = install('sideways');
  expect(wrong.status).toBe(1);
  expect(wrong.stderr).toContain('--export-mode must be review or auto, not "sideways"');
  withStore(home, (store) =>
    expect(new AppRegistry(store.db).findInstall('energy-insights')).toBeUndefined(),
  );

  const ok = install('review');
  expect(ok.status, ok.stderr).toBe(0);
  withStore(home, (store) => {
    expect(store.kv.get(EXPORTS_KV, 'mode:energy-insights')).toBe('review');
    const [entry] = store.audit.query({ action: 'export.mode', subject: 'energy-insights' });
    expect(entry.details).toEqual({ from: 'auto', to: 'review' });
  });
});
