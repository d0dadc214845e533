import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BoxProcess, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';

/**
 * A real box daemon (`databox start` in a child process, on a temp home and a free port) for
 * red-team tests, with the calls an attacker's test needs: make a datasource, feed it, install a
 * hostile app over the HTTP API, run it and read what it managed to report.
 *
 * @example
 * const box = await startHostileBox();
 * await box.install(hostileIsolateApp(box.scratch(), 'probe', 'await report({ x: 1 })'), { power: '30min' });
 * const run = await box.run('probe');
 * await box.stop();
 */
// biome-ignore lint/suspicious/noExplicitAny: API bodies are whatever the box answered; tests narrow them
type Json = any;

export interface HostileBox {
  url: string;
  home: string;
  token: string;
  process: BoxProcess;
  /** An API call with the admin token; returns the status and parsed JSON body. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  /** A fresh folder outside the box's home for app packages. */
  scratch(): string;
  /** Creates `meter.power` (gauge, W) with one reading every 10 s over the last `hours`. */
  seedPower(hours?: number): Promise<void>;
  install(folder: string, grants: Record<string, string>): Promise<{ status: number; body: Json }>;
  run(appId: string): Promise<RunReport>;
  /** The `data` of the app's `report` insights, oldest first. */
  reports(appId: string): Promise<unknown[]>;
  stop(): Promise<void>;
}

export interface RunReport {
  status: string;
  error: string | null;
  logs: string[];
  [key: string]: unknown;
}

export async function startHostileBox(): Promise<HostileBox> {
  const root = mkdtempSync(join(tmpdir(), 'databox-redteam-'));
  const home = join(root, 'home');
  mkdirSync(home);
  const process = await startBoxProcess(home);
  const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  const api: HostileBox['api'] = async (method, path, body) => {
    const res = await fetch(`${process.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed };
  };
  let scratchCount = 0;
  const box: HostileBox = {
    url: process.url,
    home,
    token,
    process,
    api,
    scratch: () => {
      const dir = join(root, `pkg-${scratchCount++}`);
      mkdirSync(dir);
      return dir;
    },
    async seedPower(hours = 6) {
      const made = await api('POST', '/api/v1/datasources', {
        id: 'meter.power',
        kind: 'electricity.import.power',
        unit: 'W',
        valueType: 'gauge',
      });
      if (made.status !== 201) throw new Error(`datasource: ${made.status} ${JSON.stringify(made.body)}`);
      const now = Date.now();
      const readings = [];
      for (let t = now - hours * 3_600_000; t < now; t += 10_000) readings.push({ t, v: 500 + (t % 997) });
      const wrote = await api('POST', '/api/v1/datasources/meter.power/readings', readings);
      if (wrote.status >= 300) throw new Error(`readings: ${wrote.status} ${JSON.stringify(wrote.body)}`);
    },
    async install(folder, grants) {
      return api('POST', '/api/v1/apps', {
        source: folder,
        grants: Object.fromEntries(
          Object.entries(grants).map(([request, resolution]) => [
            request,
            { datasource: 'meter.power', resolution, history: 'P1D' },
          ]),
        ),
      });
    },
    async run(appId) {
      const res = await api('POST', `/api/v1/apps/${appId}/runs`);
      if (res.status !== 200) throw new Error(`run ${appId}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.run as RunReport;
    },
    async reports(appId) {
      const res = await api('GET', `/api/v1/apps/${appId}/insights`);
      const insights = (res.body.insights ?? []) as Array<{ key: string; data: unknown; createdAt: number }>;
      return insights
        .filter((i) => i.key === 'report')
        .sort((a, b) => a.createdAt - b.createdAt)
        .map((i) => i.data);
    },
    async stop() {
      await stopBoxProcess(process);
      rmSync(root, { recursive: true, force: true });
    },
  };
  return box;
}

/**
 * Writes a hostile isolate app: a manifest asking for power at 30min (and finer, for attacks on
 * resolution), a `report` insight with an open schema, and `dist/app.js` whose run body is `body`.
 * Inside `body`, `call(method, params)` is the raw app API and `report(data)` emits a report.
 */
export function hostileIsolateApp(folder: string, id: string, body: string, prelude = ''): string {
  writeFileSync(
    join(folder, 'databox-app.json'),
    JSON.stringify({
      id,
      name: `Hostile ${id}`,
      version: '1.0.0',
      description: 'A red-team app',
      author: 'Red team',
      runtime: { type: 'isolate', entry: 'dist/app.js' },
      requests: [
        {
          name: 'power',
          kind: 'electricity.import.power',
          required: true,
          resolutions: [
            { resolution: '30min', purpose: 'tariff comparison' },
            { resolution: '1d', purpose: 'daily totals' },
          ],
          history: 'P1D',
        },
      ],
      insights: [{ key: 'report', title: 'Report', description: 'what the probe saw' }],
      exports: [],
      schedule: { type: 'manual' },
    }),
  );
  mkdirSync(join(folder, 'dist'), { recursive: true });
  writeFileSync(
    join(folder, 'dist', 'app.js'),
    `
const call = async (method, params) => JSON.parse(await __databoxCall(method, JSON.stringify(params === undefined ? {} : params)));
const report = (data) => call('insight.emit', { key: 'report', title: 'report', data });
${prelude}
globalThis.__databoxRun = async () => {
${body}
};
`,
  );
  return folder;
}
