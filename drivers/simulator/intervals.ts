/**
 * Half-open time intervals `[start, end)` in ms, kept sorted and disjoint. Occupancy and appliance
 * scheduling are interval algebra: "home and awake" is awake minus away minus trips.
 */
export type Interval = readonly [start: number, end: number];

/**
 * Removes every part of `cuts` from `base`; both sorted and disjoint.
 *
 * @example
 * ```ts
 * subtractIntervals([[0, 10]], [[3, 5]]); // [[0, 3], [5, 10]]
 * ```
 */
export function subtractIntervals(base: readonly Interval[], cuts: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [s0, e0] of base) {
    let s = s0;
    for (const [cs, ce] of cuts) {
      if (ce <= s || cs >= e0) continue;
      if (cs > s) out.push([s, cs]);
      s = Math.max(s, ce);
      if (s >= e0) break;
    }
    if (s < e0) out.push([s, e0]);
  }
  return out;
}

/**
 * Union of any intervals, sorted and merged.
 *
 * @example
 * ```ts
 * unionIntervals([[5, 8], [0, 6]]); // [[0, 8]]
 * ```
 */
export function unionIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * Intersection of sorted disjoint intervals with one window.
 *
 * @example
 * ```ts
 * clipIntervals([[0, 10], [20, 30]], 5, 25); // [[5, 10], [20, 25]]
 * ```
 */
export function clipIntervals(intervals: readonly Interval[], from: number, to: number): Interval[] {
  const out: Interval[] = [];
  for (const [s, e] of intervals) {
    const cs = Math.max(s, from);
    const ce = Math.min(e, to);
    if (ce > cs) out.push([cs, ce]);
  }
  return out;
}

/**
 * Whether `t` lies in one of the intervals.
 *
 * @example
 * ```ts
 * inIntervals([[0, 10]], 10); // false (half-open)
 * ```
 */
export function inIntervals(intervals: readonly Interval[], t: number): boolean {
  for (const [s, e] of intervals) if (t >= s && t < e) return true;
  return false;
}
