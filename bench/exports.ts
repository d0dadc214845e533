/**
 * Export gateway benchmark (issue 5): exports accepted per second (durably queued through the
 * gateway's socket API, synchronous=FULL) and delivered per second to a local HTTP sink, against
 * a plain HTTP client posting the same payloads to the same sink in the same run.
 * Run: `node --import tsx bench/exports.ts` (`BENCH_EXPORTS=…` sets the exports, default 2000).
 *
 * The gateway runs as its own process (dev mode, http to 127.0.0.1, default concurrency 4). While
 * exports are being accepted the sink holds the requests it gets, so the accept rate is measured
 * alone; then the sink opens and the full outbox drains, which gives the delivery rate.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox } from '../export-gateway/outbox.ts';
import { gatewayPaths } from '../export-gateway/paths.ts';
import type { ExportRequest } from '../export-gateway/protocol.ts';
import { GatewayClient, payloadSha256 } from '../export-gateway/socket-client.ts';
import { spawnGateway } from '../test/export-gateway/helpers/gateway-process.ts';
import { type BenchRow, printTable } from './table.ts';

const N = Number(process.env.BENCH_EXPORTS ?? 2000);
const WIDE = Number(process.env.BENCH_IN_FLIGHT ?? 32); // many clients at once (aim 6)
const CONCURRENCY = 4; // the gateway's default deliveries in flight; the box submits about as many at once
const home = mkdtempSync(join(tmpdir(), 'databox-bench-exports-'));

// the sink: answers 200 at once, or holds requests while `gate` is closed
let gate = false;
let received = 0;
const held: Array<() => void> = [];
const sink = createServer((req, res: ServerResponse) => {
  req.resume();
  req.on('end', () => {
    received++;
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (gate) held.push(answer);
    else answer();
  });
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/in`;

const payloads = Array.from({ length: N }, (_, i) => ({
  app: 'energy-insights',
  period: { from: '2026-11-01', to: '2026-11-30' },
  dailyKwh: Array.from({ length: 30 }, (_, d) => Math.round((8 + ((i + d) % 7) * 0.37) * 100) / 100),
  note: `export ${i}`,
}));
const requests: ExportRequest[] = payloads.map((payload, i) => ({
  id: `bench-${i}`,
  appId: 'energy-insights',
  runId: `run-${i}`,
  destination: { id: 'sink', url, allowPrivate: false },
  payload,
  payloadSha256: payloadSha256(payload),
  createdAt: Date.now(),
}));
const bodies = payloads.map((p) => JSON.stringify(p));

/** Runs `work(i)` for i in [0, n) with `concurrency` workers; returns seconds taken. */
async function timed(n: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
  return (performance.now() - started) / 1000;
}

function plainPost(body: string, agent: Agent | false): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

