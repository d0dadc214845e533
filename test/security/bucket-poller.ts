import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_CJS } from '../box/sandbox/container/container-test-app.ts';
import type { HostileBox } from './hostile-box.ts';
import { hostileIsolateApp } from './hostile-box.ts';

/** What one poll of the attacker reports. */
export interface PollReport {
  resolution: string;
  points: Array<{ t: number; v: number; n?: number }>;
  /** Readings rebuilt as (v·n − v'·n') / (n − n') from a bucket seen in two polls. */
  recovered: number[];
  /** Buckets whose value changed between two polls (differencing means, with n guessed from the cadence). */
  changed: Array<{ t: number; from: number; to: number }>;
}

/**
 * The attacker's poll, as the red team ran it: read the granted resolution (the default window,
 * the bucket holding `now` with `to` far in the future, and the last two buckets), keep every point
 * in kv, and against the previous poll rebuild each new reading from `v·n − v'·n'`, or at least
 * note every bucket whose mean moved. Plain JS over `call(method, params)`, so the same code runs
 * in an isolate, in a container and under `runLocally`.
 */
export const POLL_BODY = `
const WIDTH = { '30min': 1800000, '1h': 3600000, '1d': 86400000 };
const grant = (await call('data.grants', {})).find((g) => g.request === 'power');
const width = WIDTH[grant.resolution];
const first = await call('data.read', { request: 'power' });
const open = first.to - (first.to % width);
const reads = [
  first,
  await call('data.read', { request: 'power', from: open, to: 253402300799999 }),
  await call('data.read', { request: 'power', from: open - width }),
];
const points = reads.flatMap((r) => r.points);
const prev = (await call('kv.get', { key: 'prev' })) || [];
const recovered = [];
const changed = [];
for (const p of points) {
  const q = prev.find((x) => x.t === p.t);
  if (!q) continue;
  if (typeof p.n === 'number' && typeof q.n === 'number' && p.n > q.n)
    recovered.push((p.v * p.n - q.v * q.n) / (p.n - q.n));
  else if (p.v !== q.v) changed.push({ t: p.t, from: q.v, to: p.v });
}
await call('kv.set', { key: 'prev', value: points });
await report({ resolution: grant.resolution, points, recovered, changed });
`;

/** A manifest asking for power at one resolution only, with the given aggregates. */
export function pollerManifest(id: string, resolution: string, history: string, aggregates: string[]) {
  return {
    id,
    name: `Poller ${id}`,
    version: '1.0.0',
    description: 'Polls the bucket still being filled',
    author: 'Red team',
    runtime: { type: 'isolate', entry: 'dist/app.js' },
    requests: [
      {
        name: 'power',
        kind: 'electricity.import.power',
        required: true,
        resolutions: [{ resolution, purpose: 'daily or half-hourly means' }],
        history,
        aggregates,
      },
    ],
    insights: [{ key: 'report', title: 'Report', description: 'what the poller saw' }],
    exports: [],
    schedule: { type: 'manual' },
  };
}

/**
 * Installs the poller on a real box, in an isolate or a container, granted `resolution` over
 * `history` (the whole request, as the householder would).
 */
export async function installPoller(
  box: HostileBox,
  options: {
    id: string;
    runtime: 'isolate' | 'container';
    resolution: '30min' | '1d';
    history: string;
    aggregates: string[];
  },
): Promise<void> {
  const folder = hostileIsolateApp(box.scratch(), options.id, POLL_BODY);
  const manifest = pollerManifest(options.id, options.resolution, options.history, options.aggregates);
  if (options.runtime === 'container') {
    Object.assign(manifest, {
      runtime: { type: 'container', image: 'databox/node-base', command: ['/app/dist/app.js'] },
    });
    writeFileSync(join(folder, 'dist', 'client.cjs'), CLIENT_CJS);
    writeFileSync(
      join(folder, 'dist', 'app.js'),
      `const raw = require('./client.cjs').call;
const call = async (method, params) => {
  const r = await raw(method, params);
  if (r.status !== 200) throw new Error(method + ': ' + JSON.stringify(r.body));
  return r.body.result;
};
const report = (data) => call('insight.emit', { key: 'report', title: 'report', data });
(async () => {
${POLL_BODY}
})().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });
`,
    );
  }
  writeFileSync(join(folder, 'databox-app.json'), JSON.stringify(manifest));
  const installed = await box.api('POST', '/api/v1/apps', {
    source: folder,
    grants: {
      power: { datasource: 'meter.power', resolution: options.resolution, history: options.history },
    },
  });
  if (installed.status !== 201)
    throw new Error(`install ${options.id}: ${installed.status} ${JSON.stringify(installed.body)}`);
}
