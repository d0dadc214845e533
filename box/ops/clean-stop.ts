import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { BoxPaths } from '../config/paths.ts';

/**
 * How long after the store's last write the marker is written: a later change to the file then
 * carries a later mtime even on a file system whose clock ticks coarsely (jiffies, ~4 ms).
 */
const SETTLE_MS = 30;

interface Marker {
  /** Size and nanosecond mtime of databox.db after the box closed it. */
  size: number;
  mtimeNs: string;
  at: string;
  version: string;
}

/** `clean-stop.json` in the box's home. */
export function cleanStopFile(paths: BoxPaths): string {
  return join(paths.home, 'clean-stop.json');
}

function fileState(file: string): { size: number; mtimeNs: string } {
  const stat = statSync(file, { bigint: true });
  return { size: Number(stat.size), mtimeNs: String(stat.mtimeNs) };
}

/**
 * Written by a box that closed its store cleanly (every transaction committed, the WAL
 * checkpointed and gone): the store's size and mtime at that moment. The next start trusts the
 * store without reading all of it only if the file is exactly as the box left it.
 *
 * @example
 * store.close();
 * await writeCleanStop(paths, VERSION);
 */
export async function writeCleanStop(paths: BoxPaths, version: string): Promise<void> {
  if (!existsSync(paths.database) || existsSync(`${paths.database}-wal`)) return;
  const waitMs = SETTLE_MS - (Date.now() - Number(BigInt(fileState(paths.database).mtimeNs) / 1_000_000n));
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  const marker: Marker = { ...fileState(paths.database), at: new Date().toISOString(), version };
  const file = cleanStopFile(paths);
  writeFileSync(file, `${JSON.stringify(marker)}\n`, { mode: 0o600 });
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads and removes the clean-stop marker (a crash from here on must not find it again), and says
 * whether the store is byte-for-byte where a clean stop left it: marker present and readable, no
 * WAL beside the store, and the same size and nanosecond mtime. Anything else (a crash, a power
 * cut, a file truncated, written into, copied or restored) answers false.
 *
 * @example
 * if (!takeCleanStop(paths)) runQuickCheckNow();
 */
export function takeCleanStop(paths: BoxPaths): boolean {
  const file = cleanStopFile(paths);
  if (!existsSync(file)) return false;
  let marker: Partial<Marker> | undefined;
  try {
    marker = JSON.parse(readFileSync(file, 'utf8')) as Partial<Marker>;
  } catch {
    marker = undefined;
  }
  rmSync(file, { force: true });
  syncFolder(dirname(file));
  if (!marker || !existsSync(paths.database)) return false;
  const wal = `${paths.database}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) return false;
  const now = fileState(paths.database);
  return marker.size === now.size && marker.mtimeNs === now.mtimeNs;
}

/** Makes the marker's removal durable, so a power cut cannot bring it back. */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems cannot fsync a folder; the WAL and mtime tests still stand
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
