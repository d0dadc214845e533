import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunLimits } from '../../../../box/apps/runtime.ts';

/**
 * Writes an app bundle in the contract's form (a classic script that sets
 * `globalThis.__databoxRun`) into `dir/dist/app.js` and returns the `entry` to run. `body` is the
 * body of the async run function; it can use `call(method, params)` (parsed result) and
 * `report(data)` (an `insight.emit` with key `report`), both written on top of `__databoxCall`
 * the way the SDK does.
 */
export function writeApp(dir: string, body: string, prelude = ''): string {
  const source = `
const call = async (method, params) => JSON.parse(await __databoxCall(method, JSON.stringify(params === undefined ? {} : params)));
const report = (data) => call('insight.emit', { key: 'report', title: 'report', data });
${prelude}
globalThis.__databoxRun = async () => {
${body}
};
`;
  return writeRaw(dir, source);
}

/** Writes `source` as-is as the bundle (for malformed bundles). */
export function writeRaw(dir: string, source: string, entry = 'dist/app.js'): string {
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, entry), source);
  return entry;
}

export interface RecordedCall {
  method: string;
  params: unknown;
}

/**
 * A `handle` that records every call and answers from `answers` (a function per method; a
 * method without one answers `{ ok: true }`).
 */
export function recordingHandle(
  answers: Record<string, (params: unknown) => unknown | Promise<unknown>> = {},
) {
  const calls: RecordedCall[] = [];
  const handle = async (method: string, params: unknown): Promise<unknown> => {
    calls.push({ method, params });
    const answer = answers[method];
    return answer ? answer(params) : { ok: true };
  };
  /** The `data` of every `insight.emit` with key `report`, in order. */
  const reports = () =>
    calls
      .filter((c) => c.method === 'insight.emit' && (c.params as { key?: string }).key === 'report')
      .map((c) => (c.params as { data: unknown }).data);
  return { calls, handle, reports };
}

export const SMALL_LIMITS: RunLimits = { memoryMb: 32, timeoutMs: 5000 };
