import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadRequestError, ConflictError, NotFoundError } from '../../../box/errors.ts';
import { Store } from '../../../box/store/store.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const T0 = Date.UTC(2026, 0, 1);

function storeWithPower() {
  const store = Store.open(join(tempDir(), 'databox.db'));
  store.createDatasource(
    { id: 'power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  store.writeReadings('power', [{ t: T0, v: 1 }], 'user');
  return store;
}

function snapshot(store: Store) {
  return {
    readings: store.db.prepare('SELECT * FROM readings ORDER BY sid, t').all(),
    rollups: store.db.prepare('SELECT * FROM rollups ORDER BY sid, res, bucket').all(),
    datasources: store.listDatasources(),
  };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('store input checks', () => {
  const good = { t: T0 + 100, v: 5 };
  it.each([
    ['NaN value', [good, { t: T0 + 1, v: Number.NaN }], 'readings[1].v'],
    ['Infinity', [good, { t: T0 + 2, v: Number.POSITIVE_INFINITY }], 'readings[1].v'],
    ['string value', [good, { t: T0 + 1, v: '3' }], 'readings[1].v'],
    ['fractional timestamp', [good, { t: T0 + 0.5, v: 1 }], 'readings[1].t'],
    ['negative timestamp', [good, { t: -1, v: 1 }], 'readings[1].t'],
    ['timestamp after 9999', [good, { t: 1e15, v: 1 }], 'readings[1].t'],
    ['missing v', [good, { t: T0 + 1 }], 'readings[1].v'],
    ['extra field', [good, { t: T0 + 1, v: 1, x: 2 }], 'readings[1].x'],
    ['null reading', [good, null], 'readings[1]'],
    ['not an array', good, 'readings'],
  ])('rejects %s, naming where, and stores nothing', (_name, input, path) => {
    const store = storeWithPower();
    const before = snapshot(store);
    const auditBefore = store.audit.head().seq;
    const error = thrown(() => store.writeReadings('power', input, 'user')) as BadRequestError;
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.details.map((d) => d.path)).toEqual([path]);
    expect(snapshot(store)).toEqual(before);
    expect(store.audit.head().seq).toBe(auditBefore);
    store.close();
  });

  it('lists every bad reading of a batch', () => {
    const store = storeWithPower();
    const error = thrown(() =>
      store.writeReadings(
        'power',
        [
          { t: 1, v: Number.NaN },
          { t: 2, v: 3 },
          { t: 'x', v: null },
        ],
        'user',
      ),
    ) as BadRequestError;
    expect(error.details.map((d) => d.path)).toEqual(['readings[0].v', 'readings[2].t', 'readings[2].v']);
    expect(error.message).toContain('3 invalid readings');
  });

  it('rejects bad datasource ids and specs with every problem listed', () => {
    const store = storeWithPower();
    const error = thrown(() =>
      store.createDatasource({ id: 'Bad Id!', kind: '', unit: 'W', valueType: 'weird', extra: 1 }, 'user'),
    ) as BadRequestError;
    expect(error).toBeInstanceOf(BadRequestError);
    const paths = error.details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['id', 'kind', 'valueType']));
    expect(error.details.length).toBeGreaterThanOrEqual(4);
    expect(store.listDatasources().map((d) => d.id)).toEqual(['power']);
  });

  it('refuses a taken id, an unknown datasource and a write of the wrong value type', () => {
    const store = storeWithPower();
    expect(
      thrown(() => store.createDatasource({ id: 'power', kind: 'x', unit: 'W', valueType: 'gauge' }, 'user')),
    ).toBeInstanceOf(ConflictError);
    expect(thrown(() => store.writeReadings('nope', [{ t: T0, v: 1 }], 'user'))).toBeInstanceOf(
      NotFoundError,
    );
    store.createDatasource({ id: 'door', kind: 'contact', unit: '', valueType: 'event' }, 'user');
    expect((thrown(() => store.writeReadings('door', [{ t: T0, v: 1 }], 'user')) as Error).message).toContain(
      'event',
    );
  });

  it('audits catalogue changes, writes and reads, and the chain verifies', () => {
    const store = storeWithPower();
    store.updateDatasource('power', { location: 'hall' }, 'user');
    store.read(
      'power',
      { from: 0, to: T0 + 1, resolution: '1h', aggregate: 'mean' },
      { actor: 'app:demo', details: { run: 'r1' } },
    );
    const actions = store.audit.query({}).map((e) => `${e.actor} ${e.action} ${e.subject}`);
    expect(actions).toEqual([
      'user datasource.create power',
      'user readings.write power',
      'user datasource.update power',
      'app:demo readings.read power',
    ]);
    const read = store.audit.query({ action: 'readings.read' })[0];
    expect(read.details).toMatchObject({ resolution: '1h', aggregate: 'mean', rows: 1, run: 'r1' });
    expect(store.audit.query({ action: 'datasource.update' })[0].details).toEqual({
      changes: { location: { from: '', to: 'hall' } },
    });
    expect(store.audit.verify().ok).toBe(true);
  });
});
