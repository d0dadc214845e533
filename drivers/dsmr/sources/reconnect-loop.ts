import { setTimeout as sleep } from 'node:timers/promises';
import type { ByteConnection, ByteSource } from './byte-source.ts';

/** Delays between attempts: `initialMs`, doubling up to `maxMs`; back to `initialMs` once a connection has held. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 60_000 };

export interface ReconnectHooks {
  onData(chunk: Buffer): void;
  /** A connection opened (the driver reports `connected`). */
  onOpen(): void;
  /** A connection ended or an attempt failed; `error` is `undefined` when the peer just closed. */
  onClose(error: Error | undefined, opened: boolean): void;
}

/**
 * Keeps `source` open until `signal` aborts: reopens it after it ends or fails, waiting longer
 * after each failed attempt. Sources that do not reconnect (file replay) are read once. Never
 * rejects; errors go to `hooks.onClose`. `first` is a connection the caller already opened, or
 * `'failed'` when the caller's own first attempt failed (the loop then waits before retrying).
 *
 * @example
 * ```ts
 * const done = keepOpen(new TcpByteSource({ host, port }), hooks, controller.signal);
 * controller.abort();
 * await done;
 * ```
 */
export async function keepOpen(
  source: ByteSource,
  hooks: ReconnectHooks,
  signal: AbortSignal,
  backoff: Backoff = DEFAULT_BACKOFF,
  first?: ByteConnection | 'failed',
): Promise<void> {
  let delay = backoff.initialMs;
  let pending = first === 'failed' ? undefined : first;
  if (first === 'failed') {
    if (!source.reconnects || !(await pause(delay, signal))) return;
    delay = Math.min(delay * 2, backoff.maxMs);
  }
  while (!signal.aborted) {
    let connection = pending;
    pending = undefined;
    if (!connection) {
      try {
        connection = await source.open(hooks.onData);
      } catch (error) {
        hooks.onClose(error as Error, false);
        if (!source.reconnects) return;
        if (!(await pause(delay, signal))) return;
        delay = Math.min(delay * 2, backoff.maxMs);
        continue;
      }
    }
    if (signal.aborted) {
      connection.close();
      await connection.ended;
      return;
    }
    const openedAt = Date.now();
    hooks.onOpen();
    const onAbort = () => connection.close();
    signal.addEventListener('abort', onAbort, { once: true });
    const reason = await connection.ended;
    signal.removeEventListener('abort', onAbort);
    hooks.onClose(signal.aborted ? undefined : reason, true);
    if (signal.aborted || !source.reconnects) return;
    // A connection that held longer than the current delay resets the backoff; one that drops at
    // once (a port already in use, a dongle rebooting) keeps it growing.
    if (Date.now() - openedAt >= delay) delay = backoff.initialMs;
    if (!(await pause(delay, signal))) return;
    delay = Math.min(delay * 2, backoff.maxMs);
  }
}

/** Waits `ms`; resolves `false` when the signal aborted first. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
