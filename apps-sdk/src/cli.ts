import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApp } from './build-app.ts';
import { checkApp, MANIFEST_FILE } from './check-app.ts';
import { APP_TYPES_FILE, generateAppTypes } from './generate-app-types.ts';
import { validateManifest } from './manifest.ts';

const USAGE = `usage: databox-app build|check|types [DIR]

  build   bundle src/index.ts into the manifest's entry (isolate) or dist/app.js (container), with a source map
  check   the manifest (every error with its path), the entry file and the JSON Schemas
  types   write ${APP_TYPES_FILE} from ${MANIFEST_FILE}, for defineApp<Types>

The same as "databox app build|check|types DIR", from the SDK alone (npx databox-app … in an app folder).
Installing, dev runs and export URL checks need the box's CLI (databox).`;

/**
 * The SDK's own command line, `databox-app` (the package's `bin`), so an app folder needs no
 * Databox checkout to build, check and type its app. Returns the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runSdkCli(['build', '.']);
 * ```
 */
export async function runSdkCli(argv: string[]): Promise<number> {
  const [command, dir = '.'] = argv;
  try {
    switch (command) {
      case 'build': {
        const built = await buildApp(dir);
        console.log(built.skipped ?? `wrote ${built.outfile} (${built.bytes} bytes)`);
        for (const w of built.warnings) console.warn(`warning: ${w}`);
        return 0;
      }
      case 'check': {
        const result = await checkApp(dir);
        for (const e of result.errors) console.error(`error ${e.path}: ${e.message}`);
        for (const w of result.warnings) console.warn(`warning ${w.path}: ${w.message}`);
        for (const e of result.exports) console.log(`export ${e.id} to ${e.url}: ${e.capacity.text}`);
        if (result.ok) console.log(`${dir}: ok`);
        return result.ok ? 0 : 1;
      }
      case 'types': {
        const parsed = validateManifest(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')));
        if (!parsed.ok) {
          for (const e of parsed.errors) console.error(`error ${e.path}: ${e.message}`);
          return 1;
        }
        const out = join(dir, APP_TYPES_FILE);
        await writeFile(out, generateAppTypes(parsed.manifest));
        console.log(`wrote ${out}`);
        return 0;
      }
      default:
        console.error(USAGE);
        return command === undefined || command === '--help' ? 0 : 1;
    }
  } catch (error) {
    console.error(`databox-app ${command}: ${(error as Error).message}`);
    return 1;
  }
}
