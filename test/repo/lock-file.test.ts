import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci` on another platform refuses a lock file that lacks the optional packages of that platform
 * (the lock once had only linux-x64's `@biomejs/cli-*`, so CI failed on a fresh machine before any
 * test ran). This checks offline what npm would check there: every dependency, optional or not, that
 * a locked package declares is itself locked, and the root's declared ranges match the lock's root.
 * Fix a failure with `npm install --package-lock-only` and commit package-lock.json.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIX = "run 'npm install --package-lock-only' and commit package-lock.json";

interface LockedPackage {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

interface Lock {
  lockfileVersion: number;
  packages: Record<string, LockedPackage>;
}

/** Where npm's resolver would find `name` required from the package at `fromPath` (node_modules walk-up). */
function resolveLocked(lock: Lock, fromPath: string, name: string): string | undefined {
  let base = fromPath;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

/** Every `package -> dependency` edge in the lock whose target is not locked. */
function missingLockEntries(lock: Lock): string[] {
  const missing: string[] = [];
  for (const [path, pkg] of Object.entries(lock.packages)) {
    const wanted = {
      ...pkg.dependencies,
      ...pkg.optionalDependencies,
      ...(path === '' ? pkg.devDependencies : {}),
    };
    for (const name of Object.keys(wanted)) {
      if (!resolveLocked(lock, path, name)) missing.push(`${path || '(root)'} -> ${name}`);
    }
  }
  return missing;
}

function readLock(): Lock {
  return JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lock;
}

describe('package-lock.json', () => {
  it('locks every platform’s optional packages, so npm ci works on any machine', () => {
    const missing = missingLockEntries(readLock());
    expect(missing, `package-lock.json is incomplete: ${FIX}`).toEqual([]);
  });

  it('records the same dependency ranges as package.json', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as LockedPackage;
    const root = readLock().packages[''] ?? {};
    expect(root.dependencies, `package-lock.json is out of date: ${FIX}`).toEqual(manifest.dependencies);
    expect(root.devDependencies, `package-lock.json is out of date: ${FIX}`).toEqual(
      manifest.devDependencies,
    );
  });

  it('the check catches the lock that broke CI (a platform’s optional package left out)', () => {
    const lock = readLock();
    const biome = lock.packages['node_modules/@biomejs/biome'];
    expect(biome?.optionalDependencies?.['@biomejs/cli-win32-x64']).toBeDefined();
    const broken: Lock = { ...lock, packages: { ...lock.packages } };
    delete broken.packages['node_modules/@biomejs/cli-win32-x64'];
    expect(missingLockEntries(broken)).toEqual(['node_modules/@biomejs/biome -> @biomejs/cli-win32-x64']);
  });
});
