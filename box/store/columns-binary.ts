import type { ColumnsPart } from './columns-cache.ts';
import type { ColumnsRead } from './numeric-reader.ts';

/** A read's columns as numbers (`format=f64`); `t` undefined when evenly spaced from `t0` by `step`. */
export interface BinaryColumns {
  count: number;
  t?: Float64Array;
  t0?: number;
  step?: number;
  v: Float64Array;
  /** Readings per bucket (rollups only). */
  n?: Uint32Array;
}

/** A part's numbers, kept on the part: a cached chunk is parsed once, then copied on every read. */
interface PartNumbers {
  t?: Float64Array;
  v: Float64Array;
  n: Uint32Array;
}
const numbers = new WeakMap<ColumnsPart, PartNumbers>();

/** SQLite's number text read back: the same doubles (it prints as many digits as that takes). */
function parse(text: string): number[] {
  return text === '' ? [] : (JSON.parse(`[${text}]`) as number[]);
}

function numbersOf(part: ColumnsPart): PartNumbers {
  let got = numbers.get(part);
  if (!got) {
    got = { v: Float64Array.from(parse(part.v)), n: Uint32Array.from(parse(part.n)) };
    if (part.t !== undefined) got.t = Float64Array.from(parse(part.t));
    numbers.set(part, got);
  }
  return got;
}

/**
 * Rollup parts in bucket order ({@link RollupColumns.readParts}) joined as typed arrays, with a
 * `t` column only when the whole is not evenly spaced. The numbers of a cached chunk are parsed
 * from its text the first time and kept beside it (in a WeakMap: they go when the chunk goes).
 *
 * @example
 * ```ts
 * joinBinary(parts, 1_800_000); // { count, t0, step, v: Float64Array, n: Uint32Array }
 * ```
 */
export function joinBinary(parts: readonly ColumnsPart[], width: number): BinaryColumns {
  const full = parts.filter((p) => p.count > 0);
  const count = full.reduce((sum, p) => sum + p.count, 0);
  const v = new Float64Array(count);
  const n = new Uint32Array(count);
  if (count === 0) return { count, t: new Float64Array(0), v, n };
  const first = full[0].first as number;
  const even = ((full[full.length - 1].last as number) - first) / width + 1 === count;
  const t = even ? undefined : new Float64Array(count);
  let at = 0;
  for (const part of full) {
    const got = numbersOf(part);
    v.set(got.v, at);
    n.set(got.n, at);
    if (t) {
      if (got.t) t.set(got.t, at);
      else for (let i = 0; i < part.count; i++) t[at + i] = (part.first as number) + i * width;
    }
    at += part.count;
  }
  return t ? { count, t, v, n } : { count, t0: first, step: width, v, n };
}

/** A columns read (raw or rollup) as typed arrays, parsed from its text. */
export function binaryFromText(columns: ColumnsRead): BinaryColumns {
  const out: BinaryColumns = { count: columns.count, v: Float64Array.from(parse(columns.v)) };
  if (columns.t !== undefined) out.t = Float64Array.from(parse(columns.t));
  else if (columns.first !== undefined) {
    out.t0 = columns.first;
    out.step = columns.step;
  } else out.t = new Float64Array(0);
  if (columns.n !== undefined) out.n = Uint32Array.from(parse(columns.n));
  return out;
}
