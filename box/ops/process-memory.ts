import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

/** What `/api/v1/status` says about the daemon's memory, in bytes. */
export interface ProcessMemory {
  /** Resident set of the whole process (V8 heap, node's own pages, malloc, SQLite's caches). */
  rss: number;
  /** V8's heap: committed, in use, and the cap it ends the process at (`--max-old-space-size`). */
  heapTotal: number;
  heapUsed: number;
  heapLimit: number;
  /** V8's young generation as committed now; `--max-semi-space-size` bounds it. */
  newSpace: number;
  /** Memory held outside V8's heap for JavaScript objects (Buffers, strings handed to SQLite). */
  external: number;
  /** The node flags the daemon was started with (`databox start` sets them: docs/operations.md). */
  nodeFlags: string[];
}

/**
 * The daemon's memory as V8 and the kernel see it, for the status endpoint: so a householder (and
 * a test) can see the memory flags `databox start` launches node with really apply.
 *
 * @example
 * processMemory().heapLimit; // ≈ 256 MiB under `--max-old-space-size=256`
 */
export function processMemory(): ProcessMemory {
  const usage = process.memoryUsage();
  const heap = getHeapStatistics();
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  return {
    rss: usage.rss,
    heapTotal: usage.heapTotal,
    heapUsed: usage.heapUsed,
    heapLimit: heap.heap_size_limit,
    newSpace: young?.space_size ?? 0,
    external: usage.external,
    nodeFlags: [...process.execArgv],
  };
}
