import { existsSync, statfsSync, statSync } from 'node:fs';
import { gatewayPaths } from '../../export-gateway/paths.ts';
import type { BoxPaths } from '../config/paths.ts';
import { DataboxError } from '../errors.ts';

/** Default warning threshold (config `store.lowDiskMB`): room for weeks of a household's readings. */
export const DEFAULT_LOW_DISK_MB = 256;
/** Below this the disk counts as full: SQLite needs room for a WAL frame and a journal page. */
const FULL_BYTES = 1024 * 1024;

/** Free space on the disk of the data folder, and what the box's files take. */
export interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
  /** databox.db with its WAL, and the outbox. */
  storeBytes: number;
  outboxBytes: number;
  level: 'ok' | 'low' | 'full';
  summary: string;
}

/**
 * Free space (`statfs`, what an unprivileged process may use) of the file system holding the
 * data folder, and the sizes of the store and the outbox.
 *
 * @example
 * const disk = diskSpace(boxPaths('/srv/databox'), 256);
 * if (disk.level !== 'ok') console.warn(disk.summary);
 */
export function diskSpace(paths: BoxPaths, lowDiskMB = DEFAULT_LOW_DISK_MB): DiskSpace {
  const fs = statfsSync(paths.home);
  const freeBytes = fs.bavail * fs.bsize;
  const totalBytes = fs.blocks * fs.bsize;
  const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);
  const withWal = (file: string) => size(file) + size(`${file}-wal`);
  const storeBytes = withWal(paths.database);
  const outboxBytes = withWal(gatewayPaths(paths.home).db);
  const level = freeBytes < FULL_BYTES ? 'full' : freeBytes < lowDiskMB * 1024 * 1024 ? 'low' : 'ok';
  const free = `${formatBytes(freeBytes)} free of ${formatBytes(totalBytes)} on the disk of ${paths.home}; the store takes ${formatBytes(storeBytes)}`;
  const summary =
    level === 'ok'
      ? free
      : level === 'low'
        ? `disk space is low: ${free} (warning below ${lowDiskMB} MB, config store.lowDiskMB). Free some space or move the data folder to a larger disk`
        : `the disk is full: ${free}. New readings are refused until space is freed`;
  return { freeBytes, totalBytes, storeBytes, outboxBytes, level, summary };
}

/** `1.2 GB`, `340 MB`, `12 kB` (decimal units, as disks are sold). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.round(bytes / 1e3)} kB`;
}

/** True when `error` (or its cause) is SQLite's "database or disk is full" or the OS's ENOSPC. */
export function isDiskFull(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.code === 'SQLITE_FULL' || e.code === 'ENOSPC') return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** 507: the disk holding the box's data is full; nothing of the request was stored. */
export class InsufficientStorageError extends DataboxError {
  constructor(cause?: unknown) {
    super(
      507,
      'insufficient_storage',
      "the disk holding the box's data is full, so nothing of this request was stored. Free space on it (old backups, other files) or move the data folder to a larger disk, then send it again; `databox status` shows the free space",
      { cause },
    );
  }
}
