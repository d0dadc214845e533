import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../../box/http/app.ts';
import { Store } from '../../../box/store/store.ts';
import { AGGREGATES, type AggregatePoint, RESOLUTIONS } from '../../../box/store/types.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const T0 = Date.UTC(2026, 0, 1);
const TOKEN = 'test-token-0123456789abcdef0123456789abcdef';
// doubles whose shortest spelling SQLite and JavaScript disagree on, and a few that are easy
const AWKWARD = [
  1 / 3,
  0.1 + 0.2,
  1e21,
  5e-324,
  -0.5,
  2011,
  123456789012345680000,
  Number('97.28643216080402'),
  1.7976931348623157e308 / 1e10,
];

let store: Store;
beforeEach(() => {
  store = Store.open(join(tempDir(), 'databox.db'));
  store.createDatasource({ id: 'g', kind: 'power', unit: 'W', valueType: 'gauge' }, 'user');
  store.createDatasource({ id: 'c', kind: 'energy', unit: 'kWh', valueType: 'counter' }, 'user');
  // 3 days of readings every 7 minutes with awkward values, then a gap of a day, then more
  const readings = [];
  for (let i = 0; i < (3 * 24 * 60) / 7; i++)
    readings.push({ t: T0 + i * 420_000, v: AWKWARD[i % AWKWARD.length] * (i + 1) });
  for (let i = 0; i < 100; i++)
    readings.push({ t: T0 + 4 * 86_400_000 + i * 61_000, v: AWKWARD[i % AWKWARD.length] });
  store.writeReadings('g', readings, 'user');
  // a counter with a reset in the middle
  store.writeReadings(
    'c',
    readings.map((r, i) => ({ t: r.t, v: i === 500 ? 1 : i * 0.123 + 1 / 7 })),
    'user',
  );
});
afterEach(() => store.close());

/** The columns answer decoded to the rows shape. */
function decode(columns: ReturnType<Store['readColumns']>): AggregatePoint[] {
  const v = JSON.parse(`[${columns.v}]`) as number[];
  const n = columns.n === undefined ? undefined : (JSON.parse(`[${columns.n}]`) as number[]);
  const t =
    columns.t !== undefined
      ? (JSON.parse(`[${columns.t}]`) as number[])
      : v.map((_, i) => (columns.first as number) + i * (columns.step as number));
  return v.map((value, i) =>
    n ? { t: t[i], v: value, n: n[i] } : ({ t: t[i], v: value } as AggregatePoint),
  );
}

describe('readColumns (format=columns)', () => {
  it('gives exactly the numbers of the row read, at every resolution and aggregate, gauge and counter', () => {
    let irregular = 0;
    let regular = 0;
    for (const id of ['g', 'c'])
      for (const resolution of RESOLUTIONS)
        for (const aggregate of AGGREGATES)
          for (const days of [3, 6]) {
            const query = { from: T0, to: T0 + days * 86_400_000, resolution, aggregate };
            const columns = store.readColumns(id, query);
            const rows = store.read(id, query);
            expect(columns.count, `${id} ${resolution} ${aggregate}`).toBe(rows.length);
            expect(decode(columns), `${id} ${resolution} ${aggregate}`).toEqual(rows);
            // the JSON text of the rows, as the HTTP API sends it, is the same rows exactly
            const json = store.readJson(id, query);
            expect(JSON.parse(json.json), `${id} ${resolution} ${aggregate} json`).toEqual(rows);
            expect(json.count).toBe(rows.length);
            if (columns.t === undefined) regular++;
            else irregular++;
          }
    // both shapes are exercised: the first 3 days are gap-free at 15 min and coarser, the day-long gap is not
    expect(regular).toBeGreaterThan(0);
    expect(irregular).toBeGreaterThan(0);
  });

  it('reads raw rows as t and v columns, with limit, and an empty range as empty columns', () => {
    const query = {
      from: T0,
      to: T0 + 6 * 86_400_000,
      resolution: 'raw' as const,
      aggregate: 'mean' as const,
      limit: 700,
    };
    expect(decode(store.readColumns('g', query))).toEqual(store.read('g', query));
    expect(JSON.parse(store.readJson('g', query).json)).toEqual(store.read('g', query));
    expect(store.readJson('g', { ...query, from: T0 - 1000, to: T0 })).toEqual({ count: 0, json: '[]' });
    const empty = store.readColumns('g', { ...query, from: T0 - 1000, to: T0 });
    expect(empty).toEqual({ count: 0, v: '' });
  });

  it('answers GET …/readings?format=columns with t0 and step when regular, audited like a row read', async () => {
    const app = createHttpApp({ store, adminToken: TOKEN, bodyLimitBytes: 1 << 20, status: () => ({}) });
    const path = `/api/v1/datasources/g/readings?from=${T0}&to=${T0 + 3 * 86_400_000}&resolution=30min`;
    const headers = { authorization: `Bearer ${TOKEN}` };
    const columns = (await (await app.request(`${path}&format=columns`, { headers })).json()) as {
      t0: number;
      step: number;
      v: number[];
      n: number[];
      count: number;
    };
    const rows = (await (await app.request(path, { headers })).json()) as { readings: AggregatePoint[] };
    expect(columns.count).toBe(144);
    expect(columns).toMatchObject({ t0: T0, step: 1_800_000, format: 'columns', aggregate: 'mean' });
    expect(columns.v.map((v, i) => ({ t: columns.t0 + i * columns.step, v, n: columns.n[i] }))).toEqual(
      rows.readings,
    );
    const reads = store.audit.query({ action: 'readings.read' });
    expect(reads.map((e) => e.details.rows)).toEqual([144, 144]);
  });
});
