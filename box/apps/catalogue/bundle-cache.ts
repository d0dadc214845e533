import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AppSource, loadAppSource } from '../app-source.ts';
import type { CatalogueEntry } from './store-index.ts';

/** A verified bundle waits this long for the householder's consent before it is swept away. */
const KEEP_MS = 24 * 3_600_000;

/**
 * Where bundles fetched from a store wait between the digest check and the install (the
 * dashboard's consent screen reads the app from here): `<home>/app-stores/bundles`, private to
 * the box's user. Each file is named by app, version and digest, so a bundle of other bytes can
 * never take an approved one's name.
 */
export class BundleCache {
  readonly dir: string;

  constructor(home: string) {
    this.dir = join(home, 'app-stores', 'bundles');
  }

  /** Writes a verified bundle (sweeping day-old ones first); returns its path. */
  write(appId: string, version: string, sha256: string, body: Buffer): string {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.#sweep();
    const path = join(this.dir, `${appId}-${version}-${sha256.slice(0, 16)}.tgz`);
    writeFileSync(path, body, { mode: 0o600 });
    return path;
  }

  discard(path: string): void {
    rmSync(path, { force: true });
  }

  /**
   * Why the bundle is not what the index lists (another app or version; not signed by the
   * publisher key the index names; not an app at all), or undefined when it is. A store cannot
   * list one app and ship another, nor vouch for a key the bundle is not signed with. An unsigned
   * bundle listed without a key is left to the install's own rule (it needs an explicit flag).
   */
  mismatch(path: string, entry: CatalogueEntry): string | undefined {
    let source: AppSource;
    try {
      // only read here (`inspect`): the install verifies the signature again and decides
      source = loadAppSource(path, undefined, { inspect: true });
    } catch (error) {
      return `is not an installable app: ${(error as Error).message}`;
    }
    try {
      const { id, version } = source.manifest;
      if (id !== entry.appId || version !== entry.version) return `holds ${id} ${version}`;
      const { trust } = source;
      if (entry.publisherKey === null) return undefined;
      if (trust === 'folder' || !trust.signed)
        return `is not validly signed (${trust === 'folder' ? 'no signature' : trust.reason}), but the index says it is signed by ${entry.publisherKey}`;
      if (trust.publisher.fingerprint !== entry.publisherKey)
        return `is signed by the key ${trust.publisher.fingerprint}, but the index says ${entry.publisherKey}`;
      return undefined;
    } finally {
      source.cleanup();
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const name of readdirSync(this.dir)) {
      const file = join(this.dir, name);
      try {
        if (now - statSync(file).mtimeMs > KEEP_MS) rmSync(file, { force: true });
      } catch {
        // removed meanwhile
      }
    }
  }
}
