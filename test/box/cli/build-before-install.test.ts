import { cpSync, existsSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { buildBeforeInstall } from '../../../box/apps/build-before-install.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';

const scratch = mkdtempSync(join(tmpdir(), 'databox-prebuild-'));
// the example imports the SDK as ../../../apps-sdk, as in the repo
symlinkSync(join(REPO_ROOT, 'apps-sdk'), join(scratch, 'apps-sdk'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** energy-insights as a fresh clone has it: manifest and source, no dist/. */
function freshExample(): string {
  const dir = join(scratch, 'examples', `energy-insights-${Math.random().toString(36).slice(2)}`);
  cpSync(join(REPO_ROOT, 'examples/energy-insights'), dir, {
    recursive: true,
    filter: (src) => !src.includes('/dist'),
  });
  return dir;
}

it('builds a missing bundle, skips a fresh one and rebuilds one older than its source', {
  timeout: 60_000,
}, async () => {
  const dir = freshExample();
  expect(existsSync(join(dir, 'dist/app.js'))).toBe(false);
  const first = await buildBeforeInstall(dir);
  expect(first).toMatchObject({ reason: 'missing', bundle: 'dist/app.js' });
  expect(first?.result.bytes).toBeGreaterThan(1000);
  expect(statSync(join(dir, 'dist/app.js')).size).toBe(first?.result.bytes);

  expect(await buildBeforeInstall(dir)).toBeUndefined();

  const before = statSync(join(dir, 'dist/app.js')).mtimeMs;
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(dir, 'src/energy.ts'), later, later);
  await new Promise((r) => setTimeout(r, 20));
  expect(await buildBeforeInstall(dir)).toMatchObject({ reason: 'stale' });
  expect(statSync(join(dir, 'dist/app.js')).mtimeMs).toBeGreaterThan(before);
});

it('leaves alone what it cannot build: a .tgz, a folder without source or manifest', async () => {
  expect(await buildBeforeInstall(join(scratch, 'app.tgz'))).toBeUndefined();
  const noSource = freshExample();
  rmSync(join(noSource, 'src'), { recursive: true });
  expect(await buildBeforeInstall(noSource)).toBeUndefined();
  expect(await buildBeforeInstall(scratch)).toBeUndefined();
});
