import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterEach, expect, it, vi } from 'vitest';
import { Box } from '../../box/box.ts';
import { main } from '../../box/cli/main.ts';
import { describeWithMosquitto, mqttUrl } from '../helpers/services.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-mqtt-box-');
const boxes: Box[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const box of boxes.splice(0)) await box.stop();
});

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startBox(home: string): Promise<Box> {
  const box = new Box({ home, port: 0, log: () => {} });
  boxes.push(box);
  await box.start();
  return box;
}

describeWithMosquitto('MQTT driver in a running box', () => {
  it('is added through the CLI and the running box, ingests, and comes back after a box restart', async () => {
    const home = tempDir();
    const prefix = `box-${randomUUID().slice(0, 8)}`;
    const first = await startBox(home);
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args) => void out.push(args.join(' ')));
    const code = await main([
      'driver',
      'add',
      'mqtt',
      '--home',
      home,
      '--url',
      first.url,
      '--id',
      'home',
      '--broker',
      mqttUrl(),
      '--topic-prefix',
      prefix,
      '--set',
      `clientId="databox-${prefix}"`,
    ]);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/added driver home, connected \(through the box at http:/);

    const publisher = await mqtt.connectAsync(mqttUrl(), { clientId: `pub-${prefix}` });
    try {
      await publisher.publishAsync(`${prefix}/zigbee2mqtt/porch`, '{"temperature":11.5}', { qos: 1 });
      const readings = (box: Box) =>
        box.store.catalogue.find('z2m.porch.temperature')
          ? box.store
              .read('z2m.porch.temperature', {
                from: 0,
                to: Date.now() + 60_000,
                resolution: 'raw',
                aggregate: 'mean',
              })
              .map((r) => r.v)
          : [];
      await until(() => readings(first).length === 1, 'the first reading');
      await first.stop();
      boxes.splice(0);

      // published while no box runs: queued by the broker for the persistent session
      await publisher.publishAsync(`${prefix}/zigbee2mqtt/porch`, '{"temperature":12}', { qos: 1 });

      const second = await startBox(home);
      expect(second.drivers.list().map((d) => [d.id, d.type, d.status.state])).toEqual([
        ['home', 'mqtt', 'connected'],
      ]);
      await publisher.publishAsync(`${prefix}/zigbee2mqtt/porch`, '{"temperature":12.5}', { qos: 1 });
      await until(() => readings(second).length === 3, 'three readings');
      expect(readings(second)).toEqual([11.5, 12, 12.5]);

      const res = await fetch(`${second.url}/api/v1/drivers/home`, {
        headers: { authorization: `Bearer ${second.adminToken.token}` },
      });
      const { driver } = (await res.json()) as { driver: { status: { counters: Record<string, number> } } };
      expect(driver.status.counters).toMatchObject({ messages: 2, readings: 2 }); // counters restart with the box
    } finally {
      await publisher.endAsync();
    }
  });
});
