/**
 * The measured steps of bench/scale.ts against a running box: ingest over HTTP by concurrent
 * clients, the dashboard's and the API's year reads, and an installed app's 90-day read.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '../table.ts';
import type { Client, RunningBox } from './scale-box.ts';
import type { ScaleHousehold } from './scale-data.ts';

const DAY = 86_400_000;

/**
 * Posts every source's day (one batch of 8,640 readings each) through `clients` concurrent
 * keep-alive connections, day after day; the next day is generated while this one is posted.
 */
export async function ingest(
  box: RunningBox,
  client: Client,
  household: ScaleHousehold,
  range: { from: number; days: number },
  clients: number,
) {
  const headers = { ...box.auth, 'content-type': 'application/json' };
  for (const s of household.sources) {
    const res = await client.call(`${box.url}/api/v1/datasources`, 'POST', JSON.stringify(s.spec), headers);
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`create ${s.spec.id}: ${res.status} ${res.body}`);
  }
  let generateMs = 0;
  const generate = (day: number) => {
    const started = performance.now();
    const bodies = household
      .day(day)
      .map((s) => ({ id: s.id, n: s.readings.length, body: JSON.stringify(s.readings) }));
    generateMs += performance.now() - started;
    return bodies;
  };
  const post = async (bodies: ReturnType<typeof generate>) => {
    let next = 0;
    const worker = async () => {
      while (next < bodies.length) {
        const b = bodies[next++];
        const res = await client.call(
          `${box.url}/api/v1/datasources/${b.id}/readings`,
          'POST',
          b.body,
          headers,
        );
        if (res.status !== 200) throw new Error(`${b.id}: ${res.status} ${res.body.slice(0, 300)}`);
      }
    };
    await Promise.all(Array.from({ length: clients }, worker));
    return bodies.reduce((sum, b) => sum + b.n, 0);
  };
  const started = performance.now();
  let points = 0;
  let bodies = generate(range.from);
  for (let d = 0; d < range.days; d++) {
    const posting = post(bodies);
    if (d + 1 < range.days) bodies = generate(range.from + (d + 1) * DAY);
    points += await posting;
    if ((d + 1) % 30 === 0)
      console.log(
        `  ingested ${d + 1}/${range.days} days, ${points.toLocaleString('en')} points, ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
  }
  const ms = performance.now() - started;
  return { points, ms, generateMs };
}

/** Median ms of `runs` GETs (after one warm-up), each checked by `ok`. */
async function timed(
  client: Client,
  url: string,
  headers: Record<string, string>,
  ok: (body: string) => boolean,
  runs: number,
) {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const res = await client.call(url, 'GET', undefined, headers);
    const ms = performance.now() - started;
    if (res.status !== 200 || !ok(res.body))
      throw new Error(`${url}: ${res.status} ${res.body.slice(0, 300)}`);
    if (i > 0) times.push(ms);
  }
  return median(times);
}

/** The year views: the Energy page's year, the Data page's year (30 min), the API at 1d and 30 min. */
export async function yearReads(
  box: RunningBox,
  client: Client,
  session: string,
  range: { from: number; to: number; days: number },
  runs = 5,
) {
  const cookie = { cookie: `databox_session=${session}` };
  const chart = (body: string) => body.includes('data-chart=');
  const local = (t: number) => new Date(t).toISOString().slice(0, 16); // the box's zone is UTC here
  const api = (resolution: string, extra = '') =>
    `${box.url}/api/v1/datasources/h0.power/readings?from=${range.from}&to=${range.to}&resolution=${resolution}${extra}`;
  const rows = (n: number) => (body: string) =>
    (JSON.parse(body) as { readings: unknown[] }).readings.length === n;
  return {
    energyYear: await timed(client, `${box.url}/energy?period=year`, cookie, chart, runs),
    dataYear: await timed(
      client,
      `${box.url}/data/h0.power?from=${local(range.from)}&to=${local(range.to)}`,
      cookie,
      chart,
      runs,
    ),
    api1d: await timed(client, api('1d', '&limit=100000'), box.auth, rows(range.days), runs),
    api30min: await timed(client, api('30min', '&limit=100000'), box.auth, rows(range.days * 48), runs),
    api30minColumns: await timed(
      client,
      api('30min', '&limit=100000&format=columns'),
      box.auth,
      (b) => (JSON.parse(b) as { v: unknown[] }).v.length === range.days * 48,
      runs,
    ),
  };
}

const APP = `(function () {
  globalThis.__databoxRun = async function () {
    const read = JSON.parse(await __databoxCall('data.read', JSON.stringify({ request: 'power' })));
    let sum = 0;
    for (const p of read.points) sum += p.v;
    await __databoxCall('insight.emit', JSON.stringify({ key: 'mean', title: 'Mean power', value: sum / read.points.length, unit: 'W' }));
  };
})();`;

/** Installs an isolate app over HTTP, as the householder would: 90 days of h0.power at 30 min. */
export async function installApp(box: RunningBox, client: Client, dir: string): Promise<void> {
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'app.js'), APP);
  const manifest = {
    id: 'scale-app',
    name: 'Scale',
    version: '1.0.0',
    description: 'the scale run',
    author: 'bench',
    runtime: { type: 'isolate', entry: 'dist/app.js' },
    requests: [
      {
        name: 'power',
        kind: 'electricity.import.power',
        required: true,
        resolutions: [{ resolution: '30min', purpose: 'the mean over 90 days' }],
        history: 'P90D',
        aggregates: [],
      },
    ],
    insights: [{ key: 'mean', title: 'Mean', description: 'mean power' }],
  };
  writeFileSync(join(dir, 'databox-app.json'), JSON.stringify(manifest));
  const res = await client.call(
    `${box.url}/api/v1/apps`,
    'POST',
    JSON.stringify({
      source: dir,
      allowUnsigned: true,
      grants: { power: { datasource: 'h0.power', resolution: '30min', history: 'P90D' } },
    }),
    { ...box.auth, 'content-type': 'application/json' },
  );
  if (res.status !== 201) throw new Error(`install: ${res.status} ${res.body}`);
}

/** Median ms of app runs (through the arbiter, in the isolate host), and the rows each read. */
export async function appReads(box: RunningBox, client: Client, runs = 5) {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const res = await client.call(`${box.url}/api/v1/apps/scale-app/runs`, 'POST', undefined, box.auth);
    const ms = performance.now() - started;
    const run = (JSON.parse(res.body) as { run?: { status: string; rowsRead: number; error: string | null } })
      .run;
    if (res.status !== 200 || run?.status !== 'ok')
      throw new Error(`app run: ${res.status} ${res.body.slice(0, 300)}`);
    rows = run.rowsRead;
    if (i > 0) times.push(ms);
  }
  return { ms: median(times), rows };
}
