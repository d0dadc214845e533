import { SerialPortMock } from 'serialport';
import { afterEach, expect, it } from 'vitest';
import { BufferedDriverContext } from '../../../box/drivers/driver-context.ts';
import { Store } from '../../../box/store/store.ts';
import type { DatasourceSpec, Reading } from '../../../box/store/types.ts';
import type { DriverContext, DriverStatus } from '../../../drivers/driver.ts';
import { DsmrDriver, dsmrConfigSchema } from '../../../drivers/dsmr/dsmr-driver.ts';
import { SerialByteSource, type SerialPortFactory } from '../../../drivers/dsmr/sources/serial-source.ts';
import {
  describeWithSharedFixtures,
  readSharedFixture,
  sharedFixture,
} from '../../helpers/shared-fixtures.ts';

/** The box's side of a driver, reduced to what the test needs: straight into a real Store. */
class StoreContext implements DriverContext {
  readonly counters: Record<string, number> = {};
  readonly errors: string[] = [];
  state: boolean | undefined;
  constructor(
    readonly store: Store,
    readonly instanceId: string,
  ) {}
  registerDatasource(spec: DatasourceSpec): void {
    this.store.ensureDatasource({ ...spec, driver: this.instanceId }, `driver:${this.instanceId}`);
  }
  async write(sourceId: string, readings: Reading[]): Promise<void> {
    this.store.writeMany([{ id: sourceId, readings }], `driver:${this.instanceId}`);
  }
  async writeEvents(): Promise<void> {}
  setConnected(connected: boolean): void {
    this.state = connected;
  }
  reportError(error: unknown): void {
    this.errors.push((error as Error).message);
  }
  count(name: string, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
  }
  log(): void {}
  now(): number {
    return Date.UTC(2021, 0, 1);
  }
}

const stores: Store[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  SerialPortMock.binding.reset();
});

function memoryStore(): Store {
  const store = Store.open(':memory:');
  stores.push(store);
  return store;
}

describeWithSharedFixtures('DsmrDriver into a real Store', () => {
  it('replays a file into the catalogue and series, and a second replay adds nothing', async () => {
    const store = memoryStore();
    const ctx = new StoreContext(store, 'p1-home');
    const config = dsmrConfigSchema.parse({
      source: 'file',
      path: sharedFixture('dsmr/be_emucs_fluvius_v171_crc_valid.txt'),
    });
    const driver = new DsmrDriver(config);
    await driver.start(ctx, new AbortController().signal);
    await driver.finished();
    expect(ctx.counters.telegrams).toBe(1);
    expect(ctx.state).toBe(false); // the replay ended

    // SOURCES.md §1, e-MUCS: 1.8.1 = 0.034, 1.8.2 = 15.758 kWh at 2020-05-12T11:54:09Z.
    const t = Date.parse('2020-05-12T11:54:09Z');
    expect(store.latest('p1.electricity.import.t1')).toEqual({ t, v: 0.034 });
    expect(store.latest('p1.electricity.import.t2')).toEqual({ t, v: 15.758 });
    expect(store.latest('p1.l1.voltage')).toEqual({ t, v: 234.7 });
    expect(store.latest('p1.gas.m1')).toEqual({ t: Date.parse('2020-05-12T11:45:58Z'), v: 112.384 });
    expect(store.getDatasource('p1.gas.m1')).toMatchObject({
      kind: 'gas.volume',
      unit: 'm³',
      valueType: 'counter',
      driver: 'p1-home',
    });
    expect(store.getDatasource('p1.electricity.import.t1')).toMatchObject({
      kind: 'electricity.import.energy',
      unit: 'kWh',
      valueType: 'counter',
    });

    // breaker, threshold and the gas valve are kept too (0-0:96.3.10, 0-0:17.0.0, 0-1:24.4.0)
    expect(store.latest('p1.breaker')).toEqual({ t, v: 1 });
    expect(store.latest('p1.electricity.threshold')).toEqual({ t, v: 999_900 });
    expect(store.latest('p1.gas.m1.valve')).toEqual({ t, v: 1 });
    // 0-0:98.1.0: the three past months' peaks land in the month-peak series at their own times
    const peaks = store.read('p1.electricity.import.month-peak', {
      from: 0,
      to: t + 1,
      resolution: 'raw',
      aggregate: 'mean',
    });
    expect(peaks.map((p) => p.v)).toEqual([4318, 5980, 3695, expect.any(Number)]);
    expect(peaks[0].t).toBe(Date.parse('2020-02-10T03:54:21+01:00'));

    const firstRun = writeTotals(store);
    // one reading per datasource, and the month-peak series also gets the three past peaks
    expect(firstRun.written).toBe(firstRun.batches + 3);
    const again = new DsmrDriver(config);
    await again.start(ctx, new AbortController().signal);
    await again.finished();
    expect(ctx.counters.telegrams).toBe(2);
    expect(
      store.read('p1.electricity.import.t1', { from: 0, to: t + 1, resolution: 'raw', aggregate: 'mean' }),
    ).toHaveLength(1);
    // Every reading of the second replay was a duplicate (first write wins): its audited writes stored nothing.
    expect(writeTotals(store)).toEqual({ batches: 2 * firstRun.batches, written: firstRun.written });
  });

  it("runs under the box's buffered driver context: stored once committed, counters in the status", async () => {
    const store = memoryStore();
    const status: DriverStatus = { state: 'starting', counters: {} };
    const ctx = new BufferedDriverContext({ instanceId: 'p1-box', store, status, log: () => {} });
    const config = dsmrConfigSchema.parse({
      source: 'file',
      path: sharedFixture('dsmr/nl_dsmr42_kaifa_crc_valid.txt'),
    });
    const driver = new DsmrDriver(config);
    await driver.start(ctx, new AbortController().signal);
    await driver.finished();
    await ctx.close();
    expect(status.counters).toMatchObject({ telegrams: 1, crcErrors: 0, parseErrors: 0 });
    // SOURCES.md §1, DSMR 4.2: total import 3016.829 kWh, 2027 W at 2016-11-13T19:57:57Z; gas 981.443 m³.
    const t = Date.parse('2016-11-13T19:57:57Z');
    expect(store.latest('p1.electricity.import.total')).toEqual({ t, v: 3016.829 });
    expect(store.latest('p1.electricity.import.power')).toEqual({ t, v: 2027 });
    expect(store.latest('p1.gas.m1')).toEqual({ t: Date.parse('2016-11-29T19:00:00Z'), v: 981.443 });
    expect(store.getDatasource('p1.gas.m1').driver).toBe('p1-box');
  });

  it('throws from start when the replay file does not exist', async () => {
    const ctx = new StoreContext(memoryStore(), 'p1-home');
    const driver = new DsmrDriver(dsmrConfigSchema.parse({ source: 'file', path: '/nonexistent/p1.txt' }));
    await expect(driver.start(ctx, new AbortController().signal)).rejects.toThrow(/\/nonexistent\/p1\.txt/);
  });
});

