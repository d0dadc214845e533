import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../box/containers/docker-client.ts';
import { ensureNodeBaseImage } from '../../box/containers/node-image.ts';
import { AppApiServer, DEFAULT_MAX_BODY_BYTES } from '../../box/sandbox/container/app-api-server.ts';
import { testManifest } from '../box/apps/app-fixtures.ts';
import { databoxBin, REPO_ROOT, runCli } from '../helpers/box-process.ts';
import { describeWithDocker } from '../helpers/services.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

/**
 * Red team, issue 9 point 5: an app with its API socket tries to exhaust the daemon: thousands of
 * half-open connections (file descriptors), slowloris headers, and 16 MiB bodies in parallel
 * (memory). First in-process against the real server on its real unix socket, then against a
 * real box process (open-file limit 1024) through a real container run's socket.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens `n` connections that send half a request header and then say nothing more. */
async function halfOpen(
  socketPath: string,
  n: number,
): Promise<{ sockets: Socket[]; closedByServer: () => number }> {
  const sockets: Socket[] = [];
  let closed = 0;
  for (let i = 0; i < n; i++) {
    const socket = connect(socketPath);
    socket.on('error', () => {});
    socket.on('close', () => closed++);
    socket.write('POST /v1/call HTTP/1.1\r\nHost: x\r\n');
    sockets.push(socket);
    if (i % 200 === 199) await sleep(5); // let the server accept as we go
  }
  return { sockets, closedByServer: () => closed };
}

/** POSTs a `bytes`-long body; resolves with the status (0 if the server hung up) and bytes it took. */
function bigBody(
  socketPath: string,
  token: string,
  bytes: number,
): Promise<{ status: number; sent: number }> {
  return new Promise((resolve) => {
    let sent = 0;
    let status = 0;
    const req = request({
      socketPath,
      path: '/v1/call',
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-length': bytes,
        'content-type': 'application/json',
      },
    });
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.resume();
    });
    req.on('error', () => {});
    req.on('close', () => resolve({ status, sent }));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    chunk.write('{"method":"kv.set","params":{"key":"k","value":"');
    const pump = () => {
      while (sent < bytes && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]) / 1024;
}

describe('red team: one run cannot exhaust the app API server (in-process, real unix socket)', () => {
  const tempDir = useTempDir('databox-exhaust-');
  const servers: AppApiServer[] = [];
  const open: Socket[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) s.destroy();
    for (const server of servers.splice(0)) await server.close();
  });
  const serve = async (options = {}) => {
    const server = new AppApiServer(async () => ({ ok: true }), options);
    servers.push(server);
    const socket = join(tempDir(), 'api.sock');
    await server.listen(socket);
    return { server, socket };
  };

  it('3,000 half-open connections: at most 8 stay open, the rest are closed at once', async () => {
    // slow timeouts, so only the connection cap can close them within this test
    const { server, socket } = await serve({ headersTimeoutMs: 60_000, idleTimeoutMs: 60_000 });
    const attack = await halfOpen(socket, 3000);
    open.push(...attack.sockets);
    for (let i = 0; i < 40 && attack.closedByServer() < 2992; i++) await sleep(50);
    expect(await server.connections()).toBeLessThanOrEqual(8);
    expect(attack.closedByServer()).toBeGreaterThanOrEqual(2992);
  }, 30_000);

  it('slowloris: connections that never finish their header are dropped, and the app gets in again', async () => {
    const { server, socket } = await serve({ headersTimeoutMs: 400 });
    const attack = await halfOpen(socket, 8);
    open.push(...attack.sockets);
    // keep dribbling header bytes, as slowloris does
    const drip = setInterval(() => {
      for (const s of attack.sockets) if (!s.destroyed) s.write('X-a: b\r\n');
    }, 100);
    try {
      await sleep(1800);
      expect(attack.closedByServer()).toBe(8);
      expect(await server.connections()).toBe(0);
    } finally {
      clearInterval(drip);
    }
    const reply = await bigBody(socket, server.token, 0).catch(() => ({ status: -1 }));
    expect(reply.status).toBe(400); // an empty body reached the parser: the server answers again
  }, 30_000);

  it('eight 16 MiB bodies at once are refused early; memory grows by a few MB, not 1.5 GB', async () => {
    const { server, socket } = await serve();
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const watch = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => bigBody(socket, server.token, 16 * 1024 * 1024)),
    );
    clearInterval(watch);
    for (const r of replies) {
      expect([413, 429]).toContain(r.status); // too large, or past the run's in-flight bytes
      expect(r.sent).toBeLessThan(16 * 1024 * 1024); // the server hung up before taking it all
    }
    expect(replies.some((r) => r.status === 413)).toBe(true);
    expect((peak - before) / 1024 / 1024).toBeLessThan(80);
    expect(server.calls).toBe(0);
    expect(DEFAULT_MAX_BODY_BYTES).toBeLessThan(2 * 1024 * 1024);
  }, 60_000);
});

