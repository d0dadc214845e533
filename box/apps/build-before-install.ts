import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { BuildResult } from '../../apps-sdk/src/build-app.ts';

/** Why an app folder was (re)built before install. */
export interface PreInstallBuild {
  result: BuildResult;
  reason: 'missing' | 'stale';
  /** The bundle, relative to the app folder (e.g. `dist/app.js`). */
  bundle: string;
}

/** Newest file under `dir`, leaving out `skip` (the bundle's own folder) and node_modules. */
function newestMtime(dir: string, skip: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = path === skip ? newest : Math.max(newest, newestMtime(path, skip));
    else if (entry.isFile()) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The bundle and source an app folder's manifest names, or undefined when it names none. */
function bundleAndSource(dir: string): { bundle: string; source: string } | undefined {
  let runtime: { type?: unknown; entry?: unknown; source?: unknown; command?: unknown };
  try {
    runtime = JSON.parse(readFileSync(join(dir, 'databox-app.json'), 'utf8')).runtime ?? {};
  } catch {
    return undefined; // the install itself reports a missing or invalid manifest
  }
  if (runtime.type === 'isolate' && typeof runtime.entry === 'string')
    return {
      bundle: runtime.entry,
      source: typeof runtime.source === 'string' ? runtime.source : 'src/index.ts',
    };
  // container apps built by the SDK run dist/app.js (buildContainerApp's default)
  if (
    runtime.type === 'container' &&
    Array.isArray(runtime.command) &&
    runtime.command.includes('/app/dist/app.js')
  )
    return { bundle: 'dist/app.js', source: 'src/index.ts' };
  return undefined;
}

/**
 * Builds an app folder's bundle before it is installed when the folder has the source and the
 * bundle is missing or older than it, as `databox app build DIR` would. A fresh clone has no
 * `examples/*\/dist` (it is not committed), so `databox app install examples/energy-insights`
 * works as the README says. Only folders are built (a .tgz is installed as packed), and only what
 * the manifest names inside the folder; esbuild bundles the code without running it.
 *
 * @example
 * const built = await buildBeforeInstall('examples/energy-insights');
 * if (built) console.log(`built ${built.bundle} (${built.reason})`);
 */
export async function buildBeforeInstall(source: string): Promise<PreInstallBuild | undefined> {
  const dir = resolve(source);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  const named = bundleAndSource(dir);
  if (!named) return undefined;
  const sourceFile = resolve(dir, named.source);
  const bundleFile = resolve(dir, named.bundle);
  for (const file of [sourceFile, bundleFile]) if (relative(dir, file).startsWith('..')) return undefined; // the install refuses such manifests
  if (!existsSync(sourceFile)) return undefined;
  let reason: PreInstallBuild['reason'];
  if (!existsSync(bundleFile)) reason = 'missing';
  else if (newestMtime(dirname(sourceFile), dirname(bundleFile)) > statSync(bundleFile).mtimeMs)
    reason = 'stale';
  else return undefined;
  // esbuild is heavy: load it only when a build is needed
  const { buildApp } = await import('../../apps-sdk/src/build-app.ts');
  const result = await buildApp(dir);
  return { result, reason, bundle: named.bundle };
}
