import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateManifest } from '../../../apps-sdk/src/manifest.ts';
import { noteKeyId } from '../../audit/box-key.ts';
import { BadRequestError } from '../../errors.ts';
import { MANIFEST_FILE } from '../app-source.ts';
import { buildBeforeInstall, type PreInstallBuild } from '../build-before-install.ts';
import { exportUrlProblem } from '../export-url-check.ts';
import { readAppArchive } from '../install-archive.ts';
import { sha256 } from '../install-files.ts';
import { archiveContent } from './bundle-content.ts';
import {
  BUNDLE_FORMAT,
  BUNDLE_MANIFEST,
  BUNDLE_SIGNATURE,
  type BundleManifest,
  bundleManifestText,
  type Publisher,
} from './bundle-format.ts';
import { defaultDeveloperKeyPath, loadOrCreateDeveloperKey } from './developer-key.ts';
import { packFiles } from './pack-files.ts';
import { tarGzip } from './tar-write.ts';
import { verifyBundle } from './verify-bundle.ts';

/** Where and how to pack. */
export interface PackOptions {
  /** The developer's private key (default `defaultDeveloperKeyPath()`; made on first use). */
  keyFile?: string;
  /** The bundle to write (default `<id>-<version>.tgz` in the current folder). */
  out?: string;
  /** "Now" for `packedAt` (tests). */
  now?: Date;
}

/** What {@link packApp} wrote. */
export interface PackResult {
  out: string;
  bytes: number;
  files: BundleManifest['files'];
  publisher: Publisher;
  /** The developer key file, and whether this pack made it. */
  keyFile: string;
  keyCreated: boolean;
  /** Set when the app was (re)built first because its bundle was missing or stale. */
  built?: PreInstallBuild;
}

/**
 * `databox app pack`: builds the app if its bundle is missing or older than its source, chooses
 * exactly the files it needs (`packFiles`), digests each (SHA-256), signs the bundle manifest
 * with the developer's Ed25519 key as a signed-note line, and writes the gzipped ustar bundle:
 * `databox-bundle.json`, `databox-bundle.sig`, then the files. The written bundle is read back
 * and verified as the box would before the call returns.
 *
 * @example
 * const packed = await packApp('examples/energy-insights', { out: '/tmp/energy-insights.tgz' });
 * console.log(packed.publisher.fingerprint, packed.files.length);
 */
export async function packApp(folder: string, options: PackOptions = {}): Promise<PackResult> {
  const dir = resolve(folder);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new BadRequestError(`${folder} is not an app folder`);
  const built = await buildBeforeInstall(dir);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
  } catch (error) {
    throw new BadRequestError(`${folder}: cannot read ${MANIFEST_FILE} (${(error as Error).message})`);
  }
  const checked = validateManifest(json, { checkExportUrl: exportUrlProblem });
  if (!checked.ok)
    throw new BadRequestError(`${MANIFEST_FILE} in ${folder} is not valid`, {
      code: 'invalid_manifest',
      details: checked.errors,
    });
  const { manifest } = checked;
  const key = loadOrCreateDeveloperKey(options.keyFile ?? defaultDeveloperKeyPath());
  const chosen = packFiles(dir, manifest);
  const contents = chosen.map((f) => ({ ...f, data: readFileSync(join(dir, f.path)) }));
  const bundle: BundleManifest = {
    format: BUNDLE_FORMAT,
    app: { id: manifest.id, version: manifest.version },
    publisher: { name: key.name, key: key.key },
    packedAt: (options.now ?? new Date()).toISOString(),
    files: contents.map((f) => ({ path: f.path, bytes: f.data.length, sha256: sha256(f.data) })),
  };
  const text = Buffer.from(bundleManifestText(bundle), 'utf8');
  const signature = Buffer.concat([noteKeyId(key.name, key.publicKey), key.sign(text)]);
  const sigLine = Buffer.from(`\u2014 ${key.name} ${signature.toString('base64')}\n`, 'utf8');
  const out = resolve(options.out ?? `${manifest.id}-${manifest.version}.tgz`);
  if (!/\.(tgz|tar\.gz)$/.test(out)) throw new BadRequestError(`--out ${out}: a bundle's name ends in .tgz`);
  const archive = tarGzip([
    { path: BUNDLE_MANIFEST, data: text },
    { path: BUNDLE_SIGNATURE, data: sigLine },
    ...contents,
  ]);
  writeFileSync(out, archive);
  const check = verifyBundle(archiveContent(readAppArchive(out)));
  if (!check.signed) throw new Error(`the bundle written to ${out} does not verify: ${check.reason}`);
  return {
    out,
    bytes: archive.length,
    files: bundle.files,
    publisher: check.publisher,
    keyFile: key.file,
    keyCreated: key.created,
    built,
  };
}
