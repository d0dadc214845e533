import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packApp } from '../../../box/apps/bundle/pack-app.ts';
import { databoxBin, REPO_ROOT } from '../../helpers/box-process.ts';
import { type HostileBox, startHostileBox } from '../../security/hostile-box.ts';

/**
 * Issue 14 point 5, as the developer: `databox app new`, `npm install` (node_modules with its
 * `.bin` symlinks), `databox app pack` in the folder, then the bundle installs on a real box.
 * The bundle holds exactly the manifest, the built code and its source map: no node_modules,
 * sources, tests or dotfiles.
 */

let root: string;
let box: HostileBox;
const env = () => ({ ...process.env, XDG_CONFIG_HOME: join(root, 'config') });
const databox = (args: string[], cwd: string) =>
  spawnSync(process.execPath, [databoxBin(), ...args], {
    cwd,
    env: env(),
    encoding: 'utf8',
    timeout: 120_000,
  });

/** A scaffolded app folder, its SDK linked into node_modules as `npm install` of a folder does. */
function scaffold(name: string): string {
  const made = databox(['app', 'new', name], root);
  expect(made.status, made.stderr).toBe(0);
  const dir = join(root, name);
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'apps-sdk'), join(dir, 'node_modules', 'databox-apps-sdk'));
  symlinkSync('../databox-apps-sdk/bin/databox-app.mjs', join(dir, 'node_modules', '.bin', 'databox-app'));
  return dir;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'databox-pack-'));
  box = await startHostileBox();
  await box.seedPower(2);
}, 60_000);
afterAll(async () => {
  await box?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('databox app pack', () => {
  it('packs a folder after a real npm install (node_modules/.bin symlinks) and the bundle installs on a box', async () => {
    const made = databox(['app', 'new', 'hello-pack'], root);
    expect(made.status, made.stderr).toBe(0);
    const dir = join(root, 'hello-pack');
    const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--omit=dev'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(npm.status, npm.stderr).toBe(0);
    expect(statSync(join(dir, 'node_modules/.bin/databox-app'), { throwIfNoEntry: false })).toBeDefined();
    writeFileSync(join(dir, '.env'), 'TOKEN=do-not-ship\n');

    const packed = databox(['app', 'pack'], dir);
    expect(packed.status, packed.stderr).toBe(0);
    expect(packed.stdout).toMatch(/built dist\/app\.js \(it was missing\)/);
    expect(packed.stdout).toMatch(/made a new signing key/);
    const bundle = join(dir, 'hello-pack-0.1.0.tgz');
    const listing = execFileSync('tar', ['-tzf', bundle], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual([
      'databox-bundle.json',
      'databox-bundle.sig',
      'databox-app.json',
      'dist/app.js',
      'dist/app.js.map',
    ]);

    // the key: made under the config folder, private
    const keyFile = join(root, 'config', 'databox', 'developer-key.pem');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'config', 'databox')).mode & 0o777).toBe(0o700);
    const key = JSON.parse(databox(['app', 'key', '--json'], dir).stdout);
    expect(packed.stdout).toContain(`signed by ${key.fingerprint}`);

    const res = await box.api('POST', '/api/v1/apps', {
      source: bundle,
      grants: { power: { datasource: 'meter.power', resolution: '30min', history: 'P7D' } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.trust.publisher.fingerprint).toBe(key.fingerprint);
    const info = (await box.api('GET', '/api/v1/apps/hello-pack')).body.app;
    expect(info.files.map((f: { path: string }) => f.path).sort()).toEqual([
      'databox-app.json',
      'databox-bundle.json',
      'databox-bundle.sig',
      'dist/app.js',
      'dist/app.js.map',
    ]);
    expect((await box.run('hello-pack')).status).toBe('ok');
  }, 180_000);

  it('rebuilds a stale bundle first, packs declared assets but no dotfile among them, and refuses a link', async () => {
    const dir = scaffold('asset-pack');
    const manifestFile = join(dir, 'databox-app.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, assets: ['data'] }));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'tariffs.json'), '{"peak":0.31}');
    writeFileSync(join(dir, 'data', '.secret'), 'no');
    const keyFile = join(root, 'asset-key.pem');
    const out = join(root, 'asset-pack.tgz');

    const first = await packApp(dir, { keyFile, out });
    expect(first.built?.reason).toBe('missing');
    expect(first.files.map((f) => f.path)).toEqual([
      'data/tariffs.json',
      'databox-app.json',
      'dist/app.js',
      'dist/app.js.map',
    ]);
    expect((await packApp(dir, { keyFile, out })).built).toBeUndefined();
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'src', 'index.ts'), future, future);
    const again = await packApp(dir, { keyFile, out });
    expect(again.built?.reason).toBe('stale');
    expect(again.publisher).toEqual(first.publisher); // the same key file, the same publisher

    symlinkSync('/etc/passwd', join(dir, 'data', 'passwd'));
    await expect(packApp(dir, { keyFile, out })).rejects.toThrow(/data\/passwd is a symbolic link/);
  }, 120_000);
});
