import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AppSource, loadAppSource } from '../app-source.ts';

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
   * Why the bundle is not `appId` at `version` (its manifest says otherwise, or it cannot be
   * opened as an app), or undefined when it is. A store cannot list one app and ship another.
   */
  manifestMismatch(path: string, appId: string, version: string): string | undefined {
    let source: AppSource;
    try {
      // read to compare names only: signatures are judged by the install itself (`inspect`, where
      // the signed-bundle loader has it; an older loader ignores the third argument)
      source = (loadAppSource as (p: string, l: undefined, t: { inspect: boolean }) => AppSource)(
        path,
        undefined,
        { inspect: true },
      );
    } catch (error) {
      return `is not an installable app: ${(error as Error).message}`;
    }
    try {
      const { id, version: v } = source.manifest;
      if (id !== appId || v !== version) return `holds ${id} ${v}`;
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
