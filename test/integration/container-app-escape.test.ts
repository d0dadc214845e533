import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDockerClient } from '../../box/containers/docker-client.ts';
import { ensureNodeBaseImage } from '../../box/containers/node-image.ts';
import { ContainerRuntime } from '../../box/sandbox/container/container-runtime.ts';
import { useTestApps } from '../box/sandbox/container/container-test-app.ts';
import { describeWithDocker } from '../helpers/services.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

// Runs inside the container: tries every way out it can think of and reports what happened.
const PROBE = String.raw`
const fs = require('fs'), net = require('net'), os = require('os'), dgram = require('dgram');
const cp = require('child_process');
const code = (fn) => { try { fn(); return 'ok'; } catch (e) { return e.code || e.message; } };
const connect = (host, port) => new Promise((resolve) => {
  const socket = net.connect({ host, port });
  const timer = setTimeout(() => { socket.destroy(); resolve('timeout'); }, 2000);
  socket.once('connect', () => { clearTimeout(timer); socket.destroy(); resolve('connected'); });
  socket.once('error', (e) => { clearTimeout(timer); resolve(e.code); });
});
const listen = (port) => new Promise((resolve) => {
  const server = net.createServer();
  server.once('error', (e) => resolve(e.code));
  server.listen(port, '127.0.0.1', () => server.close(() => resolve('ok')));
});
const udp = (host, port) => new Promise((resolve) => {
  const socket = dgram.createSocket('udp4');
  socket.send('x', port, host, (e) => { socket.close(); resolve(e ? e.code : 'sent'); });
});
(async () => {
  const targets = JSON.parse(process.argv[2]);
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (name) => (status.match(new RegExp('^' + name + ':\\s*(\\S+)', 'm')) || [])[1];
  const report = {
    uid: process.getuid(),
    capEff: field('CapEff'), capBnd: field('CapBnd'), noNewPrivs: field('NoNewPrivs'), seccomp: field('Seccomp'),
    setuid0: code(() => process.setuid(0)),
    hostPaths: Object.fromEntries(targets.hostPaths.map((p) => [p, code(() => fs.statSync(p))])),
    root: fs.readdirSync('/').sort(),
    interfaces: Object.keys(os.networkInterfaces()),
    routes: fs.readFileSync('/proc/net/route', 'utf8').trim().split('\n').length - 1,
    tcp: {}, udp: {},
    listen80: await listen(80), listen8080: await listen(8080),
    writeRoot: code(() => fs.writeFileSync('/escape', 'x')),
    writeApp: code(() => fs.writeFileSync('/app/escape', 'x')),
    writeSocketDir: code(() => fs.writeFileSync('/run/databox/escape', 'x')),
    writeTmp: code(() => fs.writeFileSync('/tmp/note', 'x')),
  };
  for (const t of targets.tcp) report.tcp[t.host + ':' + t.port] = await connect(t.host, t.port);
  for (const t of targets.tcp) report.udp[t.host + ':' + t.port] = await udp(t.host, t.port);
  fs.writeFileSync('/tmp/run.js', '#!/usr/local/bin/node\nconsole.log(1)\n', { mode: 0o755 });
  // The dynamic loader is a small ELF that runs by itself: a copy in /tmp must not.
  const libDir = fs.existsSync('/lib64') ? '/lib64' : '/lib';
  const loader = libDir + '/' + fs.readdirSync(libDir).find((name) => /^ld-linux.*\.so/.test(name));
  fs.copyFileSync(loader, '/tmp/ld.so');
  fs.chmodSync('/tmp/ld.so', 0o755);
  report.execTmpScript = code(() => cp.execFileSync('/tmp/run.js'));
  report.execTmpBinary = code(() => cp.execFileSync('/tmp/ld.so', ['--version'], { stdio: 'ignore' }));
  report.execImageBinary = code(() => cp.execFileSync(loader, ['--version'], { stdio: 'ignore' }));
  console.log(JSON.stringify(report));
})().catch((e) => { console.error(e.stack); process.exitCode = 2; });
`;