writeFileSync(join(home, 'config.json'), JSON.stringify({ gateway: { devMode: true } }));
const gateway = await spawnGateway(home);
try {
  const client = new GatewayClient(gatewayPaths(home).socket);

  // baselines first, with the gateway idle: keep-alive (Node's default agent) and one connection per request
  const keepAlive = new Agent({ keepAlive: true });
  const plainKeepAlive = await timed(N, CONCURRENCY, (i) => plainPost(bodies[i], keepAlive));
  keepAlive.destroy();
  const plainFresh = await timed(N, CONCURRENCY, (i) => plainPost(bodies[i], false));

  received = 0;
  gate = true;
  const acceptS = await timed(N, CONCURRENCY, (i) => client.submit(requests[i]));
  const deliverStart = performance.now();
  gate = false;
  for (const answer of held.splice(0)) answer();
  for (;;) {
    const health = await client.health();
    if (health.queued === 0 && health.delivering === 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const deliverS = (performance.now() - deliverStart) / 1000;
  const health = await client.health();
  if (received < N || health.failed > 0)
    throw new Error(`only ${received} of ${N} delivered, ${health.failed} failed`);

  // group commit: the same accepts with more in flight (a box flushing many runs' exports), and,
  // as the baseline, the outbox committing one export per transaction (one fsync each) on this disk
  gate = true;
  const wide = requests.map((r) => ({ ...r, id: `wide-${r.id}` }));
  const acceptWideS = await timed(N, WIDE, (i) => client.submit(wide[i]));

  // the baseline: a bare node:http + SQLite server, one synchronous=FULL insert per
  // request, fed the same requests over a unix socket by the same client, as many at once
  const bareSocket = join(home, 'bare.sock');
  const bare = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'support/bare-export-server.ts'),
      join(home, 'bare.db'),
      bareSocket,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => bare.stdout?.once('data', () => resolve()));
  const bareClient = new GatewayClient(bareSocket);
  const bareWideS = await timed(N, WIDE, (i) => bareClient.submit({ ...requests[i], id: `bare-${i}` }));
  const bareS = await timed(N, CONCURRENCY, (i) => bareClient.submit({ ...requests[i], id: `bare4-${i}` }));
  bare.kill('SIGTERM');

  // optionally, another build's gateway in the same run (BENCH_BEFORE_GATEWAY=<its export-gateway/main.ts>)
  let beforeWideS: number | undefined;
  if (process.env.BENCH_BEFORE_GATEWAY) {
    const beforeHome = mkdtempSync(join(tmpdir(), 'databox-bench-exports-before-'));
    writeFileSync(join(beforeHome, 'config.json'), JSON.stringify({ gateway: { devMode: true } }));
    const before = await spawnGateway(beforeHome, 20_000, process.env.BENCH_BEFORE_GATEWAY);
    const beforeClient = new GatewayClient(gatewayPaths(beforeHome).socket);
    beforeWideS = await timed(N, WIDE, (i) => beforeClient.submit({ ...requests[i], id: `before-${i}` }));
    before.child.kill('SIGTERM');
    await before.exited;
    rmSync(beforeHome, { recursive: true, force: true });
  }
  const single = new Outbox(join(home, 'single-commit.db'));
  const singleS = await timed(N, 1, async (i) =>
    single.accept({ ...requests[i], id: `single-${i}` }, bodies[i], Date.now()),
  );
  single.close();

  const plainRate = N / plainKeepAlive;
  const freshRate = N / plainFresh;
  const rows: BenchRow[] = [
    {
      name: 'gateway: accepted (durably queued)',
      value: N / acceptS,
      unit: 'exports/s',
      baseline: { name: 'plain client, keep-alive', value: plainRate },
    },
    {
      name: `gateway: accepted, ${WIDE} in flight (group commit)`,
      value: N / acceptWideS,
      unit: 'exports/s',
      baseline: {
        name: `bare node:http + SQLite, one fsync per request, ${WIDE} in flight`,
        value: N / bareWideS,
      },
      target: '≥ 2,000/s',
    },
    {
      name: `gateway: accepted, ${WIDE} in flight (group commit)`,
      value: N / acceptWideS,
      unit: 'exports/s',
      baseline: { name: 'outbox, one fsync per export, in process', value: N / singleS },
    },
    ...(beforeWideS === undefined
      ? []
      : [
          {
            name: `gateway: accepted, ${WIDE} in flight, this build`,
            value: N / acceptWideS,
            unit: 'exports/s',
            baseline: { name: `the gateway of ${process.env.BENCH_BEFORE_GATEWAY}`, value: N / beforeWideS },
          },
        ]),
    {
      name: `gateway: accepted, ${CONCURRENCY} in flight (group commit)`,
      value: N / acceptS,
      unit: 'exports/s',
      baseline: { name: `bare node:http + SQLite, ${CONCURRENCY} in flight`, value: N / bareS },
    },
    {
      name: 'gateway: delivered from a full outbox',
      value: N / deliverS,
      unit: 'exports/s',
      baseline: { name: 'plain client, keep-alive', value: plainRate },
    },
    {
      name: 'gateway: delivered from a full outbox',
      value: N / deliverS,
      unit: 'exports/s',
      baseline: { name: 'plain client, new connection each', value: freshRate },
    },
  ];
  printTable(`Export gateway (${N} exports of ${bodies[0].length} bytes, ${CONCURRENCY} at a time)`, rows);
} finally {
  gateway.child.kill('SIGTERM');
  await gateway.exited;
  sink.closeAllConnections();
  sink.close();
  rmSync(home, { recursive: true, force: true });
}