/** Audited `readings.write` entries of the driver and the readings they stored. */
function writeTotals(store: Store): { batches: number; written: number } {
  return store.db
    .prepare(
      `SELECT count(*) AS batches, sum(json_extract(details, '$.written')) AS written FROM audit
       WHERE action = 'readings.write' AND actor = 'driver:p1-home'`,
    )
    .get() as { batches: number; written: number };
}

describeWithSharedFixtures('DsmrDriver over a serial port', () => {
  it('opens 9600 baud as 7E1 and reads telegrams from the port', async () => {
    SerialPortMock.binding.createPort('/dev/ttyP1', { echo: false, record: false });
    let opened: SerialPortMock | undefined;
    const factory: SerialPortFactory = (options, onOpen) => {
      opened = new SerialPortMock(options, onOpen);
      return opened;
    };
    const config = dsmrConfigSchema.parse({ source: 'serial', device: '/dev/ttyP1', baudRate: 9600 });
    const source = new SerialByteSource({ device: '/dev/ttyP1', baudRate: 9600 }, factory);
    const store = memoryStore();
    const ctx = new StoreContext(store, 'p1-serial');
    const driver = new DsmrDriver(config, { source });
    await driver.start(ctx, new AbortController().signal);
    expect(ctx.errors).toEqual([]);
    expect(ctx.state).toBe(true);
    const binding = opened?.port;
    expect(binding?.openOptions).toMatchObject({ baudRate: 9600, dataBits: 7, parity: 'even', stopBits: 1 });
    binding?.emitData(readSharedFixture('dsmr/nl_dsmr50_iskra_crc_valid.txt'));
    for (let i = 0; i < 100 && !ctx.counters.telegrams; i++) await new Promise((r) => setTimeout(r, 10));
    await driver.stop();
    expect(ctx.state).toBe(false);
    expect(store.latest('p1.electricity.import.power')).toEqual({
      t: Date.parse('2017-01-02T18:20:02Z'),
      v: 244,
    });
  });
});