describeWithDocker('container apps cannot get out', () => {
  const app = useTestApps();
  const tempDir = useTempDir('databox-escape-');
  let docker: Docker;
  let hostServer: Server;
  let hostPort: number;

  beforeAll(async () => {
    docker = createDockerClient();
    await ensureNodeBaseImage(docker);
    // Something the host can reach on every interface: the container must reach none of them.
    hostServer = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => hostServer.listen(0, '0.0.0.0', resolve));
    hostPort = (hostServer.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => hostServer?.close(resolve));
  });

  const noop = async () => ({ ok: true });

  it('sees no host files, no network but loopback, a read-only root and app folder, no capabilities and no exec from /tmp', async () => {
    const secretDir = tempDir();
    writeFileSync(join(secretDir, 'box.db'), 'household data');
    const hostAddresses = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    const targets = {
      hostPaths: [
        '/work',
        '/root',
        secretDir,
        join(secretDir, 'box.db'),
        '/var/run/docker.sock',
        '/etc/shadow',
      ],
      // 127.0.0.1 inside is the container's own loopback; the host's addresses are another namespace.
      tcp: [
        { host: '127.0.0.1', port: hostPort },
        ...hostAddresses.map((host) => ({ host, port: hostPort })),
      ],
    };
    const outcome = await new ContainerRuntime({ runRoot: tempDir() }).run({
      runId: 'escape-probe',
      appDir: app({ 'probe.cjs': PROBE }),
      entry: '',
      command: ['/app/probe.cjs', JSON.stringify(targets)],
      limits: { memoryMb: 256, timeoutMs: 30_000 },
      handle: noop,
    });
    expect(outcome.error).toBeUndefined();
    const report = JSON.parse(outcome.logs[0]);

    expect(report.uid).toBe(65534);
    expect(report.capEff).toBe('0000000000000000'); // no CAP_NET_RAW, CAP_SYS_ADMIN, …
    expect(report.capBnd).toBe('0000000000000000');
    expect(report.noNewPrivs).toBe('1');
    expect(report.seccomp).toBe('2'); // the engine's default seccomp filter
    expect(report.setuid0).toBe('EPERM');

    for (const path of targets.hostPaths)
      expect({ path, result: report.hostPaths[path] }).toEqual({ path, result: 'ENOENT' });
    // the root holds the image's few folders and the two mounts, nothing of the host's
    const imageRoot = ['.dockerenv', 'app', 'dev', 'etc', 'lib', 'lib64', 'proc', 'run', 'sys', 'tmp', 'usr'];
    expect(report.root.filter((entry: string) => !imageRoot.includes(entry))).toEqual([]);
    expect(report.root).toContain('app');

    expect(report.interfaces).toEqual(['lo']);
    expect(report.routes).toBe(0); // no route to any address but loopback
    expect(Object.keys(report.tcp)).toHaveLength(targets.tcp.length);
    expect(report.tcp[`127.0.0.1:${hostPort}`]).toBe('ECONNREFUSED');
    for (const host of hostAddresses) {
      expect(report.tcp[`${host}:${hostPort}`]).toBe('ENETUNREACH');
      expect(report.udp[`${host}:${hostPort}`]).toBe('ENETUNREACH');
    }
    expect(report.listen80).toBe('EACCES'); // binding a port < 1024 needs CAP_NET_BIND_SERVICE
    expect(report.listen8080).toBe('ok');

    expect(report.writeRoot).toBe('EROFS');
    expect(report.writeApp).toBe('EROFS');
    expect(report.writeSocketDir).toBe('EROFS');
    expect(report.writeTmp).toBe('ok');
    expect(report.execTmpScript).toBe('EACCES'); // /tmp is noexec
    expect(report.execTmpBinary).toBe('EACCES');
    expect(report.execImageBinary).toBe('ok'); // exec itself works: the refusal is about /tmp
  }, 60_000);

  it('holds a fork bomb at the pids limit and ends the run; the host is fine', async () => {
    const pidsLimit = 32;
    // Spawns node children as fast as it can for 3 s while counting, from inside, every task
    // (process or thread) alive in the container's pid namespace; then reports and keeps them alive.
    const bomb = String.raw`
      const fs = require('fs'), { spawn } = require('child_process');
      let spawned = 0, maxTasks = 0; const errors = {};
      const fail = (e) => { errors[e.code || e.message] = (errors[e.code || e.message] || 0) + 1; };
      const tasks = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))
        .reduce((sum, p) => { try { return sum + fs.readdirSync('/proc/' + p + '/task').length; } catch { return sum; } }, 0);
      const start = Date.now();
      (function more() {
        for (let i = 0; i < 20; i++) {
          try {
            spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
              .on('spawn', () => spawned++).on('error', fail);
          } catch (e) { fail(e); }
        }
        maxTasks = Math.max(maxTasks, tasks());
        if (Date.now() - start < 3000) setTimeout(more, 10);
        else console.log(JSON.stringify({ spawned, errors, maxTasks, pidsMax: fs.readFileSync('/sys/fs/cgroup/pids/pids.max', 'utf8').trim() }));
      })();`;
    const before = await docker.info();
    const outcome = await new ContainerRuntime({ runRoot: tempDir(), pidsLimit }).run({
      runId: 'escape-forkbomb',
      appDir: app({ 'bomb.cjs': bomb }),
      entry: '',
      command: ['/app/bomb.cjs'],
      limits: { memoryMb: 512, timeoutMs: 8_000 },
      handle: noop,
    });
    expect(['timeout', 'error', 'killed']).toContain(outcome.status);
    expect(outcome.status).not.toBe('ok');
    const report = outcome.logs.map((line) => line.trim()).find((line) => line.startsWith('{"spawned"'));
    expect(report).toBeDefined();
    {
      const { spawned, errors, maxTasks, pidsMax } = JSON.parse(report ?? '{}') as {
        spawned: number;
        errors: Record<string, number>;
        maxTasks: number;
        pidsMax: string;
      };
      expect(pidsMax).toBe(String(pidsLimit));
      expect(maxTasks).toBeLessThanOrEqual(pidsLimit);
      expect(errors.EAGAIN).toBeGreaterThan(0); // fork refused at the limit
      expect(spawned).toBeGreaterThan(0);
    }
    // nothing of it is left running and the host can still start processes
    const after = await docker.info();
    expect(after.ContainersRunning).toBeLessThanOrEqual(before.ContainersRunning);
    expect(execFileSync('node', ['-e', 'console.log(6 * 7)']).toString().trim()).toBe('42');
  }, 60_000);

  it('kills an app that goes over its memory limit and says so', async () => {
    const outcome = await new ContainerRuntime({ runRoot: tempDir() }).run({
      runId: 'escape-memory',
      appDir: app({
        // Buffers live outside the V8 heap, so this hits the cgroup limit, not the heap limit.
        'hog.cjs': 'const keep = []; for (;;) keep.push(Buffer.alloc(16 * 1024 * 1024, 1));',
      }),
      entry: '',
      command: ['/app/hog.cjs'],
      limits: { memoryMb: 96, timeoutMs: 20_000 },
      handle: noop,
    });
    expect(outcome).toMatchObject({
      status: 'killed',
      error: 'the app went over its memory limit of 96 MB',
    });
  }, 60_000);

  it('refuses a token from an ended run and from another run with 401', async () => {
    const runtime = new ContainerRuntime({ runRoot: tempDir() });
    const dir = app({
      'leak.cjs':
        'console.log(process.env.DATABOX_RUN_TOKEN); setTimeout(() => {}, Number(process.argv[2] || 0));',
      'reuse.cjs': `
        const { call } = require('./client.cjs');
        (async () => {
          const stale = await call('kv.get', { key: 'x' }, process.argv[2]);
          const own = await call('kv.get', { key: 'x' });
          console.log(JSON.stringify({ stale, own }));
        })();`,
    });
    const calls: string[] = [];
    const handle = async (method: string) => {
      calls.push(method);
      return null;
    };
    const first = await runtime.run({
      runId: 'escape-leak',
      appDir: dir,
      entry: '',
      command: ['/app/leak.cjs'],
      limits: { memoryMb: 128, timeoutMs: 20_000 },
      handle,
    });
    const leaked = first.logs[0];
    expect(leaked).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url

    // a later run presents the ended run's token, then its own
    const later = await runtime.run({
      runId: 'escape-reuse',
      appDir: dir,
      entry: '',
      command: ['/app/reuse.cjs', leaked],
      limits: { memoryMb: 128, timeoutMs: 20_000 },
      handle,
    });
    expect(JSON.parse(later.logs[0])).toEqual({
      stale: { status: 401, body: { error: { code: 'unauthorized', message: expect.any(String) } } },
      own: { status: 200, body: { result: null } },
    });

    // two runs at once: the second presents the first's (still live) token to its own socket
    const running = runtime.run({
      runId: 'escape-live',
      appDir: dir,
      entry: '',
      command: ['/app/leak.cjs', '4000'],
      limits: { memoryMb: 128, timeoutMs: 20_000 },
      handle,
    });
    const liveToken = await waitForToken(docker, 'escape-live');
    const other = await runtime.run({
      runId: 'escape-other',
      appDir: dir,
      entry: '',
      command: ['/app/reuse.cjs', liveToken],
      limits: { memoryMb: 128, timeoutMs: 20_000 },
      handle,
    });
    expect(JSON.parse(other.logs[0]).stale.status).toBe(401);
    expect((await running).status).toBe('ok');
    expect(calls).toEqual(['kv.get', 'kv.get']); // only the runs' own tokens got through
  }, 90_000);
});

/** Reads the token of a running run from its container's environment, as a peeking app might. */
async function waitForToken(docker: Docker, runId: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const [info] = await docker.listContainers({ filters: { label: [`org.databox.run-id=${runId}`] } });
    if (info) {
      const env = (await docker.getContainer(info.Id).inspect()).Config.Env;
      const token = env.find((e) => e.startsWith('DATABOX_RUN_TOKEN='))?.slice('DATABOX_RUN_TOKEN='.length);
      if (token) return token;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${runId} did not start`);
}
