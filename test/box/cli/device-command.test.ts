import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../../box/store/store.ts';
import { runCli } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-device-cli-');

function home(): string {
  const dir = tempDir();
  const store = Store.open(join(dir, 'databox.db'));
  for (const what of ['power', 'energy'])
    store.createDatasource(
      {
        id: `z2m.hall-lamp.${what}`,
        kind: `electricity.${what}`,
        unit: what === 'power' ? 'W' : 'kWh',
        valueType: 'gauge',
      },
      'driver:z2m',
    );
  store.close();
  return dir;
}

describe('databox device', () => {
  it('lists, renames and moves a device; the change is audited', () => {
    const dir = home();
    expect(runCli(['device', 'list', '--home', dir]).stdout).toMatch(
      /z2m\.hall-lamp\s+Hall lamp\s+—\s+z2m\.hall-lamp\.energy, z2m\.hall-lamp\.power/,
    );
    const renamed = runCli(['device', 'rename', 'z2m.hall-lamp', 'Reading lamp', '--home', dir]);
    expect(renamed).toMatchObject({ status: 0, stdout: 'z2m.hall-lamp is now called "Reading lamp"\n' });
    expect(runCli(['device', 'room', 'z2m.hall-lamp', 'Living room', '--home', dir]).stdout).toBe(
      'z2m.hall-lamp (Reading lamp) is in Living room\n',
    );
    const store = Store.open(join(dir, 'databox.db'));
    expect(store.audit.query({ action: 'device.label' }).map((e) => e.details.to)).toEqual([
      { name: 'Reading lamp', room: null },
      { name: 'Reading lamp', room: 'Living room' },
    ]);
    store.close();
  });

  it('exits 1 with a clear message for an unknown device, a missing name or an unknown action', () => {
    const dir = home();
    const unknown = runCli(['device', 'rename', 'z2m.nope', 'X', '--home', dir]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain(
      'device "z2m.nope" does not exist; `databox device list` shows the devices',
    );
    const missing = runCli(['device', 'rename', 'z2m.hall-lamp', '--home', dir]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(
      'device rename needs a DEVICE id and one NAME (quote it if it has spaces)',
    );
    const bad = runCli(['device', 'move', '--home', dir]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('device needs one of list, rename, room (got move)');
  });
});
