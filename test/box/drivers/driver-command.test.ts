import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../box/cli/main.ts';
import { boxPaths } from '../../../box/config/paths.ts';
import { Store } from '../../../box/store/store.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { freePort } from './mosquitto-process.ts';

const tempDir = useTempDir('databox-driver-cli-');
let out: string[];
let err: string[];

beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...args) => void out.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args) => void err.push(args.join(' ')));
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('databox driver (no box running: writes the store)', () => {
  it('adds with type flags, lists, shows with the password redacted, and removes', async () => {
    const home = tempDir();
    const base = ['--home', home]; // no box.json there: no box runs
    // an explicit --url that nothing answers is an error, not a silent write to the store
    const url = `http://127.0.0.1:${await freePort()}`;
    expect(await main(['driver', 'add', 'mqtt', ...base, '--url', url, '--broker', 'mqtt://hub'])).toBe(1);
    expect(err.join('\n')).toContain(`no box answers at ${url} (from --url)`);
    err = [];
    const code = await main([
      'driver',
      'add',
      'mqtt',
      ...base,
      '--id',
      'hub',
      '--broker',
      'mqtt://192.168.1.10:1883',
      '--username',
      'databox',
      '--password',
      's3cret',
      '--topic',
      'zigbee2mqtt/#',
      '--topic',
      'tele/#',
      '--set',
      'qos=0',
    ]);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(
      /added driver hub \(no box is running: stored in .*it starts with the box\)/,
    );

    const store = Store.open(boxPaths(home).database);
    try {
      expect(store.kv.get('drivers', 'hub')).toMatchObject({
        type: 'mqtt',
        enabled: true,
        config: {
          url: 'mqtt://192.168.1.10:1883',
          username: 'databox',
          password: 's3cret',
          topics: ['zigbee2mqtt/#', 'tele/#'],
          qos: 0,
        },
      });
      expect(store.audit.query({ action: 'driver.add' }).map((e) => [e.actor, e.subject])).toEqual([
        ['user', 'hub'],
      ]);
    } finally {
      store.close();
    }

    out = [];
    expect(await main(['driver', 'list', ...base])).toBe(0);
    expect(out[0]).toMatch(/^ID\s+TYPE\s+STATE/);
    expect(out[1]).toMatch(/^hub\s+mqtt\s+not running/);

    out = [];
    expect(await main(['driver', 'show', 'hub', ...base])).toBe(0);
    const shown = JSON.parse(out.join('\n'));
    expect(shown.config.password).toBe('***');

    out = [];
    expect(await main(['driver', 'rm', 'hub', ...base])).toBe(0);
    expect(out[0]).toMatch(/removed driver hub; its datasources and their data stay/);
    expect(await main(['driver', 'show', 'hub', ...base])).toBe(1);
    expect(err.join('\n')).toMatch(/no driver instance "hub"/);
  });

  it('refuses a bad config listing every problem, and stores nothing', async () => {
    const home = tempDir();
    const base = ['--home', home];
    const code = await main(['driver', 'add', 'mqtt', ...base, '--broker', 'http://hub', '--set', 'qos=5']);
    expect(code).toBe(1);
    const text = err.join('\n');
    expect(text).toMatch(/invalid config for a mqtt driver/);
    expect(text).toMatch(/ {2}config\.url: must be mqtt:\/\/host\[:port\]/);
    expect(text).toMatch(/ {2}config\.qos: /);
    out = [];
    await main(['driver', 'list', ...base]);
    expect(out[0]).toMatch(/no drivers yet/);
  });
});
