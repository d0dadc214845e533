import type Database from 'better-sqlite3';
import { rollupTable } from './rollup-tables.ts';

const DAY = 86_400_000;
/** Sub-day rollup widths, coarsest first. */
const WIDTHS = [3_600_000, 1_800_000, 900_000, 300_000, 60_000];

/** Per bucket: readings, sum of values, sum of counter increments. */
export interface AdditiveBucket {
  n: number;
  sum: number;
  delta: number;
}

interface Queries {
  days: Database.Statement;
  /** Per width, the pieces' sums from that level's table. */
  pieces: Map<number, Database.Statement>;
}

const queries = new WeakMap<Database.Database, Queries>();

function statements(db: Database.Database) {
  let found = queries.get(db);
  if (!found) {
    found = {
      days: db
        .prepare(
          `SELECT bucket, n, sum, coalesce(delta, 0) FROM ${rollupTable(DAY)} WHERE sid = ? AND bucket >= ? AND bucket < ?`,
        )
        .raw(),
      // per piece start `j.value` (a flat JSON array of integers: no nested arrays to parse),
      // the sums over one index range of a level's rows, `len` ms long
      pieces: new Map(
        WIDTHS.map((width) => [
          width,
          db
            .prepare(
              `SELECT j.key, sum(r.n), sum(r.sum), sum(coalesce(r.delta, 0)) FROM json_each(?) AS j CROSS JOIN
               ${rollupTable(width)} AS r ON r.sid = ? AND r.bucket >= j.value AND r.bucket < j.value + ?
               GROUP BY j.key`,
            )
            .raw(),
        ]),
      ),
    };
    queries.set(db, found);
  }
  return found;
}

/** `[from, to)` (inside one UTC day) as aligned runs of the coarsest rollup that fits: `[res, from, to]`. */
function cover(from: number, to: number): Array<[number, number, number]> {
  const runs: Array<[number, number, number]> = [];
  let t = from;
  while (t < to) {
    const w = WIDTHS.find((width) => t % width === 0 && t + width <= to) as number;
    const last = runs[runs.length - 1];
    if (last && last[0] === w && last[2] === t) last[2] = t + w;
    else runs.push([w, t, t + w]);
    t += w;
  }
  return runs;
}

/**
 * Additive aggregates (count, sum, a counter's delta) of local buckets from the stored UTC-day
 * rollups plus, at each boundary that is not a UTC midnight, the short piece of the UTC day
 * before or after it: bucket = its UTC days − the head of the first + the head of the day it ends
 * in, where a head longer than 12 h is taken as its day minus the tail. A local day in Amsterdam
 * costs one day row and two one- or two-hour pieces instead of 24 hourly rows; Kathmandu's
 * 18:15 boundary costs a 5 h 45 min tail (3 rows) instead of 96 quarter hours. Sums of the same
 * rows, so exact up to floating-point rounding (counts exactly).
 *
 * `bounds` are the bucket starts plus the end of the last one, each a multiple of 1 minute.
 */
export function additiveBuckets(db: Database.Database, sid: number, bounds: number[]): AdditiveBucket[] {
  const { days, pieces } = statements(db);
  const firstDay = Math.floor(bounds[0] / DAY);
  const lastDay = Math.floor(bounds[bounds.length - 1] / DAY);
  const span = lastDay - firstDay + 1;
  const dn = new Float64Array(span);
  const ds = new Float64Array(span);
  const dd = new Float64Array(span);
  for (const [bucket, n, sum, delta] of days.all(sid, firstDay * DAY, (lastDay + 1) * DAY) as number[][]) {
    const i = bucket / DAY - firstDay;
    dn[i] = n;
    ds[i] = sum;
    dd[i] = delta;
  }
  // the piece of each boundary's UTC day: its head [midnight, b) if short, else its tail [b, next midnight)
  const list: Array<[number, number, number, number]> = [];
  const useTail: boolean[] = [];
  for (const [i, b] of bounds.entries()) {
    const midnight = Math.floor(b / DAY) * DAY;
    const r = b - midnight;
    useTail[i] = r > DAY / 2;
    if (r === 0) continue;
    for (const [res, from, to] of useTail[i] ? cover(b, midnight + DAY) : cover(midnight, b))
      list.push([i, res, from, to]);
  }
  // runs of the same width and length share one query (Amsterdam: two, Kathmandu: a few)
  const groups = new Map<string, { res: number; len: number; starts: number[]; owners: number[] }>();
  for (const [i, res, from, to] of list) {
    const key = `${res}:${to - from}`;
    let group = groups.get(key);
    if (!group) {
      group = { res, len: to - from, starts: [], owners: [] };
      groups.set(key, group);
    }
    group.starts.push(from);
    group.owners.push(i);
  }
  const piece = new Map<number, [number, number, number]>();
  for (const group of groups.values())
    for (const [k, n, sum, delta] of (pieces.get(group.res) as Database.Statement).all(
      JSON.stringify(group.starts),
      sid,
      group.len,
    ) as number[][]) {
      const owner = group.owners[k];
      const had = piece.get(owner);
      piece.set(owner, had ? [had[0] + n, had[1] + sum, had[2] + delta] : [n, sum, delta]);
    }
  const head = (i: number): [number, number, number] => {
    const b = bounds[i];
    const d = Math.floor(b / DAY) - firstDay;
    if (b % DAY === 0) return [0, 0, 0];
    const [n, s, delta] = piece.get(i) ?? [0, 0, 0];
    return useTail[i] ? [dn[d] - n, ds[d] - s, dd[d] - delta] : [n, s, delta];
  };
  const out: AdditiveBucket[] = [];
  let [hn, hs, hd] = head(0);
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [nn, ns, nd] = head(i + 1);
    let n = nn - hn;
    let sum = ns - hs;
    let delta = nd - hd;
    for (
      let d = Math.floor(bounds[i] / DAY) - firstDay;
      d < Math.floor(bounds[i + 1] / DAY) - firstDay;
      d++
    ) {
      n += dn[d];
      sum += ds[d];
      delta += dd[d];
    }
    out.push({ n, sum, delta });
    [hn, hs, hd] = [nn, ns, nd];
  }
  return out;
}
