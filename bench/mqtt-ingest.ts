/**
 * End-to-end MQTT ingest: N Zigbee2MQTT-style messages from a private mosquitto, measured until
 * the box's MQTT driver has them durably stored (committed SQLite transactions, QoS 1 acked only
 * after that), against a plain mqtt.js subscriber that only counts the same messages in the same
 * run (see `run` for how).
 *
 *   node --import tsx bench/mqtt-ingest.ts [N]      (default N = 20000; needs /usr/sbin/mosquitto)
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { DriverManager } from '../box/drivers/driver-manager.ts';
import { Store } from '../box/store/store.ts';
import { DRIVER_TYPES } from '../drivers/registry.ts';
import { freePort, MosquittoProcess } from '../test/box/drivers/mosquitto-process.ts';
import { REPO_ROOT } from '../test/helpers/box-process.ts';
import { type BenchRow, printTable } from './table.ts';

const N = Number(process.argv[2] ?? 20_000);
const DEVICES = 10;

async function until(check: () => boolean): Promise<number> {
  while (!check()) await new Promise((r) => setTimeout(r, 2));
  return performance.now();
}

/**
 * Both subscribers first make a persistent session and go away; N messages are published and
 * queued by the broker for both; then the counter connects and is timed until it has counted N,
 * and after it the box's driver starts and is timed until all 2N readings are stored. Measuring the drain of a queue keeps the publisher (one
 * mqtt.js client, slower than either subscriber) out of the result.
 */
async function run(url: string, qos: 0 | 1, dir: string) {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const counterOptions = { clientId: `count-${prefix}`, clean: false };
  const setup = await mqtt.connectAsync(url, counterOptions);
  await setup.subscribeAsync(`${prefix}/zigbee2mqtt/#`, { qos });
  await setup.endAsync();

  const store = Store.open(join(dir, `${prefix}.db`)); // the box's default: WAL, synchronous NORMAL
  const drivers = new DriverManager({ store, types: DRIVER_TYPES, log: () => {} });
  await drivers.start(new AbortController().signal);
  await drivers.add({
    id: 'bench',
    type: 'mqtt',
    config: { url, topicPrefix: prefix, topics: ['zigbee2mqtt/#'], qos, clientId: `databox-${prefix}` },
  });
  await drivers.stop();

  const publisher = await mqtt.connectAsync(url, { clientId: `pub-${prefix}` });
  for (let i = 0; i < N; i += 1_000) {
    const chunk: Array<Promise<unknown>> = [];
    for (let j = i; j < Math.min(N, i + 1_000); j++) {
      const payload = JSON.stringify({
        temperature: 20 + (j % 50) / 10,
        humidity: 40 + (j % 30),
        linkquality: 80,
      });
      chunk.push(publisher.publishAsync(`${prefix}/zigbee2mqtt/sensor_${j % DEVICES}`, payload, { qos: 1 }));
    }
    await Promise.all(chunk); // acked by the broker: queued for both sessions
  }
  await publisher.endAsync();

  // one after the other, so neither slows the other down on the shared event loop; the
  // handler is attached before connecting because queued messages follow the CONNACK at once
  let counted = 0;
  const t0 = performance.now();
  const counter = mqtt.connect(url, counterOptions);
  counter.on('message', () => {
    counted++;
  });
  const tCounted = await until(() => counted >= N);
  await counter.endAsync();

  const t1 = performance.now();
  await drivers.start(new AbortController().signal);
  const readings = () => drivers.get('bench').status.counters.readings ?? 0;
  const tStored = await until(() => readings() >= 2 * N);
  const status = drivers.get('bench').status;
  const audits = store.audit.query({ action: 'readings.write' }).length;
  const stored = readings();
  await drivers.stop();
  store.close();
  return {
    counted: N / ((tCounted - t0) / 1000),
    stored: N / ((tStored - t1) / 1000),
    messages: status.counters.messages ?? 0,
    readings: stored,
    audits,
  };
}

/**
 * End to end as devices see it: subscriber connected, then a publisher in its own process (a
 * device fleet) sends N messages as fast as the broker takes them; timed from the first publish
 * to the last message counted (baseline) or durably stored (the driver), one after the other.
 */
