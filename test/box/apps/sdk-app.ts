import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildContainerApp, buildIsolateApp } from '../../../apps-sdk/src/build-app.ts';

/** Writes an SDK app (manifest + `src/index.ts`) into `dir` and builds it for `runtime`, as `databox app build` would. */
export async function writeSdkApp(
  dir: string,
  manifest: unknown,
  source: string,
  runtime: 'isolate' | 'container',
): Promise<string> {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'databox-app.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'src/index.ts'), source);
  await (runtime === 'isolate' ? buildIsolateApp(dir) : buildContainerApp(dir));
  return dir;
}
