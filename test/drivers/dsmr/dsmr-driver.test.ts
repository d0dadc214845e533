import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { DatasourceSpec, Reading } from '../../../box/store/types.ts';
import type { DriverContext } from '../../../drivers/driver.ts';
import { DsmrDriver, dsmrConfigSchema } from '../../../drivers/dsmr/dsmr-driver.ts';
import { describeWithSharedFixtures, readSharedFixture } from '../../helpers/shared-fixtures.ts';

/** A DriverContext that records everything the driver does. */
class RecordingContext implements DriverContext {
  readonly instanceId = 'p1-test';
  readonly specs = new Map<string, DatasourceSpec>();
  readonly readings = new Map<string, Reading[]>();
  readonly counters: Record<string, number> = {};
  readonly errors: string[] = [];
  readonly connected: boolean[] = [];
  constructor(readonly clock: number) {}
  registerDatasource(spec: DatasourceSpec): void {
    this.specs.set(spec.id, spec);
  }
  async write(sourceId: string, readings: Reading[]): Promise<void> {
    if (!this.specs.has(sourceId)) throw new Error(`write to unregistered ${sourceId}`);
    this.readings.set(sourceId, [...(this.readings.get(sourceId) ?? []), ...readings]);
  }
  async writeEvents(): Promise<void> {}
  setConnected(connected: boolean): void {
    this.connected.push(connected);
  }
  reportError(error: unknown): void {
    this.errors.push((error as Error).message);
  }
  count(name: string, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
  }
  log(): void {}
  now(): number {
    return this.clock;
  }
  at(sourceId: string, t: number): number | undefined {
    return this.readings.get(sourceId)?.find((r) => r.t === t)?.v;
  }
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Sends `bytes` in chunks of the given sizes (cycled), yielding to the event loop between them. */
async function sendInChunks(socket: Socket, bytes: Buffer, sizes: number[]): Promise<void> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length];
    socket.write(bytes.subarray(at, at + size));
    at += size;
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** A P1 dongle on 127.0.0.1 that sends `bytes` to each client and then keeps the socket open. */
async function p1Server(
  bytes: Buffer,
  port = 0,
): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    void sendInChunks(socket, bytes, [7, 13, 1, 64, 3, 250]);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as { port: number }).port, sockets };
}

async function closeServer(p: { server: Server; sockets: Set<Socket> }): Promise<void> {
  for (const socket of p.sockets) socket.destroy();
  await new Promise((resolve) => p.server.close(resolve));
}

