import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, type FileHandle, lstat, mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEFAULT_INSTALL_LIMITS,
  type InstalledFile,
  type InstallLimits,
  refusal,
  type ScannedTree,
  TreeBuilder,
} from './install-files.ts';

const CHUNK = 1024 * 1024;

/** Async {@link scanAppFolder} (same checks), for the box's per-run work: no long event-loop stall. */
export async function scanAppFolderAsync(
  root: string,
  limits: InstallLimits = DEFAULT_INSTALL_LIMITS,
  label = root,
): Promise<ScannedTree> {
  const builder = new TreeBuilder(root, limits, label);
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      if (builder.add(path, await lstat(join(root, path)))) await walk(path);
    }
  };
  await walk('');
  return builder.finish();
}

/**
 * Streams one file of a scanned tree (1 MiB at a time, so a large app never blocks the daemon's
 * event loop for long) into its sha256 and, if `dest` is given, into a new file there (0644/0755,
 * set explicitly). Refuses the file if it is no longer the plain, single-link file that was scanned.
 *
 * @example
 * const { sha256 } = await streamScannedFile(app.dir, tree.files[0]);
 */
export async function streamScannedFile(
  root: string,
  file: ScannedTree['files'][number],
  dest?: string,
): Promise<InstalledFile> {
  let source: FileHandle;
  try {
    source = await open(
      join(root, file.path),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw refusal(root, [{ path: file.path, message: 'is a symbolic link' }]);
    throw error;
  }
  let target: FileHandle | undefined;
  try {
    const info = await source.stat();
    if (!info.isFile() || info.dev !== file.dev || info.ino !== file.ino || info.nlink > 1)
      throw refusal(root, [{ path: file.path, message: 'changed while it was being read' }]);
    if (dest) {
      target = await open(join(dest, file.path), 'wx', 0o600);
      await target.chmod(file.executable ? 0o755 : 0o644);
    }
    const hash = createHash('sha256');
    const size = Math.min(CHUNK, Math.max(info.size, 1));
    const buffer = Buffer.allocUnsafe(size);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await source.read(buffer, 0, size, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      if (target) await target.write(chunk);
      bytes += bytesRead;
    }
    return { path: file.path, bytes, sha256: hash.digest('hex') };
  } finally {
    await source.close();
    await target?.close();
  }
}

/** Async {@link copyScannedTree}: copies a scanned tree into `dest` (existing, empty), chunk by chunk. */
export async function copyScannedTreeAsync(
  root: string,
  tree: ScannedTree,
  dest: string,
): Promise<InstalledFile[]> {
  for (const dir of tree.dirs) {
    await mkdir(join(dest, dir));
    await chmod(join(dest, dir), 0o755);
  }
  const copied: InstalledFile[] = [];
  for (const file of tree.files) copied.push(await streamScannedFile(root, file, dest));
  return copied;
}
