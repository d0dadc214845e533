import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBlock, encodeBlock } from '../../../box/store/block-codec.ts';
import { Compactor } from '../../../box/store/compaction.ts';
import { checkRollups } from '../../../box/store/consistency.ts';
import { Store } from '../../../box/store/store.ts';
import { RESOLUTIONS, type Reading } from '../../../box/store/types.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);

/** mulberry32: a small seeded PRNG, so a failing seed can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mode = 'watts' | 'decimals' | 'floats' | 'negative';

/** A random series over `days` days: irregular steps, hour-long gaps, values of one `mode`. */
function series(random: () => number, days: number, mode: Mode, counter: boolean): Reading[] {
  const out: Reading[] = [];
  let t = T0 + Math.floor(random() * 60_000);
  let level = 0;
  while (t < T0 + days * DAY) {
    let v: number;
    if (mode === 'watts') v = Math.round(random() * 4000);
    else if (mode === 'decimals') v = Math.round(random() * 1e6) / 1000;
    else if (mode === 'floats') v = random() * 1000 * (random() < 0.5 ? -1 : 1) + random() / 7;
    else v = -Math.round(random() * 1e5) / 100;
    if (counter) {
      // cumulative, with an occasional meter reset
      level = random() < 0.002 ? 0 : level + Math.abs(v) / 1000;
      v = mode === 'floats' ? level : Math.round(level * 1000) / 1000;
    }
    out.push({ t, v });
    t += random() < 0.003 ? Math.floor(random() * 5 * 3_600_000) : 1 + Math.floor(random() * 120_000);
  }
  return out;
}

/** A columns read as numbers (SQLite spells `2011.0` where JavaScript spells `2011`). */
const columns = (read: ReturnType<Store['readColumns']>) => ({
  ...read,
  t: read.t?.split(',').map(Number),
  v: read.v.split(',').map(Number),
});

/** Everything a reader can see of a datasource, as text, for comparing two stores. */
function view(store: Store, id: string): string {
  const all = {
    from: 0,
    to: T0 + 40 * DAY,
    resolution: 'raw' as const,
    aggregate: 'mean' as const,
    limit: 1_000_000,
  };
  const parts: unknown[] = [
    store.read(id, all),
    JSON.parse(store.readJson(id, all).json),
    columns(store.readColumns(id, all)),
    store.lastN(id, 7),
    store.lastN(id, 100_000),
    store.read(id, { ...all, from: T0 + DAY / 3, limit: 17 }),
    // ranges that start in a day's last minutes, so a block holds far more than `limit` but
    // only a few readings of the range (test/integration/box-crash.test.ts found this)
    store.read(id, { ...all, from: T0 + DAY - 300_000, to: T0 + 2 * DAY + 600_000, limit: 40 }),
    store.read(id, { ...all, from: T0 + 3 * DAY - 100_000, limit: 500 }),
    JSON.parse(store.readJson(id, { ...all, from: T0 + 4 * DAY - 200_000, limit: 60 }).json),
    columns(store.readColumns(id, { ...all, from: T0 + 2 * DAY - 400_000, limit: 30 })),
    store.read(id, { ...all, from: T0 + 2 * DAY + 5, to: T0 + 3 * DAY + 77, limit: 100_000 }),
    JSON.parse(store.readJson(id, { ...all, from: T0 + DAY + 1, limit: 5000 }).json),
    columns(store.readColumns(id, { ...all, from: T0 + 1.5 * DAY, limit: 3 })),
  ];
  for (const resolution of RESOLUTIONS)
    parts.push(
      store.read(id, { ...all, resolution, aggregate: 'delta' }),
      store.read(id, { ...all, resolution }),
    );
  parts.push(store.db.prepare('SELECT * FROM rollups ORDER BY sid, res, bucket').all());
  return JSON.stringify(parts);
}

/** Days held both as rows and as a block (the invariant says none). */
const rowsBesideBlocks = (store: Store) =>
  store.db
    .prepare(
      'SELECT count(*) FROM blocks b WHERE EXISTS (SELECT 1 FROM readings r WHERE r.sid = b.sid AND r.t >= b.day * 86400000 AND r.t < (b.day + 1) * 86400000)',
    )
    .pluck()
    .get();

