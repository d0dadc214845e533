/**
 * An independent, deliberately naive model of what the store's rollups must hold: keep the first
 * value per timestamp, sort, and aggregate each bucket from scratch. Tests compare the store's
 * answers to it.
 */
export interface RefBucket {
  t: number;
  n: number;
  sum: number;
  min: number;
  max: number;
  first: number;
  last: number;
  delta: number;
}

export function dedupeFirstWins(
  batches: Array<Array<{ t: number; v: number }>>,
): Array<{ t: number; v: number }> {
  const seen = new Map<number, number>();
  for (const batch of batches) for (const r of batch) if (!seen.has(r.t)) seen.set(r.t, r.v);
  return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v }));
}

export function referenceBuckets(
  readings: Array<{ t: number; v: number }>,
  widthMs: number,
  counter: boolean,
): RefBucket[] {
  const sorted = [...readings].sort((a, b) => a.t - b.t);
  const buckets = new Map<number, RefBucket>();
  let previous: number | undefined;
  for (const { t, v } of sorted) {
    let inc = 0;
    if (counter && previous !== undefined) inc = v < previous ? v : v - previous;
    previous = v;
    const start = Math.floor(t / widthMs) * widthMs;
    const b = buckets.get(start);
    if (!b) buckets.set(start, { t: start, n: 1, sum: v, min: v, max: v, first: v, last: v, delta: inc });
    else {
      b.n++;
      b.sum += v;
      b.min = Math.min(b.min, v);
      b.max = Math.max(b.max, v);
      b.last = v;
      b.delta += inc;
    }
  }
  return [...buckets.values()].sort((a, b) => a.t - b.t);
}
