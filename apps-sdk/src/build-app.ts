import { readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { MANIFEST_FILE } from './check-app.ts';
import { type Manifest, validateManifest } from './manifest.ts';

export interface BuildResult {
  /** Absolute path of the written bundle (`''` when nothing was built, see `skipped`). */
  outfile: string;
  bytes: number;
  warnings: string[];
  /** Why nothing was built: a container app in another language than node has no bundle. */
  skipped?: string;
}

/** Fails an isolate build that imports a Node built-in: the isolate has no `require` and no Node APIs. */
const noNodeBuiltins: Plugin = {
  name: 'databox-no-node-builtins',
  setup(b) {
    b.onResolve(
      { filter: /^node:|^(fs|path|os|http|https|net|child_process|crypto|worker_threads)$/ },
      (args) => ({
        errors: [
          {
            text: `${args.path} is a Node built-in, which isolate apps cannot use (imported by ${args.importer})`,
          },
        ],
      }),
    );
  },
};

async function loadManifest(dir: string): Promise<Manifest> {
  const result = validateManifest(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')));
  if (!result.ok)
    throw new Error(
      `${MANIFEST_FILE} is invalid:\n${result.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`,
    );
  return result.manifest;
}

function inside(dir: string, path: string): string {
  const full = resolve(dir, path);
  const rel = relative(dir, full);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${path} is outside the app folder`);
  return full;
}

/**
 * Bundles an isolate app (`databox app build DIR`): `runtime.source` (default `src/index.ts`) with
 * the SDK into `runtime.entry` as one classic script (IIFE), `platform: 'neutral'`, no Node
 * built-ins. The isolate host evaluates it; `defineApp` then sets `__databoxRun`.
 *
 * @example
 * ```ts
 * const { outfile, bytes } = await buildIsolateApp('examples/energy-insights');
 * console.log(`wrote ${outfile} (${bytes} bytes)`);
 * ```
 * @throws Error for an invalid manifest, a container app, or a failed build (esbuild's messages).
 */
export async function buildIsolateApp(dir: string): Promise<BuildResult> {
  const root = resolve(dir);
  const manifest = await loadManifest(root);
  if (manifest.runtime.type !== 'isolate')
    throw new Error(`${MANIFEST_FILE}: runtime is ${manifest.runtime.type}; use buildContainerApp`);
  return bundle(root, manifest.runtime.source ?? 'src/index.ts', manifest.runtime.entry, 'isolate');
}

/**
 * Bundles a Node container app into one CommonJS file for `node` in `databox/node-base`
 * (`platform: 'node'`, the SDK included), with a `package.json` saying `"type": "commonjs"` next
 * to it so node reads it as CommonJS in any project. `outfile` is relative to the app folder.
 *
 * @example
 * ```ts
 * await buildContainerApp('examples/container-hello'); // writes dist/app.js
 * ```
 */
export async function buildContainerApp(
  dir: string,
  options: { source?: string; outfile?: string } = {},
): Promise<BuildResult> {
  const root = resolve(dir);
  const { runtime } = await loadManifest(root);
  if (runtime.type === 'container' && (runtime.language ?? 'node') !== 'node')
    throw new Error(`${MANIFEST_FILE}: runtime.language is ${runtime.language}; only node apps are bundled`);
  return bundle(root, options.source ?? 'src/index.ts', options.outfile ?? 'dist/app.js', 'container');
}

/**
 * Builds any app folder (`databox app build DIR`): {@link buildIsolateApp} for isolate apps,
 * {@link buildContainerApp} (`src/index.ts` → `dist/app.js`) for node container apps; a container
 * app whose `runtime.language` is another (`python`, `other`) has nothing to bundle, and the
 * result says so in `skipped`.
 *
 * @example
 * ```ts
 * await buildApp('examples/container-hello'); // node bundle
 * await buildApp('examples/energy-insights'); // isolate bundle
 * ```
 */
export async function buildApp(dir: string): Promise<BuildResult> {
  const { runtime } = await loadManifest(resolve(dir));
  if (runtime.type === 'isolate') return buildIsolateApp(dir);
  const language = runtime.language ?? 'node';
  if (language !== 'node')
    return {
      outfile: '',
      bytes: 0,
      warnings: [],
      skipped: `nothing to build: a ${language} container app runs its files as they are (${runtime.command.join(' ')})`,
    };
  return buildContainerApp(dir);
}

async function bundle(
  root: string,
  source: string,
  out: string,
  kind: 'isolate' | 'container',
): Promise<BuildResult> {
  const outfile = inside(root, out);
  const result = await build({
    absWorkingDir: root,
    entryPoints: [inside(root, source)],
    outfile,
    bundle: true,
    write: true,
    logLevel: 'silent',
    target: 'es2022',
    legalComments: 'none',
    metafile: true,
    // dist/app.js.map: the box maps the stacks of a run's errors back to the app's sources with
    // it (mappings only; the sources stay with the developer)
    sourcemap: 'linked',
    sourcesContent: false,
    ...(kind === 'isolate'
      ? { format: 'iife', platform: 'neutral', mainFields: ['module', 'main'], plugins: [noNodeBuiltins] }
      : { format: 'cjs', platform: 'node' }),
  });
  // The bundle is CommonJS whatever the enclosing project says ("type": "module" would make node
  // read dist/app.js as ESM), so the output folder says so itself.
  if (kind === 'container')
    await writeFile(join(dirname(outfile), 'package.json'), '{ "type": "commonjs" }\n');
  const bytes = Object.entries(result.metafile.outputs)
    .filter(([file]) => !file.endsWith('.map'))
    .reduce((sum, [, o]) => sum + o.bytes, 0);
  return { outfile, bytes, warnings: result.warnings.map((w) => w.text) };
}
