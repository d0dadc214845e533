import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DriverManager } from '../../../box/drivers/driver-manager.ts';
import { Store } from '../../../box/store/store.ts';
import { DRIVER_TYPES } from '../../../drivers/registry.ts';
import { freePort, MosquittoProcess } from '../../box/drivers/mosquitto-process.ts';
import { describeWithMosquitto } from '../../helpers/services.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-mqtt-tls-');
let dir: string;
let broker: MosquittoProcess;
let port: number;
let store: Store;
let drivers: DriverManager;

/** A throw-away CA and a server certificate for 127.0.0.1 signed by it (openssl). */
function makeCertificates(at: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: at, stdio: 'ignore' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Databox test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  writeFileSync(join(at, 'san.ext'), 'subjectAltName = IP:127.0.0.1\n');
  ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.pem',
  );
  // a second, unrelated CA: the broker's certificate must not verify against it
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Other CA',
    '-keyout',
    'other.key',
    '-out',
    'other.pem',
  );
}

describeWithMosquitto('MQTT driver over TLS with a password', () => {
  beforeEach(async () => {
    dir = tempDir();
    makeCertificates(dir);
    execFileSync('mosquitto_passwd', ['-b', '-c', join(dir, 'passwd'), 'databox', 'correct horse']);
    port = await freePort();
    broker = new MosquittoProcess(dir);
    await broker.start(
      [port],
      [
        `cafile ${dir}/ca.pem`,
        `certfile ${dir}/server.pem`,
        `keyfile ${dir}/server.key`,
        `password_file ${dir}/passwd`,
        'allow_anonymous false',
      ],
    );
    store = Store.open(':memory:');
    drivers = new DriverManager({
      store,
      types: DRIVER_TYPES,
      log: () => {},
      backoff: { initialMs: 60_000 },
    });
    await drivers.start(new AbortController().signal);
  });

  afterEach(async () => {
    await drivers.stop();
    store.close();
    await broker.stop();
  });
  it('connects with the CA file and credentials and stores what is published', async () => {
    expect(existsSync(join(dir, 'server.pem'))).toBe(true);
    const prefix = `tls-${randomUUID().slice(0, 8)}`;
    const config = {
      url: `mqtts://127.0.0.1:${port}`,
      ca: join(dir, 'ca.pem'),
      username: 'databox',
      topicPrefix: prefix,
    };
    const view = await drivers.add({
      id: 'tls',
      type: 'mqtt',
      config: { ...config, password: 'correct horse' },
    });
    expect(view.status.state).toBe('connected');
    const publisher = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
      ca: readFileSync(join(dir, 'ca.pem')),
      username: 'databox',
      password: 'correct horse',
    });
    await publisher.publishAsync(`${prefix}/zigbee2mqtt/cellar`, '{"humidity":71}', { qos: 1 });
    await publisher.endAsync();
    const end = Date.now() + 5_000;
    while (!store.catalogue.find('z2m.cellar.humidity') && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20));
    expect(store.latest('z2m.cellar.humidity')?.v).toBe(71);
  });

  it('reports a wrong password and an untrusted certificate as failed starts', async () => {
    const url = `mqtts://127.0.0.1:${port}`;
    await drivers.add({
      id: 'badpw',
      type: 'mqtt',
      config: {
        url,
        ca: join(dir, 'ca.pem'),
        username: 'databox',
        password: 'wrong',
        connectTimeoutMs: 3_000,
      },
    });
    const badpw = drivers.get('badpw').status;
    expect(badpw.state).toBe('failed');
    expect(badpw.lastError?.message).toMatch(
      /cannot connect to mqtts:\/\/127\.0\.0\.1:\d+: .*(Not authorized|Bad User Name or Password)/,
    );

    await drivers.add({
      id: 'badca',
      type: 'mqtt',
      config: {
        url,
        ca: join(dir, 'other.pem'),
        username: 'databox',
        password: 'correct horse',
        connectTimeoutMs: 3_000,
      },
    });
    const badca = drivers.get('badca').status;
    expect(badca.state).toBe('failed');
    expect(badca.lastError?.message).toMatch(/self[- ]signed|unable to (get|verify)|certificate/i);
  });
});
