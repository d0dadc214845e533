import type { ArchiveEntry } from '../install-archive.ts';
import { readScannedFile, type ScannedTree, sha256 } from '../install-files.ts';
import { BUNDLE_MANIFEST, BUNDLE_SIGNATURE } from './bundle-format.ts';
import type { BundleContent } from './verify-bundle.ts';

/** What {@link verifyBundle} checks in an archive read into memory (nothing is on disk yet). */
export function archiveContent(entries: ArchiveEntry[]): BundleContent {
  const content: BundleContent = { files: [], dirs: [] };
  for (const entry of entries) {
    if (entry.type === 'dir') content.dirs.push(entry.path);
    else if (entry.path === BUNDLE_MANIFEST) content.manifest = entry.data;
    else if (entry.path === BUNDLE_SIGNATURE) content.signature = entry.data;
    else {
      const data = entry.data ?? Buffer.alloc(0);
      content.files.push({ path: entry.path, bytes: data.length, sha256: () => sha256(data) });
    }
  }
  return content;
}

/**
 * What {@link verifyBundle} checks in a folder that holds the bundle files (an unpacked bundle,
 * or a kept version being rolled back to), or undefined for a folder without them (a developer's
 * working folder). Files are read through the scan's no-follow, same-inode checks.
 */
export function folderContent(root: string, tree: ScannedTree): BundleContent | undefined {
  const read = (path: string) => {
    const file = tree.files.find((f) => f.path === path);
    return file ? readScannedFile(root, file) : undefined;
  };
  const manifest = read(BUNDLE_MANIFEST);
  const signature = read(BUNDLE_SIGNATURE);
  if (!manifest && !signature) return undefined;
  return {
    manifest,
    signature,
    dirs: tree.dirs,
    files: tree.files
      .filter((f) => f.path !== BUNDLE_MANIFEST && f.path !== BUNDLE_SIGNATURE)
      .map((f) => ({ path: f.path, bytes: f.bytes, sha256: () => sha256(readScannedFile(root, f)) })),
  };
}
