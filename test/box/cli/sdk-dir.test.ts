import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSdkDir } from '../../../box/cli/sdk-dir.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';

// `databox app new` points a new app's databox-apps-sdk dependency at this folder. Run compiled
// (as users run it, from dist/), a fixed ../../../apps-sdk named dist/apps-sdk: compiled sources
// with no package.json, so `npm install` in the new app failed.
describe('the SDK folder a new app depends on', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'databox-sdk-dir-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is the checkout’s apps-sdk from the sources and from the compiled CLI alike', () => {
    expect(findSdkDir(join(REPO_ROOT, 'box/cli/commands'))).toBe(join(REPO_ROOT, 'apps-sdk'));
    expect(findSdkDir(join(REPO_ROOT, 'dist/box/cli/commands'))).toBe(join(REPO_ROOT, 'apps-sdk'));
  });

  it('passes over a compiled apps-sdk folder without the SDK’s package.json', () => {
    const root = join(scratch, 'checkout');
    mkdirSync(join(root, 'apps-sdk'), { recursive: true });
    writeFileSync(join(root, 'apps-sdk/package.json'), JSON.stringify({ name: 'databox-apps-sdk' }));
    mkdirSync(join(root, 'dist/apps-sdk/src'), { recursive: true });
    mkdirSync(join(root, 'dist/box/cli/commands'), { recursive: true });
    // a package.json of another name is not the SDK either
    writeFileSync(join(root, 'dist/apps-sdk/package.json'), JSON.stringify({ name: 'something-else' }));
    expect(findSdkDir(join(root, 'dist/box/cli/commands'))).toBe(join(root, 'apps-sdk'));
  });

  it('says where it looked when there is none', () => {
    expect(() => findSdkDir(join(scratch, 'nowhere'))).toThrow(/no apps-sdk\/package\.json above .*nowhere/);
  });
});
