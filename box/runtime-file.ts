import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * `<home>/box.json`: a running box says where it is, so every other command finds it even when
 * it was started with `--port`, `--host` or `--home`. Written once the HTTP server listens,
 * removed on a clean stop; a box that was killed leaves it behind, and a pid that no longer runs
 * marks it stale. Mode 0600 like the rest of the data folder.
 */
export interface BoxRuntime {
  url: string;
  pid: number;
  startedAt: string;
  version: string;
  home: string;
}

const runtimeSchema = z.object({
  url: z.string().url(),
  pid: z.number().int().positive(),
  startedAt: z.string(),
  version: z.string(),
  home: z.string(),
});

/** What the runtime file says: nothing, a box whose process runs, or one whose process is gone. */
export type RuntimeState =
  | { state: 'none' }
  | { state: 'running'; runtime: BoxRuntime }
  | { state: 'stale'; runtime: BoxRuntime; reason: string };

/** True when a process with this pid exists (signal 0 checks without sending anything). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Reads the runtime file and checks its pid.
 *
 * @example
 * const found = readRuntimeFile(boxPaths().runtime);
 * if (found.state === 'running') console.log(found.runtime.url);
 */
export function readRuntimeFile(file: string): RuntimeState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { state: 'none' };
  }
  let parsed: BoxRuntime;
  try {
    parsed = runtimeSchema.parse(JSON.parse(text));
  } catch {
    const runtime = { url: '', pid: 0, startedAt: '', version: '', home: '' };
    return { state: 'stale', runtime, reason: `${file} is not a valid runtime file` };
  }
  if (!processRuns(parsed.pid)) {
    return {
      state: 'stale',
      runtime: parsed,
      reason: `${file} names pid ${parsed.pid} (${parsed.url}, started ${parsed.startedAt}), which no longer runs: that box did not stop cleanly`,
    };
  }
  return { state: 'running', runtime: parsed };
}

/** Writes the file atomically (temp file + rename) so a reader never sees half of it. */
export function writeRuntimeFile(file: string, runtime: BoxRuntime): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(runtime, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

/** Removes the file if it still describes this box (a newer box may have replaced it). */
export function removeRuntimeFile(file: string, mine: { url: string; pid?: number }): void {
  const found = readRuntimeFile(file);
  if (found.state === 'none') return;
  const { runtime } = found;
  if (found.state === 'stale' || (runtime.pid === (mine.pid ?? process.pid) && runtime.url === mine.url))
    rmSync(file, { force: true });
}