const DSMR42 = 'dsmr/nl_dsmr42_kaifa_crc_valid.txt';
const DSMR50 = 'dsmr/nl_dsmr50_iskra_crc_valid.txt';
const FLUVIUS = 'dsmr/be_emucs_fluvius_v171_crc_valid.txt';
const SPEC_BAD_CRC = 'dsmr/nl_dsmr502_spec_example_crc_mismatch.txt';
const DSMR22 = 'dsmr/nl_dsmr22_iskra_MT382_no_crc.txt';
const utc = (iso: string) => Date.parse(iso);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describeWithSharedFixtures('DsmrDriver over TCP', () => {
  it('stores telegrams sent in odd chunks, rejects corrupt ones, and reconnects after the dongle restarts', async () => {
    const dsmr42 = readSharedFixture(DSMR42);
    // dsmr_parser's own CRC test: drop the 1-0:1.8.1 line so the CRC no longer matches.
    const dsmr42Cut = Buffer.from(
      dsmr42.toString('latin1').replace(/1-0:1\.8\.1\([^)]*\)\r\n/, ''),
      'latin1',
    );
    expect(dsmr42Cut.length).toBeLessThan(dsmr42.length);
    const first = Buffer.concat([
      Buffer.from('noise before the first header\r\n'),
      dsmr42,
      readSharedFixture(SPEC_BAD_CRC),
      dsmr42Cut,
      readSharedFixture(DSMR50),
    ]);
    const dongle = await p1Server(first);
    const ctx = new RecordingContext(utc('2021-01-01T00:00:00Z'));
    const config = dsmrConfigSchema.parse({ source: 'tcp', host: '127.0.0.1', port: dongle.port });
    const driver = new DsmrDriver(config, { backoff: { initialMs: 20, maxMs: 100 } });
    const controller = new AbortController();
    cleanups.push(async () => {
      controller.abort();
      await driver.stop();
    });
    await driver.start(ctx, controller.signal);
    await waitFor('two good telegrams', () => ctx.counters.telegrams === 2);
    await waitFor('both corrupt telegrams', () => ctx.counters.crcErrors === 2);
    expect(ctx.connected).toEqual([true]);

    // DSMR 4.2 (SOURCES.md §1): 2016-11-13T19:57:57Z.
    const t42 = utc('2016-11-13T19:57:57Z');
    expect(ctx.at('p1.electricity.import.t1', t42)).toBe(1581.123);
    expect(ctx.at('p1.electricity.import.t2', t42)).toBe(1435.706);
    expect(ctx.at('p1.electricity.import.total', t42)).toBe(3016.829);
    expect(ctx.at('p1.electricity.import.power', t42)).toBe(2027);
    expect(ctx.at('p1.l2.import.power', t42)).toBe(1247);
    expect(ctx.at('p1.l2.current', t42)).toBe(6);
    expect(ctx.at('p1.power-failures.short', t42)).toBe(15);
    expect(ctx.at('p1.power-failures.long', t42)).toBe(7);
    expect(ctx.at('p1.gas.m1', utc('2016-11-29T19:00:00Z'))).toBe(981.443);
    // DSMR 5.0: 2017-01-02T18:20:02Z.
    const t50 = utc('2017-01-02T18:20:02Z');
    expect(ctx.at('p1.electricity.import.t1', t50)).toBe(4.426);
    expect(ctx.at('p1.electricity.import.total', t50)).toBe(6.825);
    expect(ctx.at('p1.electricity.export.t1', t50)).toBe(2.444);
    expect(ctx.at('p1.electricity.import.power', t50)).toBe(244);
    expect(ctx.at('p1.l3.voltage', t50)).toBe(229);
    expect(ctx.at('p1.l1.current', t50)).toBe(0.48);
    expect(ctx.at('p1.tariff', t50)).toBe(2);
    expect(ctx.at('p1.gas.m1', utc('2017-01-02T15:10:05Z'))).toBe(0.107);
    // Nothing of the corrupt telegrams: the spec example's 123456.789 kWh registers never appear.
    const t1 = ctx.readings.get('p1.electricity.import.t1') ?? [];
    expect(t1.map((r) => r.t)).toEqual([t42, t50]);
    expect(ctx.errors.filter((m) => m.includes('CRC mismatch'))).toHaveLength(2);
    expect(ctx.specs.get('p1.gas.m1')).toMatchObject({
      kind: 'gas.volume',
      unit: 'm³',
      valueType: 'counter',
      driver: 'p1-test',
    });
    expect(ctx.specs.get('p1.electricity.import.power')).toMatchObject({ unit: 'W', valueType: 'gauge' });

    // The dongle goes away: the driver reports it and keeps retrying.
    await closeServer(dongle);
    await waitFor('disconnect', () => ctx.connected.at(-1) === false);
    await new Promise((r) => setTimeout(r, 150)); // a few refused attempts
    const back = await p1Server(
      Buffer.concat([readSharedFixture(FLUVIUS), readSharedFixture(DSMR22)]),
      dongle.port,
    );
    cleanups.push(() => closeServer(back));
    await waitFor('reconnect', () => ctx.connected.at(-1) === true);
    await waitFor('telegrams after reconnect', () => ctx.counters.telegrams === 4);
    expect(ctx.errors.some((m) => m.includes('ECONNREFUSED'))).toBe(true);

    // e-MUCS (SOURCES.md §1): 2020-05-12T11:54:09Z, capacity tariff, gas and water on M-Bus.
    const tBe = utc('2020-05-12T11:54:09Z');
    expect(ctx.at('p1.electricity.import.t2', tBe)).toBe(15.758);
    expect(ctx.at('p1.electricity.export.t2', tBe)).toBe(0.011);
    expect(ctx.at('p1.electricity.import.demand', tBe)).toBe(2351);
    expect(ctx.at('p1.electricity.import.month-peak', utc('2020-05-09T11:45:58Z'))).toBe(2589);
    expect(ctx.at('p1.gas.m1', utc('2020-05-12T11:45:58Z'))).toBe(112.384);
    expect(ctx.at('p1.water.m2', utc('2020-05-12T11:45:58Z'))).toBe(872.234);
    // DSMR 2.2 has no CRC and no timestamp: accepted, stamped with the time it was received.
    expect(ctx.at('p1.electricity.import.t1', ctx.clock)).toBe(1.001);
    expect(ctx.at('p1.electricity.import.power', ctx.clock)).toBe(1010);
    expect(ctx.counters.crcErrors).toBe(2);
    expect(ctx.counters.parseErrors).toBe(0);
  });

  it('keeps a corrupt telegram when requireCrc is off, still counting it', async () => {
    const dongle = await p1Server(readSharedFixture(SPEC_BAD_CRC));
    cleanups.push(() => closeServer(dongle));
    const ctx = new RecordingContext(0);
    const config = dsmrConfigSchema.parse({
      source: 'tcp',
      host: '127.0.0.1',
      port: dongle.port,
      requireCrc: false,
      prefix: 'meter',
    });
    const driver = new DsmrDriver(config);
    cleanups.push(() => driver.stop());
    await driver.start(ctx, new AbortController().signal);
    await waitFor('the telegram', () => ctx.counters.telegrams === 1);
    expect(ctx.counters.crcErrors).toBe(1);
    const t = utc('2010-12-09T10:30:20Z');
    expect(ctx.at('meter.electricity.import.t1', t)).toBe(123456.789);
    expect(ctx.at('meter.electricity.import.power', t)).toBe(1193);
    expect(ctx.at('meter.gas.m1', utc('2010-12-09T10:25:00Z'))).toBe(12785.123);
  });
});

