import { exportPayloadBound } from './export-bound.ts';

/** What one export destination can carry out of the home at most. */
export interface ExportCapacity {
  /** Bytes one export can carry: the smaller of the schema's bound and `maxBytes`. */
  bytesPerExport: number;
  /** What the schema alone allows (`Infinity` for a schema that does not bound it). */
  schemaBytes: number;
  perDay: number;
  bytesPerDay: number;
  /** In plain words: "can send up to 2 KB, 4 times a day (at most 8 KB a day)". */
  text: string;
}

/**
 * Formats a byte count for people: `74 bytes`, `2 KB`, `1.5 MB` (1 KB = 1000 bytes).
 *
 * @example
 * ```ts
 * formatBytes(2048); // '2 KB'
 * ```
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  const [value, unit] =
    bytes < 1e6 ? [bytes / 1e3, 'KB'] : bytes < 1e9 ? [bytes / 1e6, 'MB'] : [bytes / 1e9, 'GB'];
  return `${value < 10 ? Math.round(value * 10) / 10 : Math.round(value)} ${unit}`;
}

const times = (n: number) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);

/**
 * The most an export destination can send: per export (its schema's bound, capped by `maxBytes`),
 * times `maxPerDay`. Shown by `databox app check` and on both consent screens.
 *
 * @example
 * ```ts
 * exportCapacity({ schema: { type: 'string', maxLength: 10 }, maxBytes: 2000, maxPerDay: 4 }).text;
 * // 'can send up to 62 bytes, 4 times a day (at most 248 bytes a day)'
 * ```
 */
export function exportCapacity(exp: {
  schema: unknown;
  maxBytes: number;
  maxPerDay: number;
}): ExportCapacity {
  const schemaBytes = exportPayloadBound(exp.schema, 'schema').bytes;
  const bytesPerExport = Math.min(schemaBytes, exp.maxBytes);
  const bytesPerDay = bytesPerExport * exp.maxPerDay;
  const text = `can send up to ${formatBytes(bytesPerExport)}, ${times(exp.maxPerDay)} a day${exp.maxPerDay > 1 ? ` (at most ${formatBytes(bytesPerDay)} a day)` : ''}`;
  return { bytesPerExport, schemaBytes, perDay: exp.maxPerDay, bytesPerDay, text };
}
