import { lstat, readFile } from 'node:fs/promises';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { RunOutcome } from './runtime.ts';

/** A frame of the app's bundle in a stack: `app:///dist/app.js:3:17` (isolate) or `/app/dist/app.js:3:17` (container). */
const FRAME = /(?:app:\/\/\/|\/app\/)([\w./@+-]{1,200}\.[cm]?js):(\d{1,9}):(\d{1,9})/g;
/** Larger maps are not read (an app's map is hostile input too). */
const MAX_MAP_BYTES = 8 * 1024 * 1024;

/**
 * Maps the stack frames of a run's error and logs from the app's bundle back to its sources,
 * with the source map `app build` writes beside the bundle (`dist/app.js.map`), using Node's own
 * `module.SourceMap` (no dependency). A frame becomes `src/index.ts:12:5 (dist/app.js:40:11)`;
 * frames without a map (or a map that does not parse) stay as they are. Maps are read only
 * when a line has a frame, only from inside the installed app folder and never through a link.
 *
 * @example
 * const mapped = await mapRunStacks(outcome, app.dir);
 * // '[isolate] error: Error: no data\n    at main (src/index.ts:4:11 (dist/app.js:52:13))'
 */
export async function mapRunStacks(outcome: RunOutcome, appDir: string): Promise<RunOutcome> {
  const lines = [outcome.error ?? '', ...outcome.logs];
  if (!lines.some((line) => new RegExp(FRAME.source).test(line))) return outcome;
  const maps = new Map<string, SourceMap | null>();
  const mapped: string[] = [];
  for (const line of lines) mapped.push(await mapLine(line, appDir, maps));
  const [error, ...logs] = mapped;
  return { ...outcome, ...(outcome.error === undefined ? {} : { error }), logs };
}

async function mapLine(line: string, appDir: string, maps: Map<string, SourceMap | null>): Promise<string> {
  const frames = [...line.matchAll(FRAME)];
  if (frames.length === 0) return line;
  for (const [, file] of frames) {
    if (!maps.has(file)) maps.set(file, await loadMap(appDir, file));
  }
  return line.replace(FRAME, (whole, file: string, l: string, c: string) => {
    const map = maps.get(file);
    if (!map) return whole;
    const entry = map.findEntry(Number(l) - 1, Number(c) - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry.originalSource === undefined || entry.originalLine === undefined) return whole;
    const source = entry.originalSource.replace(/^file:\/\//, '');
    const where = isAbsolute(source) ? source : relative(appDir, join(appDir, dirname(file), source));
    // keep only a path inside the app: nothing about the developer's machine
    const shown = where.startsWith('..') || isAbsolute(where) ? source.split('/').pop() : where;
    return `${shown}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1} (${file}:${l}:${c})`;
  });
}

async function loadMap(appDir: string, file: string): Promise<SourceMap | null> {
  const path = resolve(appDir, `${file}.map`);
  const inside = relative(resolve(appDir), path);
  if (inside.startsWith('..') || isAbsolute(inside)) return null;
  try {
    const info = await lstat(path);
    if (!info.isFile() || info.size > MAX_MAP_BYTES) return null;
    const payload = JSON.parse(await readFile(path, 'utf8')) as SourceMapPayload;
    if (payload?.version !== 3 || typeof payload.mappings !== 'string' || !Array.isArray(payload.sources))
      return null;
    return new SourceMap(payload);
  } catch {
    return null;
  }
}