it('reconnects when a TCP dongle keeps the socket open but goes silent', async () => {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => closeServer({ server, sockets }));
  const port = (server.address() as { port: number }).port;
  const ctx = new RecordingContext(0);
  const config = dsmrConfigSchema.parse({ source: 'tcp', host: '127.0.0.1', port, idleTimeoutS: 1 });
  const driver = new DsmrDriver(config, { backoff: { initialMs: 20, maxMs: 100 } });
  cleanups.push(() => driver.stop());
  await driver.start(ctx, new AbortController().signal);
  await waitFor('a second connection', () => connections >= 2, 5000);
  expect(ctx.errors).toContain(`tcp 127.0.0.1:${port}: no data for 1000 ms`);
  expect(ctx.connected.slice(0, 3)).toEqual([true, false, true]);
});

it('lists every missing field of a config, by path', () => {
  const result = dsmrConfigSchema.safeParse({ source: 'tcp', baudRate: 57600, prefix: 'P1!' });
  expect(result.success).toBe(false);
  const paths = result.error?.issues.map((i) => i.path.join('.')).sort();
  expect(paths).toEqual(['baudRate', 'host', 'port', 'prefix']);
  expect(result.error?.issues.find((i) => i.path[0] === 'baudRate')?.message).toMatch(/115200 .* or 9600/);
  expect(result.error?.issues.find((i) => i.path[0] === 'host')?.message).toBe('required when source is tcp');
  expect(dsmrConfigSchema.parse({ source: 'serial', device: '/dev/ttyUSB0' })).toMatchObject({
    baudRate: 115200,
    prefix: 'p1',
    requireCrc: true,
  });
});
