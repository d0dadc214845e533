/**
 * The year read at 30 min of bench/store-http.ts: over HTTP against the bare server (rows, columns,
 * f64, taken in turns), its table rows, and the same read in process on the box's file. Split out
 * of store-http.ts (418 lines) so the ingest phases and the read phase each fit in one reading.
 */
import { Store } from '../../box/store/store.ts';
import { type BenchRow, median } from '../table.ts';
import { call, interleavedReads } from './box-http.ts';

/** Where the bench's year of readings starts. */
export const YEAR_START = Date.UTC(2025, 0, 1);
/** Timed reads of each kind in the year read (taken in turns, `BENCH_READS`, default 5), median reported. */
export const READS = Number(process.env.BENCH_READS ?? 5);

/**
 * The year read at 30 min, median of 5 warm reads each, taken in turns: the bare server's, the
 * box's rows, its `format=columns` and `format=f64`, every answer checked equal, number for
 * number, to the bare server's. The
 * first columns read (the one that fills the box's columns cache) is timed on its own.
 */
export async function yearRead(bareUrl: string, boxUrl: string, auth: Record<string, string>, to: number) {
  const path = `${boxUrl}/api/v1/datasources/bench.power/readings?from=${YEAR_START}&to=${to}&resolution=30min`;
  const start = performance.now();
  await call(`${path}&format=columns`, 'GET', undefined, auth);
  const firstCols = performance.now() - start;
  const [bareRead, rowsRead, colsRead, f64Read] = await interleavedReads(
    [
      { url: `${bareUrl}/read?from=${YEAR_START}&to=${to}`, headers: {} },
      { url: path, headers: auth },
      { url: `${path}&format=columns`, headers: auth },
      { url: `${path}&format=f64`, headers: auth, binary: true },
    ],
    READS,
  );
  const expected = (JSON.parse(bareRead.body) as { readings: Array<{ t: number; v: number; n: number }> })
    .readings;
  const got = (JSON.parse(rowsRead.body) as { readings: typeof expected }).readings;
  const cols = JSON.parse(colsRead.body) as { t0: number; step: number; v: number[]; n: number[] };
  const same =
    got.length === expected.length &&
    got.every((r, i) => r.t === expected[i].t && r.v === expected[i].v && r.n === expected[i].n) &&
    cols.v.length === expected.length &&
    cols.v.every(
      (v, i) =>
        v === expected[i].v && cols.n[i] === expected[i].n && cols.t0 + i * cols.step === expected[i].t,
    );
  // format=f64: v (float64) then n (uint32), t0 and step in headers (no t: no bucket is missing)
  const bytes = f64Read.bytes as Buffer;
  const count = Number(f64Read.headers['x-databox-count']);
  const aligned = new Uint8Array(bytes).buffer; // a copy at offset 0, aligned for the typed arrays
  const v = new Float64Array(aligned, 0, count);
  const n = new Uint32Array(aligned, count * 8, count);
  const t0 = Number(f64Read.headers['x-databox-t0']);
  const step = Number(f64Read.headers['x-databox-step']);
  const binarySame =
    f64Read.headers['x-databox-columns'] === 'v,n' &&
    count === expected.length &&
    expected.every((r, i) => v[i] === r.v && n[i] === r.n && t0 + i * step === r.t);
  if (!same || !binarySame) throw new Error('the box and the bare server disagree on the year read');
  return {
    bareRead,
    rowsRead,
    colsRead,
    f64Read,
    firstCols,
    buckets: expected.length,
    bytes: bytes.length,
    colBytes: Buffer.byteLength(colsRead.body),
  };
}

export function readRows(read: Awaited<ReturnType<typeof yearRead>>): BenchRow[] {
  const { bareRead, rowsRead, colsRead } = read;
  return [
    {
      name: `year at 30 min (${read.buckets.toLocaleString('en')} buckets), rows`,
      value: rowsRead.ms,
      unit: 'ms',
      baseline: { name: 'bare server', value: bareRead.ms },
      higherIsBetter: false,
    },
    {
      name: 'year at 30 min, format=columns',
      value: colsRead.ms,
      unit: 'ms',
      baseline: { name: 'box rows', value: rowsRead.ms },
      target: '≤ 15 ms',
      higherIsBetter: false,
    },
    {
      name: `year at 30 min, format=f64 (${(read.bytes / 1000).toFixed(0)} kB against the columns' ${(read.colBytes / 1000).toFixed(0)} kB)`,
      value: read.f64Read.ms,
      unit: 'ms',
      baseline: { name: 'box rows', value: rowsRead.ms },
      target: '≤ 15 ms',
      higherIsBetter: false,
    },
    {
      name: 'year at 30 min, format=columns vs bare',
      value: colsRead.ms,
      unit: 'ms',
      baseline: { name: 'bare server', value: bareRead.ms },
      higherIsBetter: false,
    },
    {
      name: 'year at 30 min, format=columns, first read after start (fills the columns cache; one read)',
      value: read.firstCols,
      unit: 'ms',
      baseline: { name: 'bare server', value: bareRead.ms },
      higherIsBetter: false,
    },
  ];
}

/**
 * The same read in this process on the box's file (the box stopped): the store's part of the
 * answer, without HTTP, with the columns cache warm and with it emptied before every read.
 */
export function inProcessReads(file: string, to: number): BenchRow[] {
  const store = Store.open(file);
  const query = { from: YEAR_START, to, resolution: '30min' as const, aggregate: 'mean' as const };
  const kinds = {
    cached: () => store.readColumns('bench.power', query),
    uncached: () => {
      store.columnsCache.clear();
      store.readColumns('bench.power', query);
    },
    rows: () => store.readJson('bench.power', query),
  };
  const times: Record<keyof typeof kinds, number[]> = { cached: [], uncached: [], rows: [] };
  for (let i = 0; i <= READS * 2; i++)
    for (const [name, read] of Object.entries(kinds) as Array<[keyof typeof kinds, () => unknown]>) {
      const start = performance.now();
      read();
      if (i > 0) times[name].push(performance.now() - start); // the first round warms up
    }
  store.close();
  return [
    {
      name: 'in process: readColumns, columns cache warm',
      value: median(times.cached),
      unit: 'ms',
      baseline: { name: 'cache emptied before each read', value: median(times.uncached) },
      higherIsBetter: false,
    },
    {
      name: 'in process: readColumns, cache emptied before each read',
      value: median(times.uncached),
      unit: 'ms',
      baseline: { name: 'readJson (the rows)', value: median(times.rows) },
      higherIsBetter: false,
    },
  ];
}
