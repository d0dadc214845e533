import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import type { DriverContext } from '../../../drivers/driver.ts';
import { mqttConfigSchema } from '../../../drivers/mqtt/mqtt-config.ts';
import { MqttDriver } from '../../../drivers/mqtt/mqtt-driver.ts';
import { freePort, MosquittoProcess } from '../../box/drivers/mosquitto-process.ts';
import { describeWithMosquitto } from '../../helpers/services.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-mqtt-redelivery-');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describeWithMosquitto('MQTT driver: a message stored while the connection dropped', () => {
  it('is acknowledged on redelivery without being stored twice', async () => {
    const port = await freePort();
    const broker = new MosquittoProcess(tempDir());
    await broker.start([port]);
    cleanups.push(() => broker.stop());
    const url = `mqtt://127.0.0.1:${port}`;
    const prefix = `rd-${randomUUID().slice(0, 8)}`;

    const writes: number[] = [];
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    let connected = false;
    const ctx: DriverContext = {
      instanceId: 'rd',
      registerDatasource: () => {},
      write: async (_id, readings) => {
        writes.push(...readings.map((r) => r.v));
        await slow; // the store is busy until released
      },
      writeEvents: async () => {},
      setConnected: (c) => {
        connected = c;
      },
      reportError: () => {},
      count: () => {},
      log: () => {},
      now: () => Date.now(),
    };
    const driver = new MqttDriver(
      mqttConfigSchema.parse({
        url,
        topicPrefix: prefix,
        topics: ['zigbee2mqtt/#'],
        clientId: `databox-${prefix}`,
        reconnectPeriodMs: 100,
        maxReconnectPeriodMs: 200,
      }),
    );
    await driver.start(ctx, new AbortController().signal);
    cleanups.push(() => driver.stop());

    const publisher = await mqtt.connectAsync(url, { clientId: `pub-${prefix}` });
    await publisher.publishAsync(`${prefix}/zigbee2mqtt/attic`, '{"temperature":7}', { qos: 1 });
    await publisher.endAsync();
    await until(() => writes.length === 1, 'the first delivery');

    // the broker restarts while the write is still in progress: the message is unacknowledged
    await broker.stop();
    await until(() => !connected, 'the disconnect');
    await broker.start([port]);
    await until(() => connected, 'the reconnect');
    await until(() => driver.redelivered === 1, 'the redelivery (DUP)');
    release();

    // acked now: a fresh connection of the same session gets nothing more
    await driver.stop();
    const again = new MqttDriver(
      mqttConfigSchema.parse({
        url,
        topicPrefix: prefix,
        topics: ['zigbee2mqtt/#'],
        clientId: `databox-${prefix}`,
      }),
    );
    await again.start(ctx, new AbortController().signal);
    cleanups.push(() => again.stop());
    await new Promise((r) => setTimeout(r, 300));
    expect(writes).toEqual([7]);
    expect(driver.redelivered).toBe(1);
  });
});
