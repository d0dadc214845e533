/**
 * A real InfluxDB 1.x (`influxd`, Debian's `influxdb` package: 1.6.7 on bookworm, the version the
 * issue measured) on 127.0.0.1, for the benches that put the box beside it and the tests that hold
 * the box's line-protocol parser to what InfluxDB itself accepts and stores. Its data, WAL and meta
 * live under `dir`; ports are picked free. Defaults are InfluxDB's own (a WAL fsync per write,
 * the TSM engine, the in-memory index) except what would measure InfluxDB's housekeeping instead
 * of its writes: no access log, no query log, no `_internal` monitor database, no usage reporting.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The `influxd` to run: `BENCH_INFLUXD`, else the one on PATH; undefined when there is none. */
export function findInfluxd(): string | undefined {
  const wanted = process.env.BENCH_INFLUXD ?? 'influxd';
  const found = spawnSync(wanted, ['version'], { encoding: 'utf8' });
  return found.status === 0 && /InfluxDB v1\./.test(found.stdout) ? wanted : undefined;
}

/** The `influxd version` line, e.g. `InfluxDB v1.6.7~rc0 (git: unknown unknown)`. */
export function influxdVersion(binary: string): string {
  return spawnSync(binary, ['version'], { encoding: 'utf8' }).stdout.trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Influxd {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
}

/** Starts influxd under `dir`, waits for `/ping`, and creates database `db`. */
export async function startInfluxd(binary: string, dir: string, db: string): Promise<Influxd> {
  mkdirSync(dir, { recursive: true });
  const [http, rpc] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  writeFileSync(
    config,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpc}"
[meta]
  dir = "${join(dir, 'meta')}"
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:${http}"
  log-enabled = false
[logging]
  level = "error"
`,
  );
  const child = spawn(binary, ['-config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  // a test file or bench that dies before stopping it does not leave influxd running
  process.once('exit', () => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const url = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`influxd exited ${child.exitCode}:\n${stderr}`);
    const ping = await fetch(`${url}/ping`).catch(() => undefined);
    if (ping?.status === 204) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`influxd did not answer /ping in 30 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const created = await fetch(`${url}/query?q=${encodeURIComponent(`CREATE DATABASE ${db}`)}`, {
    method: 'POST',
  });
  if (created.status !== 200) throw new Error(`influxd: CREATE DATABASE ${db}: ${created.status}`);
  return { child, url };
}
