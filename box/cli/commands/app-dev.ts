import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { APP_TYPES_FILE, generateAppTypes } from '../../../apps-sdk/src/generate-app-types.ts';
import { validateManifest } from '../../../apps-sdk/src/manifest.ts';
import { BadRequestError } from '../../errors.ts';
import { stringOption } from '../command.ts';
import { findSdkDir } from '../sdk-dir.ts';

/** The SDK folder of this checkout: what `app new` points a new app's dependency at by default. */
const SDK_DIR = findSdkDir(import.meta.dirname);

/**
 * The developer's subcommands of `databox app` that need no box: `types DIR` (writes
 * `src/databox-app.types.ts` from the manifest), `new NAME` (a new app folder) and `dev DIR`
 * (build, install on a throwaway box with simulator data, run; again on every change). Loaded only
 * when one of them runs (the scaffold pulls in the simulator).
 *
 * @example
 * await runAppDevCommand('new', 'hello-power', { runtime: 'isolate' }); // 0
 */
export async function runAppDevCommand(
  sub: 'types' | 'new' | 'dev',
  arg: string | undefined,
  values: Record<string, unknown>,
): Promise<number> {
  if (sub === 'dev') return devLoop(arg, values);
  if (sub === 'types') {
    if (!arg) throw new BadRequestError('app types needs a DIR');
    const file = join(arg, 'databox-app.json');
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new BadRequestError(`cannot read ${file}: ${(error as Error).message}`);
    }
    const parsed = validateManifest(json);
    if (!parsed.ok)
      throw new BadRequestError(
        `${file} is not a valid manifest:\n${parsed.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`,
      );
    const out = join(arg, APP_TYPES_FILE);
    writeFileSync(out, generateAppTypes(parsed.manifest));
    console.log(`wrote ${out}`);
    return 0;
  }
  if (!arg) throw new BadRequestError('app new needs a NAME (the app id and folder name)');
  const runtime = stringOption(values, 'runtime') ?? 'isolate';
  if (runtime !== 'isolate' && runtime !== 'container')
    throw new BadRequestError(`--runtime must be isolate or container, got "${runtime}"`);
  const dir = resolve(stringOption(values, 'dir') ?? arg);
  const sdkSpec = stringOption(values, 'sdk') ?? `file:${relative(dir, SDK_DIR) || '.'}`;
  const { scaffoldApp } = await import('../../apps/app-scaffold.ts');
  const files = scaffoldApp(dir, { id: arg, runtime, sdkSpec });
  console.log(`wrote ${files.length} files in ${dir}:\n  ${files.join('\n  ')}`);
  console.log(`next: cd ${relative(process.cwd(), dir) || '.'} && npm install && npm test`);
  return 0;
}

async function devLoop(arg: string | undefined, values: Record<string, unknown>): Promise<number> {
  if (!arg) throw new BadRequestError('app dev needs a DIR');
  const { AppDevLoop } = await import('../../apps/app-dev-loop.ts');
  const manifest = JSON.parse(readFileSync(join(arg, 'databox-app.json'), 'utf8')) as {
    runtime?: { type?: string };
  };
  const runtimes =
    manifest.runtime?.type === 'container'
      ? { container: new (await import('../../sandbox/container/container-runtime.ts')).ContainerRuntime() }
      : { isolate: new (await import('../../sandbox/isolate/isolate-runtime.ts')).IsolateRuntime() };
  const loop = new AppDevLoop(arg, { log: (line) => console.log(line), runtimes });
  console.log(`dev box in ${loop.home} (removed when this stops)`);
  const first = await loop.cycle();
  if (values.once) {
    await loop.stop();
    return first.run?.status === 'ok' ? 0 : 1;
  }
  loop.watch();
  console.log(`watching ${loop.dir}: save a file to rebuild and rerun; Ctrl-C stops`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await loop.stop();
  return 0;
}
