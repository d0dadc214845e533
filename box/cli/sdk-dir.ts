import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The checkout's `apps-sdk` folder, found by walking up from `from` to the first folder holding an
 * `apps-sdk/package.json` named `databox-apps-sdk`. The CLI runs from `box/cli/commands/` or, as
 * users run it, compiled from `dist/box/cli/commands/`, where a fixed `../../../apps-sdk` lands in
 * `dist/apps-sdk`: compiled sources without a package.json, which no new app can install.
 *
 * @example
 * findSdkDir(import.meta.dirname); // '/home/me/databox/apps-sdk', from sources or from dist/
 */
export function findSdkDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'apps-sdk', 'package.json');
    if (existsSync(manifest) && isSdk(manifest)) return join(dir, 'apps-sdk');
    if (dirname(dir) === dir) throw new Error(`no apps-sdk/package.json above ${from}`);
  }
}

function isSdk(manifest: string): boolean {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'databox-apps-sdk';
  } catch {
    return false;
  }
}
