import { BadRequestError, type ErrorDetail } from '../errors.ts';
import { MAX_TIMESTAMP, MIN_TIMESTAMP, type Reading } from './types.ts';

/** At most this many problems are listed in one error; the count says how many there were. */
const MAX_DETAILS = 20;
export const MAX_BATCH_READINGS = 100_000;

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  return typeof value === 'string' ? `the string "${value.slice(0, 40)}"` : `a ${typeof value}`;
}

/**
 * Checks a batch of readings `[{ t, v }, …]` and returns it sorted by `t` (stable, so of two
 * readings with one timestamp the first sent wins). Every problem is listed by its index
 * (`readings[3].v: must be a finite number, got NaN`); one bad reading rejects the whole batch, so
 * nothing of it is stored.
 */
export function validateReadings(input: unknown, path = 'readings'): Reading[] {
  if (!Array.isArray(input)) {
    throw new BadRequestError(`${path} must be an array of { t, v }`, {
      details: [{ path, message: `got ${describe(input)}` }],
    });
  }
  if (input.length > MAX_BATCH_READINGS) {
    throw new BadRequestError(`a batch holds at most ${MAX_BATCH_READINGS} readings, got ${input.length}`);
  }
  const details: ErrorDetail[] = [];
  let problems = 0;
  const problem = (at: string, message: string) => {
    problems++;
    if (details.length < MAX_DETAILS) details.push({ path: at, message });
  };
  let sorted = true;
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < input.length; i++) {
    const item = input[i] as { t?: unknown; v?: unknown } | null;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problem(`${path}[${i}]`, `must be an object { t, v }, got ${describe(item)}`);
      continue;
    }
    // for…in rather than Object.keys: no array allocated per reading on this hot path
    for (const key in item) {
      if (key !== 't' && key !== 'v')
        problem(`${path}[${i}].${key}`, 'unknown field (a reading has only t and v)');
    }
    const { t, v } = item;
    if (typeof t !== 'number' || !Number.isInteger(t)) {
      problem(`${path}[${i}].t`, `must be an integer of milliseconds since 1970-01-01, got ${describe(t)}`);
    } else if (t < MIN_TIMESTAMP || t > MAX_TIMESTAMP) {
      problem(
        `${path}[${i}].t`,
        `must be between ${MIN_TIMESTAMP} and ${MAX_TIMESTAMP} (1970–9999), got ${t}`,
      );
    } else {
      if (t < previous) sorted = false;
      previous = t;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problem(`${path}[${i}].v`, `must be a finite number, got ${describe(v)}`);
    }
  }
  if (problems > 0) {
    const more = problems > details.length ? ` (first ${details.length} listed)` : '';
    throw new BadRequestError(
      `${problems} invalid reading${problems === 1 ? '' : 's'}${more}; nothing was stored`,
      {
        details,
      },
    );
  }
  const readings = input as Reading[];
  return sorted ? readings : [...readings].sort((a, b) => a.t - b.t);
}

/** Checks a `[from, to)` range given in ms. */
export function validateRange(from: number, to: number): void {
  const details: ErrorDetail[] = [];
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!Number.isInteger(value) || value < MIN_TIMESTAMP || value > MAX_TIMESTAMP + 1) {
      details.push({ path: name, message: `must be an integer of ms between 1970 and 9999, got ${value}` });
    }
  }
  if (details.length === 0 && from >= to)
    details.push({ path: 'from', message: `must be before to (${from} ≥ ${to})` });
  if (details.length > 0) throw new BadRequestError('invalid time range', { details });
}