describeWithDocker('red team: a container run flooding its socket cannot starve a real box', () => {
  let home: string;
  let child: ChildProcess;
  let url: string;
  let token: string;
  let output = '';

  const status = async (): Promise<number> => {
    try {
      const res = await fetch(`${url}/api/v1/status`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(3000),
      });
      await res.text();
      return res.status;
    } catch {
      return 0;
    }
  };

  beforeAll(async () => {
    await ensureNodeBaseImage(createDockerClient());
    home = mkdtempSync(join(tmpdir(), 'databox-exhaust-box-'));
    const dir = join(home, 'src');
    mkdirSync(join(dir, 'dist'), { recursive: true });
    chmodSync(home, 0o755);
    chmodSync(dir, 0o755);
    // the app itself only waits (until the test drops `attack-over` into its folder once the attack
    // is done, 25 s at most): the test plays its hostile processes on the same socket
    writeFileSync(
      join(dir, 'dist', 'app.js'),
      "const until = Date.now() + 25000;\nconst wait = setInterval(() => { if (Date.now() > until || require('node:fs').existsSync('/app/attack-over')) clearInterval(wait); }, 100);\n",
      { mode: 0o644 },
    );
    const manifest = testManifest({
      id: 'flood',
      requests: [],
      exports: [],
      runtime: { type: 'container', image: 'databox/node-base', command: ['/app/dist/app.js'] },
      limits: { memoryMb: 64, timeoutMs: 40_000 },
    });
    writeFileSync(join(dir, 'databox-app.json'), JSON.stringify(manifest));
    const installed = runCli(['app', 'install', dir, '--home', home, '--yes']);
    expect(installed.status, installed.stderr).toBe(0);
    // a box with a small open-file limit, so exhausting it is quick to try
    child = spawn(
      'prlimit',
      ['--nofile=1024:1024', process.execPath, databoxBin(), 'start', '--home', home, '--port', '0'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (c) => (output += c));
    child.stderr?.on('data', (c) => (output += c));
    for (let i = 0; i < 200 && !/running at (http:\/\/\S+)/.test(output); i++) await sleep(100);
    url = /running at (http:\/\/\S+)/.exec(output)?.[1] ?? '';
    expect(url, output).not.toBe('');
    token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  }, 120_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('3,000 half-open connections and eight 16 MiB bodies: every status probe answers, RSS stays bounded', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const run = fetch(`${url}/api/v1/apps/flood/runs`, { method: 'POST', headers }).then((r) => r.json());
    // find the live run and, through Docker, the host side of its socket
    let runId: string | undefined;
    for (let i = 0; i < 100 && !runId; i++) {
      const { runs } = (await (await fetch(`${url}/api/v1/apps/flood/runs`, { headers })).json()) as {
        runs: Array<{ runId: string; status: string }>;
      };
      runId = runs.find((r) => r.status === 'running')?.runId;
      if (!runId) await sleep(100);
    }
    const docker = createDockerClient();
    let socketPath: string | undefined;
    let appFolder: string | undefined;
    for (let i = 0; i < 100 && !socketPath; i++) {
      const [info] = await docker.listContainers({ filters: { label: [`org.databox.run-id=${runId}`] } });
      const mount = info?.Mounts.find((m) => m.Destination === '/run/databox');
      appFolder = info?.Mounts.find((m) => m.Destination === '/app')?.Source;
      if (mount) socketPath = join(mount.Source, 'api.sock');
      else await sleep(100);
    }
    expect(socketPath).toBeDefined();
    const inspect = (await docker.listContainers({ filters: { label: [`org.databox.run-id=${runId}`] } }))[0];
    const env = (await docker.getContainer(inspect.Id).inspect()).Config.Env;
    const runToken = env.find((e) => e.startsWith('DATABOX_RUN_TOKEN='))?.split('=')[1] ?? '';
    const pid = child.pid as number;

    const attack = await halfOpen(socketPath as string, 3000);
    const probes: number[] = [];
    for (let i = 0; i < 20; i++) {
      probes.push(await status());
      await sleep(50);
    }
    expect(probes).toEqual(Array(20).fill(200));
    for (const s of attack.sockets) s.destroy();
    await sleep(300);

    const rssBefore = rssMb(pid, 'VmRSS');
    let peak = rssBefore;
    const watch = setInterval(() => {
      peak = Math.max(peak, rssMb(pid, 'VmRSS'));
    }, 10);
    const bodies = await Promise.all(
      Array.from({ length: 8 }, () => bigBody(socketPath as string, runToken, 16 * 1024 * 1024)),
    );
    await sleep(200);
    clearInterval(watch);
    expect(bodies.every((b) => b.sent < 16 * 1024 * 1024)).toBe(true);
    expect(await status()).toBe(200);
    // 8 × 16 MiB buffered, joined and parsed would add hundreds of MB (1.5 GB in the issue)
    expect(peak - rssBefore).toBeLessThan(100);
    // the attack is over, and happened during the run: the app may end it now
    const { runs } = (await (await fetch(`${url}/api/v1/apps/flood/runs`, { headers })).json()) as {
      runs: Array<{ runId: string; status: string }>;
    };
    expect(runs.find((r) => r.runId === runId)?.status).toBe('running');
    writeFileSync(join(appFolder as string, 'attack-over'), '');
    const result = (await run) as { run: { status: string } };
    expect(result.run.status).toBe('ok');
  }, 120_000);
});
