import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Manifest } from '../../../apps-sdk/src/manifest.ts';
import { BadRequestError, type ErrorDetail } from '../../errors.ts';
import { DEFAULT_INSTALL_LIMITS } from '../install-files.ts';

/** One file chosen for a bundle. */
export interface PackedFile {
  path: string;
  executable: boolean;
}

/** Left out wherever they are: dependencies, tests, build caches. Dotfiles are left out too. */
const SKIPPED_FOLDERS = new Set(['node_modules', 'test', 'tests', '__tests__']);
const SKIPPED_FILE = /\.(test|spec)\.[cm]?[jt]sx?$|\.tsbuildinfo$/;

/**
 * The paths an app's bundle holds, each a file or folder in the app folder: the manifest; the
 * built code (the isolate entry's folder, e.g. `dist/`, or the entry and its `.map` when it lies
 * at the top; a container app's `dist/` and any `/app/…` file its command names); and the
 * manifest's `assets`. Nothing else: no `node_modules`, sources, tests or dotfiles.
 */
function roots(dir: string, manifest: Manifest): string[] {
  const out = new Set(['databox-app.json']);
  if (manifest.runtime.type === 'isolate') {
    const entry = posix.normalize(manifest.runtime.entry);
    const folder = posix.dirname(entry);
    if (folder === '.') for (const p of [entry, `${entry}.map`]) out.add(p);
    else out.add(folder.split('/')[0]);
  } else {
    if (existsSync(join(dir, 'dist'))) out.add('dist');
    for (const arg of manifest.runtime.command)
      if (arg.startsWith('/app/')) {
        const path = posix.normalize(arg.slice(5));
        if (!path.startsWith('..') && existsSync(join(dir, path))) out.add(path);
      }
  }
  for (const asset of manifest.assets ?? []) out.add(posix.normalize(asset).replace(/\/$/, ''));
  return [...out];
}

/**
 * Chooses the files of an app's bundle (see the paths above), walking each chosen folder
 * without following links. A chosen path that is missing, or a link or special file among them,
 * is an error naming it (the box would refuse it); dotfiles, `node_modules`, test folders and
 * `*.test.*` files inside them are left out. Sorted by path.
 *
 * @example
 * packFiles('examples/energy-insights', manifest); // [{ path: 'databox-app.json', … }, { path: 'dist/app.js', … }, …]
 */
export function packFiles(dir: string, manifest: Manifest): PackedFile[] {
  const files: PackedFile[] = [];
  const problems: ErrorDetail[] = [];
  const visit = (path: string, chosen: boolean) => {
    const name = posix.basename(path);
    if (!chosen && (name.startsWith('.') || SKIPPED_FOLDERS.has(name) || SKIPPED_FILE.test(name))) return;
    const info = lstatSync(join(dir, path), { throwIfNoEntry: false });
    if (!info) problems.push({ path, message: 'is missing (the manifest names it; build the app first?)' });
    else if (info.isDirectory())
      for (const child of readdirSync(join(dir, path)).sort()) visit(`${path}/${child}`, false);
    else if (!info.isFile() || info.nlink > 1)
      problems.push({
        path,
        message: `is ${info.isSymbolicLink() ? 'a symbolic link' : info.isFile() ? 'a hard link' : 'not a plain file'}; bundles hold only plain files`,
      });
    else files.push({ path, executable: (info.mode & 0o100) !== 0 });
  };
  for (const root of roots(dir, manifest)) visit(root, true);
  if (files.length > DEFAULT_INSTALL_LIMITS.maxFiles)
    problems.push({
      path: '.',
      message: `more than ${DEFAULT_INSTALL_LIMITS.maxFiles} files: the box would refuse the bundle`,
    });
  if (problems.length)
    throw new BadRequestError(`cannot pack ${dir}: ${problems[0].path} ${problems[0].message}`, {
      code: 'pack_failed',
      details: problems,
    });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
