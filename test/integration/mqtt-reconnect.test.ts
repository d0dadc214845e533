import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { DriverManager } from '../../box/drivers/driver-manager.ts';
import { Store } from '../../box/store/store.ts';
import { DRIVER_TYPES } from '../../drivers/registry.ts';
import { freePort, MosquittoProcess } from '../box/drivers/mosquitto-process.ts';
import { describeWithMosquitto } from '../helpers/services.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-mqtt-reconnect-');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function publish(port: number, topic: string, values: number[]): Promise<void> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `pub-${randomUUID()}` });
  for (const v of values) await client.publishAsync(topic, JSON.stringify({ temperature: v }), { qos: 1 });
  await client.endAsync();
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describeWithMosquitto('MQTT driver across broker restarts', () => {
  it('stores every QoS 1 message exactly once when the broker restarts and messages queue while the box is away', async () => {
    const dir = tempDir();
    const [driverPort, publisherPort] = [await freePort(), await freePort()];
    const broker = new MosquittoProcess(dir);
    await broker.start([driverPort, publisherPort]);
    cleanups.push(() => broker.stop());

    const store = Store.open(join(dir, 'box.db'));
    const drivers = new DriverManager({ store, types: DRIVER_TYPES, log: () => {} });
    cleanups.push(async () => {
      await drivers.stop();
      store.close();
    });
    await drivers.start(new AbortController().signal);
    const prefix = `rc-${randomUUID().slice(0, 8)}`;
    await drivers.add({
      id: 'home',
      type: 'mqtt',
      config: {
        url: `mqtt://127.0.0.1:${driverPort}`,
        topicPrefix: prefix,
        topics: ['zigbee2mqtt/#'],
        clientId: `databox-test-${prefix}`,
        reconnectPeriodMs: 100,
        maxReconnectPeriodMs: 400,
      },
    });
    expect(drivers.get('home').status.state).toBe('connected');
    const topic = `${prefix}/zigbee2mqtt/lab`;
    const source = 'z2m.lab.temperature';
    const values = () =>
      (
        store.read(source, {
          from: 0,
          to: Date.now() + 60_000,
          resolution: 'raw',
          aggregate: 'mean',
        }) as Array<{
          v: number;
        }>
      ).map((r) => r.v);
    const stored = () => (store.catalogue.find(source) ? values().length : 0);

    // 1. connected: 1..50
    await publish(publisherPort, topic, range(1, 50));
    await until(() => stored() === 50, '50 readings');

    // 2. the broker goes away; the driver notices
    await broker.stop();
    await until(
      () => drivers.get('home').status.state === 'disconnected',
      'the driver to report disconnected',
    );

    // 3. the broker is back on the publishers' port only: 51..150 queue for the driver's offline session
    await broker.start([publisherPort]);
    await publish(publisherPort, topic, range(51, 150));
    await broker.stop(); // persisted to disk, queue included

    // 4. the broker restarts with both ports; the driver reconnects and gets the queue, then 151..200 live
    await broker.start([driverPort, publisherPort]);
    await until(() => drivers.get('home').status.state === 'connected', 'the driver to reconnect');
    await publish(publisherPort, topic, range(151, 200));
    await until(() => stored() >= 200, '200 readings');
    await new Promise((r) => setTimeout(r, 500)); // a late duplicate would show up by now

    expect(values()).toEqual(range(1, 200)); // stored in order, each exactly once
    const status = drivers.get('home').status;
    expect(status.counters.messages).toBe(200);
    expect(status.counters.readings).toBe(200);
    expect(status.restarts).toBe(0); // reconnects are the driver's own business, not manager restarts
  });
});
