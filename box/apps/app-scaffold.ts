import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateAppTypes } from '../../apps-sdk/src/generate-app-types.ts';
import { validateManifest } from '../../apps-sdk/src/manifest.ts';
import { BadRequestError } from '../errors.ts';
import { appSourceFiles, sampleData } from './app-scaffold-files.ts';

export interface ScaffoldOptions {
  /** The app id (also the folder name): `[a-z0-9][a-z0-9-]{1,63}`. */
  id: string;
  runtime: 'isolate' | 'container';
  /** How package.json names the SDK dependency (a version range, a path or a .tgz). */
  sdkSpec: string;
}

/**
 * `databox app new`: writes a working app folder — manifest, `src/index.ts` typed by the generated
 * `src/databox-app.types.ts`, tsconfig, package.json, a vitest test using `runLocally` on sample
 * data from the household simulator (`test/sample-data.json`, two days of power at one reading a
 * minute) and a README — into `dir`, which must not exist or be empty. Nothing is overwritten.
 *
 * @example
 * scaffoldApp('./hello-power', { id: 'hello-power', runtime: 'isolate', sdkSpec: '^0.1.0' });
 * // then: npm install && npm test
 */
export function scaffoldApp(dir: string, options: ScaffoldOptions): string[] {
  const root = resolve(dir);
  if (existsSync(root) && readdirSync(root).length > 0)
    throw new BadRequestError(`${dir} is not empty: app new writes only into a new or empty folder`);
  const manifest = scaffoldManifest(options.id, options.runtime);
  const parsed = validateManifest(manifest);
  if (!parsed.ok)
    throw new BadRequestError(
      `cannot make an app "${options.id}": ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    );
  const files: Record<string, string> = {
    'databox-app.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'src/databox-app.types.ts': generateAppTypes(parsed.manifest),
    'test/sample-data.json': `${JSON.stringify(sampleData())}\n`,
    ...appSourceFiles(options),
  };
  for (const [name, text] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text, { flag: 'wx' });
  }
  return Object.keys(files);
}

/** The manifest of a new app: power at 30 min or 1 h over a week, one insight, daily runs. */
export function scaffoldManifest(id: string, runtime: 'isolate' | 'container'): Record<string, unknown> {
  return {
    $schema: 'node_modules/databox-apps-sdk/databox-app.schema.json',
    id,
    name: id,
    version: '0.1.0',
    description: 'Shows the mean and the busiest half hour of whole-house power over the last week.',
    author: 'You',
    runtime:
      runtime === 'isolate'
        ? { type: 'isolate', entry: 'dist/app.js' }
        : { type: 'container', image: 'databox/node-base', command: ['/app/dist/app.js'] },
    requests: [
      {
        name: 'power',
        kind: 'electricity.import.power',
        required: true,
        resolutions: [
          { resolution: '30min', purpose: 'find your busiest half hour of the week' },
          { resolution: '1h', purpose: 'find your busiest hour of the week' },
        ],
        history: 'P7D',
      },
    ],
    insights: [
      { key: 'week-power', title: 'Your week in power', description: 'Mean power and the busiest bucket' },
    ],
    schedule: { type: 'interval', every: 'P1D' },
  };
}