async function runLive(url: string, qos: 0 | 1, dir: string) {
  const prefix = `live-${randomUUID().slice(0, 8)}`;
  const publish = () =>
    new Promise<number>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--input-type=module', '-e', PUBLISHER, url, prefix, String(N), String(qos)],
        {
          cwd: REPO_ROOT,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let started = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        if (!started && chunk.toString().includes('go')) started = performance.now();
      });
      child.once('exit', (code) =>
        code === 0 ? resolve(started) : reject(new Error(`publisher exited ${code}`)),
      );
    });

  let counted = 0;
  const counter = await mqtt.connectAsync(url, { clientId: `count-${prefix}` });
  counter.on('message', () => {
    counted++;
  });
  await counter.subscribeAsync(`${prefix}/zigbee2mqtt/#`, { qos });
  const t0 = await publish();
  const tCounted = await until(() => counted >= N);
  await counter.endAsync();

  const store = Store.open(join(dir, `${prefix}.db`));
  const drivers = new DriverManager({ store, types: DRIVER_TYPES, log: () => {} });
  await drivers.start(new AbortController().signal);
  await drivers.add({
    id: 'live',
    type: 'mqtt',
    config: { url, topicPrefix: prefix, topics: ['zigbee2mqtt/#'], qos, clientId: `databox-${prefix}` },
  });
  await until(() => drivers.get('live').status.state === 'connected');
  const t1 = await publish();
  const readings = () => drivers.get('live').status.counters.readings ?? 0;
  const tStored = await until(() => readings() >= 2 * N);
  await drivers.stop();
  store.close();
  return { counted: N / ((tCounted - t0) / 1000), stored: N / ((tStored - t1) / 1000) };
}

/** The publisher process: connects, prints "go", publishes N Zigbee2MQTT-style messages, exits. */
const PUBLISHER = `
import mqtt from 'mqtt';
const [url, prefix, n, qos] = process.argv.slice(1);
const client = await mqtt.connectAsync(url, { clientId: 'pub-' + prefix });
process.stdout.write('go\\n');
for (let i = 0; i < Number(n); i += 1000) {
  const chunk = [];
  for (let j = i; j < Math.min(Number(n), i + 1000); j++) {
    const payload = JSON.stringify({ temperature: 20 + (j % 50) / 10, humidity: 40 + (j % 30), linkquality: 80 });
    chunk.push(client.publishAsync(prefix + '/zigbee2mqtt/sensor_' + (j % ${DEVICES}), payload, { qos: Number(qos) }));
  }
  await Promise.all(chunk);
}
await client.endAsync();
`;

const dir = mkdtempSync(join(tmpdir(), 'databox-bench-mqtt-'));
const broker = new MosquittoProcess(dir);
const port = await freePort();
// no cap on queued messages, so a subscriber that falls behind loses nothing
await broker.start([port], ['max_queued_messages 0', 'queue_qos0_messages true']);
try {
  const url = `mqtt://127.0.0.1:${port}`;
  await run(url, 1, dir); // warm-up (JIT, SQLite page cache)
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  for (const qos of [0, 1] as const) {
    const r = await run(url, qos, dir);
    rows.push({
      name: `QoS ${qos}, drain a queued backlog → durably stored (MqttDriver → SQLite)`,
      value: r.stored,
      unit: 'msg/s',
      baseline: { name: 'mqtt.js subscriber that counts', value: r.counted },
      target: 'diagnostic (no publisher in the loop)',
    });
    notes.push(
      `QoS ${qos}: the driver saw ${r.messages} messages and stored ${r.readings} readings in ${r.audits} audited batches`,
    );
  }
  for (const qos of [0, 1] as const) {
    const r = await runLive(url, qos, dir);
    rows.push({
      name: `QoS ${qos}, end to end: publisher process → durably stored`,
      value: r.stored,
      unit: 'msg/s',
      baseline: { name: 'publisher process → counted', value: r.counted },
      target: '≥ 0.5× baseline',
    });
  }
  printTable(`MQTT ingest, ${N.toLocaleString('en')} messages × 2 readings, ${DEVICES} devices`, rows);
  console.log('');
  for (const note of notes) console.log(note);
  console.log(`\n${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}`);
} finally {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
