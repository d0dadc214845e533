import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** What `tsconfig.build.json` compiles into dist/ (tests and benches stay out). */
const SOURCE_DIRS = ['box', 'drivers', 'export-gateway', 'apps-sdk/src'];

/**
 * Compiles the box's TypeScript sources, as they are in this tree now, into `out` (a new folder, or
 * one this made before: it writes only the files that changed) with the layout of
 * `dist/` (one `.js` file per `.ts` file, same folders, one level below the checkout so every
 * `import.meta.url`-relative path and `node_modules` lookup resolves as it does from dist/), plus
 * `out/bin/databox.js`, a launcher of the compiled CLI. Takes about a second with esbuild, where a
 * `databox` process started from the sources through tsx spends 2–4 s compiling them every time.
 *
 * Every file is its own entry point and every import stays external, so nothing is bundled: the
 * output is the sources with their types stripped and `.ts` import specifiers renamed `.js`.
 * Files that are not TypeScript (web assets, JSON) are copied; the SDK's package files (package.json,
 * bin/, dist/) are linked, so `databox app new` run from `out` points a new app at a real SDK.
 *
 * @example
 * await compileBox(join(REPO_ROOT, '.databox-test-build-1')); // then spawn …/bin/databox.js
 */
export async function compileBox(out: string): Promise<void> {
  const entryPoints: string[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const file of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (!file.isFile()) continue;
      const path = join(file.parentPath, file.name);
      if (file.name.endsWith('.ts') && !file.name.endsWith('.d.ts')) entryPoints.push(path);
      else if (!file.name.endsWith('.md'))
        writeIfChanged(join(out, relative(ROOT, path)), readFileSync(path));
    }
  }
  const { outputFiles } = await build({
    entryPoints,
    outdir: out,
    outbase: ROOT,
    bundle: true, // only so that the plugin below sees every import; each one stays external
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    write: false,
    plugins: [eachFileOnItsOwn],
  });
  for (const file of outputFiles) writeIfChanged(file.path, Buffer.from(file.contents));
  const sdk = join(ROOT, 'apps-sdk');
  for (const entry of readdirSync(sdk)) {
    if (entry !== 'src' && entry !== 'node_modules' && !existsSync(join(out, 'apps-sdk', entry)))
      symlinkSync(join(sdk, entry), join(out, 'apps-sdk', entry));
  }
  writeIfChanged(
    join(out, 'bin/databox.js'),
    Buffer.from(
      "import { main } from '../box/cli/main.js';\nprocess.exitCode = await main(process.argv.slice(2));\n",
    ),
  );
}

/** Writes only what changed: in watch mode a rebuild then touches no file a test did not change. */
function writeIfChanged(path: string, data: Buffer): void {
  if (existsSync(path) && readFileSync(path).equals(data)) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

/** Keeps every import as written (a relative `.ts` one renamed `.js`), so no file is bundled into another. */
const eachFileOnItsOwn: Plugin = {
  name: 'each-file-on-its-own',
  setup(context) {
    context.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const relativeTs = /^\.\.?\//.test(args.path) && args.path.endsWith('.ts');
      return { path: relativeTs ? `${args.path.slice(0, -3)}.js` : args.path, external: true };
    });
  },
};
