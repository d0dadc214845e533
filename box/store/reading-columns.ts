import { BadRequestError } from '../errors.ts';
import { MAX_BATCH_READINGS } from './reading-validation.ts';
import { MAX_TIMESTAMP, MIN_TIMESTAMP, type Reading, type ReadingColumns } from './types.ts';

/** The columns of readings already sorted by `t`. */
export function readingColumns(readings: readonly Reading[]): ReadingColumns {
  const t = new Float64Array(readings.length);
  const v = new Float64Array(readings.length);
  for (let i = 0; i < readings.length; i++) {
    t[i] = readings[i].t;
    v[i] = readings[i].v;
  }
  return { t, v };
}

/**
 * Collects readings one at a time into columns (a driver's or the line protocol's batch), growing
 * by doubling; {@link columns} gives them sorted by `t`, ties in the order pushed (as
 * `validateReadings` sorts), so the first of two readings with one timestamp wins.
 *
 * @example
 * const batch = new ReadingColumnsBuilder();
 * batch.push(1_700_000_010_000, 231);
 * batch.push(1_700_000_000_000, 230);
 * batch.columns(); // t [1700000000000, 1700000010000], v [230, 231]
 */
export class ReadingColumnsBuilder {
  #t = new Float64Array(64);
  #v = new Float64Array(64);
  #length = 0;
  #sorted = true;

  get length(): number {
    return this.#length;
  }

  push(t: number, v: number): void {
    const at = this.#length;
    if (at === this.#t.length) {
      const grownT = new Float64Array(at * 2);
      grownT.set(this.#t);
      this.#t = grownT;
      const grownV = new Float64Array(at * 2);
      grownV.set(this.#v);
      this.#v = grownV;
    }
    if (at > 0 && t < this.#t[at - 1]) this.#sorted = false;
    this.#t[at] = t;
    this.#v[at] = v;
    this.#length = at + 1;
  }

  columns(): ReadingColumns {
    const n = this.#length;
    const t = this.#t.subarray(0, n);
    const v = this.#v.subarray(0, n);
    if (this.#sorted) return { t, v };
    // a stable sort: by t, then by the order pushed
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => t[a] - t[b] || a - b);
    return { t: Float64Array.from(order, (i) => t[i]), v: Float64Array.from(order, (i) => v[i]) };
  }
}

/**
 * Checks columns from code that built them itself (`ReadingColumnsBuilder`): sorted, integer ms
 * timestamps 1970–9999, finite values, at most a batch's limit. Throws a `BadRequestError` naming
 * the first bad reading; the store writes nothing then.
 */
export function checkReadingColumns(columns: ReadingColumns, path: string): void {
  const { t, v } = columns;
  if (t.length !== v.length) throw new Error(`${path}: ${t.length} timestamps for ${v.length} values`);
  if (t.length > MAX_BATCH_READINGS)
    throw new BadRequestError(`a batch holds at most ${MAX_BATCH_READINGS} readings, got ${t.length}`);
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < t.length; i++) {
    const ti = t[i];
    if (!Number.isInteger(ti) || ti < MIN_TIMESTAMP || ti > MAX_TIMESTAMP)
      throw new BadRequestError(`${path}[${i}].t must be integer ms between 1970 and 9999, got ${ti}`);
    if (ti < previous) throw new Error(`${path}: readings not sorted by t at ${i}`);
    if (!Number.isFinite(v[i]))
      throw new BadRequestError(`${path}[${i}].v must be a finite number, got ${v[i]}`);
    previous = ti;
  }
}
