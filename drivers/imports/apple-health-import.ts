import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { BadRequestError } from '../../box/errors.ts';
import type { Store } from '../../box/store/store.ts';
import { type HealthRowError, readHealthExport } from '../apple-health/health-export.ts';
import { healthSamples } from '../apple-health/health-series.ts';
import { type ImportProgress, type ImportSummary, ImportWriter } from './import-writer.ts';

export interface AppleHealthImportOptions {
  onProgress?: (progress: ImportProgress) => void;
}

export interface AppleHealthImportSummary extends ImportSummary {
  /** Records of types this import does not cover, by HealthKit type. */
  otherTypes: Record<string, number>;
}

/** Bad elements kept in full (a broken export could have millions); the rest are counted. */
const KEEP_ERRORS = 1000;

async function* counted(path: string, writer: ImportWriter): AsyncGenerator<Buffer> {
  writer.bytesRead = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) {
    writer.bytesRead += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
}

/** Kinds whose sources overlap in time (the same walk counted by the iPhone and the Watch). */
function overlapNotes(ranges: Map<string, Map<string, { from: number; to: number }>>): string[] {
  const notes: string[] = [];
  for (const [kind, bySource] of ranges) {
    const list = [...bySource].sort((a, b) => a[1].from - b[1].from);
    const overlapping = list.filter(([, r], i) =>
      list.some(([, o], j) => j !== i && r.from < o.to && o.from < r.to),
    );
    if (overlapping.length > 1) {
      notes.push(
        `${kind} from ${overlapping.length} sources overlaps in time (${overlapping.map(([s]) => s).join(', ')}): each is its own series; grant an app one of them, as adding them up counts the same activity twice`,
      );
    }
  }
  return notes;
}

/**
 * Imports an Apple Health `export.xml` ("Export All Health Data" in the Health app, unzipped),
 * streaming, so files of hundreds of MB take little memory: step counts, heart rate, sleep
 * analysis and workouts, each into its own series per source (see
 * `drivers/apple-health/health-series.ts`), as `driver:import` in batches; a re-import adds
 * nothing. Other record types are counted in `notes`; elements with bad dates or values are
 * listed by line and the rest imported.
 *
 * @throws BadRequestError when the file is not an Apple Health export (checked at its first
 *   element) or holds none of the covered types.
 * @example
 * ```ts
 * const summary = await importAppleHealth(store, 'apple_health_export/export.xml');
 * summary.datasources; // ['health.steps.anna-s-iphone-3f2a1c', 'health.heart_rate.anna-s-apple-watch-…', …]
 * ```
 */
export async function importAppleHealth(
  store: Store,
  file: string,
  options: AppleHealthImportOptions = {},
): Promise<AppleHealthImportSummary> {
  const { size } = await stat(file);
  const writer = new ImportWriter(store, options.onProgress, size);
  const errors: HealthRowError[] = [];
  let extraErrors = 0;
  const otherTypes: Record<string, number> = {};
  let elements = 0;
  const ranges = new Map<string, Map<string, { from: number; to: number }>>();
  const parseErrors: HealthRowError[] = [];
  for await (const item of readHealthExport(counted(file, writer), parseErrors)) {
    elements++;
    const samples = healthSamples(item);
    if ('other' in samples) {
      otherTypes[samples.other] = (otherTypes[samples.other] ?? 0) + 1;
      continue;
    }
    if ('error' in samples) {
      if (errors.length < KEEP_ERRORS)
        errors.push({
          line: item.line,
          path: `line ${item.line}: ${item.kind === 'record' ? item.type : 'Workout'}`,
          message: samples.error,
        });
      else extraErrors++;
      continue;
    }
    for (const s of samples) {
      writer.add(s.spec, { t: s.t, v: s.v });
      let bySource = ranges.get(s.spec.kind);
      if (!bySource) {
        bySource = new Map();
        ranges.set(s.spec.kind, bySource);
      }
      const r = bySource.get(item.sourceName);
      if (!r) bySource.set(item.sourceName, { from: item.start, to: item.end });
      else {
        r.from = Math.min(r.from, item.start);
        r.to = Math.max(r.to, item.end);
      }
    }
  }
  writer.flush();
  for (const e of parseErrors) {
    if (errors.length < KEEP_ERRORS) errors.push(e);
    else extraErrors++;
  }
  errors.sort((a, b) => a.line - b.line);
  const notes = overlapNotes(ranges);
  const others = Object.entries(otherTypes).sort((a, b) => b[1] - a[1]);
  if (others.length > 0) {
    const n = others.reduce((s, [, c]) => s + c, 0);
    const top = others.slice(0, 5).map(([t, c]) => `${t.replace(/^HK\w+TypeIdentifier/, '')} ${c}`);
    notes.push(
      `${n} records of ${others.length} other types were not imported (${top.join(', ')}${others.length > 5 ? ', …' : ''})`,
    );
  }
  if (extraErrors > 0) notes.push(`${extraErrors} more bad elements were counted but not listed`);
  const totals = writer.totals();
  if (totals.readings === 0) {
    const what =
      elements === 0 && parseErrors.length === 0
        ? 'no Record or Workout elements'
        : `${elements + parseErrors.length} elements, none a step count, heart rate, sleep analysis or workout that could be read`;
    throw new BadRequestError(`${file}: nothing to import: the Apple Health export has ${what}`);
  }
  return { datasources: writer.datasources, ...totals, errors, notes, otherTypes };
}
