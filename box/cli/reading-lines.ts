import { BadRequestError } from '../errors.ts';
import type { Reading } from '../store/types.ts';

export type LineFormat = 'csv' | 'jsonl';

function parseTime(value: unknown, line: number): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const text = value.trim();
    const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new BadRequestError(`line ${line}: "${String(value)}" is not a time (ms since 1970 or ISO 8601)`);
}

function parseValue(value: unknown, line: number): number {
  const v = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new BadRequestError(`line ${line}: value "${String(value)}" is not a finite number`);
  }
  return v;
}

/**
 * Parses one line of a readings file. CSV: `time,value` (a header line is skipped; time as ms or
 * ISO 8601). JSON Lines: `{"t": …, "v": …}`. Returns undefined for blank lines and headers.
 */
export function parseReadingLine(text: string, format: LineFormat, line: number): Reading | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  if (format === 'jsonl') {
    let json: { t?: unknown; v?: unknown };
    try {
      json = JSON.parse(trimmed);
    } catch (error) {
      throw new BadRequestError(`line ${line}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof json !== 'object' || json === null)
      throw new BadRequestError(`line ${line}: expected an object {"t", "v"}`);
    return { t: parseTime(json.t, line), v: parseValue(json.v, line) };
  }
  const [time, value, ...rest] = trimmed.split(',');
  if (value === undefined || rest.length > 0) {
    throw new BadRequestError(
      `line ${line}: expected two columns "time,value", got ${rest.length + (value === undefined ? 1 : 2)}`,
    );
  }
  if (line === 1 && Number.isNaN(Number(time)) && Number.isNaN(Date.parse(time))) return undefined; // header
  return { t: parseTime(time, line), v: parseValue(value, line) };
}
