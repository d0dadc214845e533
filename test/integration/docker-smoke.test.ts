import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import { connect, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDockerClient, pingDocker } from '../../box/containers/docker-client.ts';
import { APP_CONTAINER_USER, hardenedHostConfig } from '../../box/containers/hardened-host-config.ts';
import { ensureNodeBaseImage } from '../../box/containers/node-image.ts';
import { runContainer } from '../../box/containers/run-container.ts';
import { describeWithDocker } from '../helpers/services.ts';

// Runs inside the container: reports what an app could see and do. Plain CommonJS for `node -e`.
const PROBE = String.raw`
const fs = require('fs'), net = require('net'), os = require('os');
const attempt = (host, port) => new Promise((resolve) => {
  const socket = net.connect({ host, port });
  const timer = setTimeout(() => { socket.destroy(); resolve('timeout'); }, 2000);
  socket.once('connect', () => { clearTimeout(timer); socket.destroy(); resolve('connected'); });
  socket.once('error', (e) => { clearTimeout(timer); resolve(e.code || e.message); });
});
const write = (path) => { try { fs.writeFileSync(path, 'x'); return 'ok'; } catch (e) { return e.code; } };
(async () => {
  const connects = {};
  for (const t of JSON.parse(process.env.PROBE_TARGETS)) connects[t.host + ':' + t.port] = await attempt(t.host, t.port);
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (name) => (status.match(new RegExp('^' + name + ':\\s*(\\S+)', 'm')) || [])[1];
  console.log(JSON.stringify({
    uid: process.getuid(), gid: process.getgid(), interfaces: os.networkInterfaces(), connects,
    rootWrite: write('/probe'), tmpWrite: write('/tmp/probe'), capEff: field('CapEff'), noNewPrivs: field('NoNewPrivs'),
  }));
})();
`;

// Runs inside the container: one request over the bind-mounted unix socket, prints the reply.
const SOCKET_CLIENT = `
const http = require('http');
const req = http.request({ socketPath: '/run/databox/app.sock', path: '/v1/hello', method: 'GET',
  headers: { authorization: 'Bearer ' + process.env.RUN_TOKEN } }, (res) => {
  let body = ''; res.on('data', (c) => body += c);
  res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body })));
});
req.on('error', (e) => { console.log(JSON.stringify({ error: e.code || e.message })); process.exitCode = 3; });
req.end();
`;

describeWithDocker('Docker smoke test: hardened app containers', () => {
  let docker: Docker;
  let image: string;

  beforeAll(async () => {
    docker = createDockerClient();
    await pingDocker(docker);
    image = await ensureNodeBaseImage(docker, { onProgress: (line) => console.log(line) });
  }, 300_000);

  it('runs node as nobody with only loopback, no reachable address and a read-only root', async () => {
    // A TCP server on all host interfaces: the host can reach it, the container must not.
    const server: TcpServer = createTcpServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const hostAddresses = Object.values(networkInterfaces())
        .flat()
        .filter((a) => a !== undefined && a.family === 'IPv4')
        .map((a) => a!.address);
      await expect(canConnect('127.0.0.1', port)).resolves.toBe(true); // the server really listens
      const targets = [
        { host: '127.0.0.1', port: 1883 }, // the box's MQTT broker port, as seen from inside
        { host: '1.1.1.1', port: 53 }, // the internet
        { host: '172.17.0.1', port }, // docker0's usual gateway address
        ...hostAddresses.map((host) => ({ host, port })),
      ];

      const result = await runContainer(
        docker,
        {
          Image: image,
          Cmd: ['-e', PROBE],
          Env: [`PROBE_TARGETS=${JSON.stringify(targets)}`],
          User: APP_CONTAINER_USER,
          HostConfig: hardenedHostConfig({ memoryBytes: 128 * 1024 * 1024, pidsLimit: 32 }),
        },
        { timeoutMs: 60_000 },
      );

      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
      const report = JSON.parse(result.stdout) as {
        uid: number;
        gid: number;
        interfaces: Record<string, Array<{ internal: boolean }>>;
        connects: Record<string, string>;
        rootWrite: string;
        tmpWrite: string;
        capEff: string;
        noNewPrivs: string;
      };
      expect(report.uid).toBe(65534);
      expect(report.gid).toBe(65534);
      expect(Object.keys(report.interfaces).filter((name) => name !== 'lo')).toEqual([]);
      expect(
        Object.values(report.interfaces)
          .flat()
          .every((a) => a.internal),
      ).toBe(true);
      expect(Object.keys(report.connects)).toHaveLength(targets.length);
      for (const [target, outcome] of Object.entries(report.connects)) {
        expect({ target, outcome }).not.toEqual({ target, outcome: 'connected' });
      }
      expect(report.rootWrite).toBe('EROFS');
      expect(report.tmpWrite).toBe('ok');
      expect(report.capEff).toBe('0000000000000000');
      expect(report.noNewPrivs).toBe('1');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 120_000);

  it('reaches an HTTP server on a unix socket bind-mounted from the host', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'databox-socket-'));
    const nonce = randomUUID();
    const token = randomUUID();
    const seen: Array<{ url?: string; authorization?: string }> = [];
    const server: HttpServer = createServer((req, res) => {
      seen.push({ url: req.url, authorization: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ nonce }));
    });
    try {
      // nobody (65534) inside must be able to traverse the folder and write to the socket.
      await chmod(dir, 0o755);
      const socketPath = join(dir, 'app.sock');
      await new Promise<void>((resolve) => server.listen(socketPath, resolve));
      await chmod(socketPath, 0o666);

      const result = await runContainer(docker, {
        Image: image,
        Cmd: ['-e', SOCKET_CLIENT],
        Env: [`RUN_TOKEN=${token}`],
        User: APP_CONTAINER_USER,
        HostConfig: hardenedHostConfig({ binds: [{ hostPath: dir, containerPath: '/run/databox' }] }),
      });

      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ status: 200, body: JSON.stringify({ nonce }) });
      expect(seen).toEqual([{ url: '/v1/hello', authorization: `Bearer ${token}` }]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  afterAll(async () => {
    // runContainer removes its containers; make sure none of ours is left behind by a crash.
    const left = await docker?.listContainers({ all: true, filters: { ancestor: [image] } });
    // App runs of other test files (ContainerRuntime labels them) may be in progress at the same time.
    expect((left ?? []).filter((c) => c.Labels['org.databox.role'] !== 'app-run')).toEqual([]);
  });
});

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