function twoStores(now: () => number) {
  const open = (name: string) => {
    const store = Store.open(join(tempDir(), name), { clock: now });
    store.createDatasource(
      { id: 'g', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    store.createDatasource(
      { id: 'c', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
      'user',
    );
    return store;
  };
  return { plain: open('plain.db'), packed: open('packed.db') };
}

/** Writes `readings` in random batches (random order, duplicates included) to both stores. */
function writeBoth(random: () => number, stores: Store[], id: string, readings: Reading[]) {
  const shuffled = readings.map((r) => ({ r, k: random() })).sort((a, b) => a.k - b.k);
  const batches: Reading[][] = [];
  // mostly in order (the append path), partly shuffled (the merge path), with repeats
  const ordered = random() < 0.5;
  const list = ordered ? readings : shuffled.map((x) => x.r);
  for (let i = 0; i < list.length; ) {
    const size = 1 + Math.floor(random() * 3000);
    const batch = list.slice(i, i + size);
    if (random() < 0.3 && batch.length > 0) batch.push({ t: batch[0].t, v: batch[0].v + 1 });
    batches.push(batch);
    i += size;
  }
  for (const batch of batches) for (const store of stores) store.writeReadings(id, batch, 'user');
}

const compactAll = (store: Store, now: number) =>
  store.catalogue.list().map((entry) => new Compactor(store.db).compact(entry, now));

describe('compressed blocks', () => {
  it('round-trip awkward doubles exactly, in both value codecs', () => {
    const random = rng(1);
    const cases: number[][] = [
      [0, 1, 2, 4000, -3, 123456789],
      [0.1, 0.2, 0.30000000000000004, -1e-9, 5e-324, 1.7976931348623157e308, -0],
      Array.from({ length: 500 }, () => (random() - 0.5) * 10 ** Math.floor(random() * 20 - 10)),
      [1.001, 2.002, -3.5, 1066.125],
    ];
    for (const v of cases) {
      const t = v.map((_, i) => T0 + i * 10_000 + (i % 3));
      const inc = v.map(() => null);
      const decoded = decodeBlock(encodeBlock({ t, v, inc }) as Buffer);
      expect(decoded.t).toEqual(t);
      expect(decoded.v.every((x, i) => Object.is(x, v[i]))).toBe(true);
    }
  });

  it('insert the block and delete the rows in one transaction: a failure between them leaves the rows', () => {
    const store = twoStores(() => T0 + 9 * DAY).packed;
    const readings = series(rng(3), 3, 'watts', false);
    store.writeReadings('g', readings, 'user');
    // the row delete fails after the block is inserted, as a crash at that instant would stop it
    store.db.exec(
      "CREATE TEMP TRIGGER no_delete BEFORE DELETE ON readings BEGIN SELECT RAISE(ABORT, 'disk gone'); END",
    );
    expect(() => new Compactor(store.db).compact(store.catalogue.get('g'), T0 + 9 * DAY)).toThrow(
      /disk gone/,
    );
    expect(store.db.prepare('SELECT count(*) FROM blocks').pluck().get()).toBe(0);
    const all = {
      from: 0,
      to: T0 + 9 * DAY,
      resolution: 'raw' as const,
      aggregate: 'mean' as const,
      limit: 1e6,
    };
    expect(store.read('g', all)).toEqual(readings);
    store.db.exec('DROP TRIGGER no_delete');
    expect(new Compactor(store.db).compact(store.catalogue.get('g'), T0 + 9 * DAY).days).toBe(3);
    expect(store.read('g', all)).toEqual(readings);
    store.close();
  });

  for (const [seed, mode] of [
    [11, 'watts'],
    [12, 'decimals'],
    [13, 'floats'],
    [14, 'negative'],
  ] as const) {
    it(`are read exactly like rows, through late writes, erasure and retention (seed ${seed}, ${mode})`, {
      timeout: 180_000,
    }, () => {
      let now = T0 + 8 * DAY;
      const { plain, packed } = twoStores(() => now);
      const random = rng(seed);
      writeBoth(random, [plain, packed], 'g', series(random, 6, mode, false));
      writeBoth(random, [plain, packed], 'c', series(random, 6, mode, true));
      const before = [view(plain, 'g'), view(plain, 'c')];
      const reports = compactAll(packed, now);
      expect(reports.every((r) => r.days >= 5)).toBe(true);
      expect(packed.db.prepare('SELECT count(*) FROM readings').pluck().get()).toBe(0);
      expect([view(packed, 'g'), view(packed, 'c')]).toEqual(before);
      for (const id of ['g', 'c']) expect(checkRollups(packed.db, packed.catalogue.get(id))).toEqual([]);

      // a reading just after the last one of the last packed day (the append path)
      for (const id of ['g', 'c']) {
        const [last] = plain.lastN(id, 1);
        for (const store of [plain, packed])
          store.writeReadings(id, [{ t: last.t + 1, v: last.v + 2 }], 'user');
        expect(view(packed, id)).toEqual(view(plain, id));
      }
      expect(rowsBesideBlocks(packed)).toBe(0);

      // late readings land in compressed days (new ones and duplicates with other values),
      // then the source appends after its last block
      for (const id of ['g', 'c']) {
        const late = series(random, 6, mode, id === 'c').filter(() => random() < 0.01);
        const stored = plain.read(id, {
          from: 0,
          to: T0 + 9 * DAY,
          resolution: 'raw',
          aggregate: 'mean',
          limit: 1e6,
        });
        for (const r of stored.filter(() => random() < 0.005)) late.push({ t: r.t, v: r.v + 0.5 });
        late.sort((a, b) => a.t - b.t);
        for (const store of [plain, packed]) {
          store.writeReadings(id, late, 'user');
          store.writeReadings(id, [{ t: T0 + 7 * DAY, v: 5 }], 'user');
        }
      }
      for (const id of ['g', 'c']) expect(view(packed, id)).toEqual(view(plain, id));
      compactAll(packed, now);
      for (const id of ['g', 'c']) expect(view(packed, id)).toEqual(view(plain, id));

      // erasures inside a block, across blocks, and up to a block's edge
      for (const [from, to] of [
        [T0 + DAY + 3_600_000, T0 + DAY + 7_200_000],
        [T0 + 2.5 * DAY, T0 + 4.25 * DAY],
        [T0 + 5 * DAY, T0 + 6 * DAY],
      ]) {
        for (const id of ['g', 'c'])
          expect(packed.erase(id, from, to, 'user')).toEqual(plain.erase(id, from, to, 'user'));
        for (const id of ['g', 'c']) expect(view(packed, id)).toEqual(view(plain, id));
      }
      compactAll(packed, now);
      for (const id of ['g', 'c']) {
        expect(view(packed, id)).toEqual(view(plain, id));
        expect(checkRollups(packed.db, packed.catalogue.get(id))).toEqual([]);
      }
      expect(rowsBesideBlocks(packed)).toBe(0);

      // retention moves the horizon into the middle of a compressed day
      now = T0 + 10 * DAY + 5 * 3_600_000;
      for (const store of [plain, packed]) {
        for (const id of ['g', 'c']) store.updateDatasource(id, { retention: { raw: 'P8D' } }, 'user');
      }
      const expired = plain.applyRetention().map((r) => r.readings);
      expect(packed.applyRetention().map((r) => r.readings)).toEqual(expired);
      for (const id of ['g', 'c']) {
        expect(view(packed, id)).toEqual(view(plain, id));
        expect(checkRollups(packed.db, packed.catalogue.get(id))).toEqual([]);
      }
      packed.deleteDatasource('g', 'user');
      expect(packed.db.prepare('SELECT count(*) FROM blocks WHERE sid = 1').pluck().get()).toBe(0);
      plain.close();
      packed.close();
    });
  }
});
