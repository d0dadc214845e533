import { readFile } from 'node:fs/promises';

/**
 * Memory accounting for isolate host processes. isolated-vm's `memoryLimit` bounds the V8 heap of
 * an isolate, but not everything an app can make its host allocate: V8 keeps going past the limit
 * inside one native call (a `JSON.parse` of a huge text, a giant array fill), and some
 * allocations abort the whole process instead of failing. So the daemon also watches the host's
 * resident memory from outside and kills a host that grows past what its runs were allowed.
 */

/** How much resident memory one run may add to its host: twice its declared limit (MiB per MB). */
export const RSS_PER_LIMIT_MB = 2;
/** Room for the host's own buffers, IPC messages and malloc slack on top of the runs' share (MiB). */
export const RSS_SLACK_MIB = 32;

/**
 * The resident set size of a process in MiB, from `/proc/<pid>/status` (`VmRSS`), or `undefined`
 * where there is no procfs (the watchdog is then off and only V8's own limit applies) or the
 * process is gone.
 */
export async function readRssMiB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The most resident memory a host may use: what it used when it became ready, plus
 * {@link RSS_PER_LIMIT_MB} × each running run's memory limit, plus {@link RSS_SLACK_MIB}.
 * Measured (bench/README.md): a run that fills its heap to the limit adds 0.8–1.2× its limit,
 * so a well-behaved run never reaches the bound, while `JSON.parse` amplification grew a host
 * to 591 MiB under a 64 MB limit.
 *
 * @example
 * memoryBoundMiB(90, [64]) // 90 + 128 + 32 = 250
 */
export function memoryBoundMiB(readyRssMiB: number, runLimitsMb: number[]): number {
  const runs = runLimitsMb.reduce((sum, mb) => sum + RSS_PER_LIMIT_MB * mb, 0);
  return Math.ceil(readyRssMiB + runs + RSS_SLACK_MIB);
}

// What V8 prints to stderr when it aborts the process for memory: a heap OOM (`CALL_AND_RETRY_LAST`,
// `is_heap_oom`), an allocation too large to ever succeed (`invalid array length`, `invalid size
// error`, `invalid table size`), or a failed reservation (`Fatal process out of memory`).
const V8_OOM =
  /JavaScript heap out of memory|CALL_AND_RETRY_LAST|is_heap_oom = 1|Fatal JavaScript invalid (?:size error|array length|table size)|Fatal process out of memory|Reached heap limit/i;

/** Whether a dead host's stderr says V8 aborted it for memory. */
export function isV8OutOfMemory(stderrTail: string): boolean {
  return V8_OOM.test(stderrTail);
}
