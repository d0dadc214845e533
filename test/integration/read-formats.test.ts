import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BoxProcess, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { referenceBuckets } from '../helpers/reference-rollups.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 5, 1);
const TO = T0 + 4 * DAY;
type Reading = { t: number; v: number };
type Row = [t: number, v: number, n: number];

let box: BoxProcess;
// one box for the whole file (useTempDir would remove its home after the first test)
const home = mkdtempSync(join(tmpdir(), 'databox-formats-'));
let token: string;
const readings: Reading[] = [];
// every 30 s for four days, integer watts (exact sums), with a 90-minute hole (an irregular read)
for (let t = T0; t < TO; t += 30_000)
  if (t < T0 + DAY + 3_600_000 || t >= T0 + DAY + 9_000_000) readings.push({ t, v: (t / 30_000) % 3001 });

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${box.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });

beforeAll(async () => {
  box = await startBoxProcess(home);
  token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  const spec = { id: 'p', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' };
  expect((await api('/api/v1/datasources', { method: 'POST', body: JSON.stringify(spec) })).status).toBe(201);
  for (let i = 0; i < readings.length; i += 5000) {
    const body = JSON.stringify(readings.slice(i, i + 5000));
    expect((await api('/api/v1/datasources/p/readings', { method: 'POST', body })).status).toBe(200);
  }
}, 120_000);
afterAll(async () => {
  if (box) await stopBoxProcess(box);
  rmSync(home, { recursive: true, force: true });
});

/** The naive model's mean per bucket of `width`. */
function model(data: Reading[], width: number): Row[] {
  return referenceBuckets(data, width, false).map((b) => [b.t, b.sum / b.n, b.n]);
}

/** One read in each format, decoded to rows, with what the f64 answer's headers said. */
async function readAll(query: string, to = TO) {
  const path = `/api/v1/datasources/p/readings?from=${T0}&to=${to}&agg=mean&${query}`;
  const rows = (await (await api(path)).json()) as { readings: Array<{ t: number; v: number; n: number }> };
  const cols = (await (await api(`${path}&format=columns`)).json()) as {
    t?: number[];
    t0?: number;
    step?: number;
    v: number[];
    n: number[];
  };
  const bin = await api(`${path}&format=f64`);
  expect(bin.status).toBe(200);
  const headers = Object.fromEntries(bin.headers.entries());
  const buffer = await bin.arrayBuffer();
  const count = Number(headers['x-databox-count']);
  const names = headers['x-databox-columns'].split(',');
  const floats = names.filter((c) => c !== 'n').length;
  expect(buffer.byteLength).toBe(count * (8 * floats + 4));
  const f64 = new Float64Array(buffer, 0, count * floats);
  const n = new Uint32Array(buffer, count * 8 * floats, count);
  const binT =
    names[0] === 't'
      ? f64.subarray(0, count)
      : Array.from(
          { length: count },
          (_, i) => Number(headers['x-databox-t0']) + i * Number(headers['x-databox-step']),
        );
  const binV = f64.subarray(names[0] === 't' ? count : 0);
  const colsT = cols.t ?? cols.v.map((_, i) => (cols.t0 as number) + i * (cols.step as number));
  return {
    rows: rows.readings.map((r): Row => [r.t, r.v, r.n]),
    columns: cols.v.map((v, i): Row => [colsT[i], v, cols.n[i]]),
    f64: Array.from(binV, (v, i): Row => [binT[i], v, n[i]]),
    headers,
  };
}

describe('GET …/readings in every format, on a real box over HTTP', () => {
  it('answers rows, columns and f64 with the naive model’s numbers, at 1 min (cached chunks) and 30 min', async () => {
    for (const [resolution, width] of [
      ['1min', MIN],
      ['30min', 30 * MIN],
    ] as const) {
      const want = model(readings, width);
      for (let pass = 0; pass < 2; pass++) {
        // the second pass of 1min is served from the columns cache
        const got = await readAll(`resolution=${resolution}`);
        expect(got.rows, resolution).toEqual(want);
        expect(got.columns, resolution).toEqual(want);
        expect(got.f64, resolution).toEqual(want);
        expect(got.headers['content-type']).toBe('application/vnd.databox.columns+f64');
        // the 90-minute hole: a t column
        expect(got.headers['x-databox-columns']).toBe('t,v,n');
      }
    }
  });

  it('answers evenly spaced buckets with t0 and step and no t column', async () => {
    const got = await readAll('resolution=1h', T0 + DAY);
    expect(got.headers['x-databox-columns']).toBe('v,n');
    expect(got.headers).toMatchObject({ 'x-databox-t0': String(T0), 'x-databox-step': String(3_600_000) });
    expect(got.f64).toEqual(model(readings, 3_600_000).filter(([t]) => t < T0 + DAY));
  });

  it('sees a late reading in a closed chunk on the next read in every format', async () => {
    await readAll('resolution=1min'); // fills the cache
    const late = { t: T0 + 2 * DAY + 10_000, v: 100_000 };
    const body = JSON.stringify([late]);
    expect((await api('/api/v1/datasources/p/readings', { method: 'POST', body })).status).toBe(200);
    readings.push(late);
    const want = model(readings, MIN);
    const got = await readAll('resolution=1min');
    expect(got.rows).toEqual(want);
    expect(got.columns).toEqual(want);
    expect(got.f64).toEqual(want);
  });

  it('answers local days in f64 as in rows, with the zone in a header', async () => {
    const path = `/api/v1/datasources/p/readings?from=${T0}&to=${TO}&resolution=1d&tz=Asia/Kathmandu&agg=count`;
    const rows = (await (await api(path)).json()) as { readings: Array<{ t: number; v: number; n: number }> };
    const bin = await api(`${path}&format=f64`);
    expect(bin.headers.get('x-databox-tz')).toBe('Asia/Kathmandu');
    const count = Number(bin.headers.get('x-databox-count'));
    const buffer = await bin.arrayBuffer();
    const f64 = new Float64Array(buffer, 0, 2 * count);
    expect(Array.from(f64.subarray(0, count))).toEqual(rows.readings.map((r) => r.t));
    expect(Array.from(f64.subarray(count))).toEqual(rows.readings.map((r) => r.v));
    expect(rows.readings.reduce((sum, r) => sum + r.v, 0)).toBe(readings.length);
  });

  it('answers a raw read in f64 as t and v, the numbers of the rows', async () => {
    const path = `/api/v1/datasources/p/readings?from=${T0}&to=${T0 + 3_600_000}&resolution=raw`;
    const rows = (await (await api(path)).json()) as { readings: Reading[] };
    const bin = await api(`${path}&format=f64`);
    expect(bin.headers.get('x-databox-columns')).toBe('t,v');
    const count = Number(bin.headers.get('x-databox-count'));
    expect(count).toBe(120);
    const f64 = new Float64Array(await bin.arrayBuffer());
    expect(f64.length).toBe(2 * count);
    const got = Array.from({ length: count }, (_, i) => ({ t: f64[i], v: f64[count + i] }));
    expect(got).toEqual(rows.readings);
    expect(got).toEqual(readings.filter((r) => r.t < T0 + 3_600_000));
  });

  it('refuses format=f64 without the admin token, as every other read', async () => {
    const path = `/api/v1/datasources/p/readings?from=${T0}&to=${TO}&resolution=30min&format=f64`;
    const anonymous = await fetch(`${box.url}${path}`);
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(`${box.url}${path}`, { headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).not.toContain('f64');
  });
});
