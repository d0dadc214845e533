import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Manifest, validateManifest } from '../../apps-sdk/src/manifest.ts';
import { BadRequestError } from '../errors.ts';
import { archiveContent, folderContent } from './bundle/bundle-content.ts';
import { refuseUntrusted } from './bundle/install-trust.ts';
import { type BundleTrust, verifyBundle } from './bundle/verify-bundle.ts';
import { exportUrlProblem } from './export-url-check.ts';
import { readAppArchive, writeArchiveEntries } from './install-archive.ts';
import {
  DEFAULT_INSTALL_LIMITS,
  type InstallLimits,
  type ScannedTree,
  scanAppFolder,
} from './install-files.ts';

export const MANIFEST_FILE = 'databox-app.json';

/** An app folder ready to install: its validated manifest and where its files are. */
export interface AppSource {
  manifest: Manifest;
  folder: string;
  /** The folder's plain files and folders (anything else was refused), to copy with `copyScannedTree`. */
  tree: ScannedTree;
  /**
   * What signature verification found (see `verifyBundle`), or `'folder'` for a working folder
   * that holds no bundle files (a developer's own app, installed as unsigned).
   */
  trust: BundleTrust | 'folder';
  /** Removes the temporary folder a .tgz was unpacked into (no-op for a folder). */
  cleanup(): void;
}

/** Finds the folder holding databox-app.json in an unpacked archive (top level or `package/`-style). */
function manifestFolder(root: string): string | undefined {
  if (existsSync(join(root, MANIFEST_FILE))) return root;
  const dirs = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory());
  if (dirs.length === 1 && existsSync(join(root, dirs[0].name, MANIFEST_FILE)))
    return join(root, dirs[0].name);
  return undefined;
}

/** How {@link loadAppSource} treats a bundle that is not validly signed. */
export interface LoadTrustOptions {
  /** Accept it (it is then installed as unsigned). */
  allowUnsigned?: boolean;
  /** Only read it, to show it (a consent screen): report its trust, refuse nothing for it. */
  inspect?: boolean;
}

/**
 * Opens an app to install: a folder, or a `.tgz`/`.tar.gz` (checked entry by entry in memory by
 * `readAppArchive`, then unpacked into a temp folder; `npm pack` archives with a `package/` folder work).
 * Refuses links, devices, FIFOs, sockets, paths outside the app and trees over `limits`, naming
 * each offending path, before the manifest is even read. A bundle (an archive, or a folder holding
 * `databox-bundle.json`/`.sig`) is verified by `verifyBundle` before anything is written, and one
 * not validly signed is refused naming why unless `trust.allowUnsigned` (or `trust.inspect`).
 * Validates the manifest listing every problem (`path: message`) and checks that an isolate
 * app's bundle exists.
 *
 * @example
 * const source = loadAppSource('energy-insights-1.0.0.tgz'); // throws bundle_unsigned for an unsigned archive
 * try { console.log(source.manifest.id, source.trust); } finally { source.cleanup(); }
 */
export function loadAppSource(
  path: string,
  limits: InstallLimits = DEFAULT_INSTALL_LIMITS,
  trustOptions: LoadTrustOptions = {},
): AppSource {
  let trust: BundleTrust | 'folder' = 'folder';
  const enforce = (found: BundleTrust) => {
    if (!trustOptions.inspect) refuseUntrusted(path, found, trustOptions.allowUnsigned);
    return found;
  };
  const full = resolve(path);
  if (!existsSync(full)) throw new BadRequestError(`${path} does not exist`);
  let folder = full;
  let temp: string | undefined;
  const cleanup = () => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  };
  if (statSync(full).isFile()) {
    if (!/\.(tgz|tar\.gz)$/.test(full))
      throw new BadRequestError(`${path} is neither a folder nor a .tgz archive`);
    temp = mkdtempSync(join(tmpdir(), 'databox-app-'));
    try {
      // verified in memory: a bundle refused here has written nothing, not even to the temp folder
      const entries = readAppArchive(full, limits);
      trust = enforce(verifyBundle(archiveContent(entries)));
      writeArchiveEntries(full, entries, temp);
    } catch (error) {
      cleanup();
      throw error;
    }
    const found = manifestFolder(temp);
    if (!found) {
      cleanup();
      throw new BadRequestError(`${path} holds no ${MANIFEST_FILE} (at its top level or in one folder)`);
    }
    folder = found;
  }
  try {
    const tree = scanAppFolder(folder, limits, path);
    if (!temp) {
      const content = folderContent(folder, tree);
      if (content) trust = enforce(verifyBundle(content));
    }
    const manifestPath = join(folder, MANIFEST_FILE);
    if (!existsSync(manifestPath)) throw new BadRequestError(`${path} holds no ${MANIFEST_FILE}`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(manifestPath, 'utf8'));
    } catch (error) {
      throw new BadRequestError(`${MANIFEST_FILE} is not valid JSON: ${(error as Error).message}`);
    }
    // export URLs are judged by the gateway's own policy: no look-alike is ever offered for approval
    const result = validateManifest(json, { checkExportUrl: exportUrlProblem });
    if (!result.ok)
      throw new BadRequestError(`${MANIFEST_FILE} in ${path} is not valid`, {
        details: result.errors,
        code: 'invalid_manifest',
      });
    const { manifest } = result;
    const entry =
      manifest.runtime.type === 'isolate'
        ? manifest.runtime.entry
            .split('/')
            .filter((p) => p !== '' && p !== '.')
            .join('/')
        : '';
    if (manifest.runtime.type === 'isolate' && !tree.files.some((f) => f.path === entry))
      throw new BadRequestError(
        `the app's bundle ${manifest.runtime.entry} is missing (build it with "databox app build ${path}")`,
      );
    if (trust !== 'folder' && trust.signed) {
      const { app } = trust;
      if (temp && folder !== temp)
        throw new BadRequestError(`${path}: a signed bundle holds ${MANIFEST_FILE} at its top level`, {
          code: 'bundle_manifest_invalid',
        });
      if (app.id !== manifest.id || app.version !== manifest.version)
        throw new BadRequestError(
          `${path}: databox-bundle.json is signed for ${app.id} ${app.version}, but its ${MANIFEST_FILE} is ${manifest.id} ${manifest.version}`,
          { code: 'bundle_manifest_invalid' },
        );
    }
    return { manifest, folder, tree, trust, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}
