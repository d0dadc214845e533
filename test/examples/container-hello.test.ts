import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildContainerApp } from '../../apps-sdk/src/build-app.ts';
import { checkApp } from '../../apps-sdk/src/check-app.ts';
import { LocalBox, type LocalGrant } from '../../apps-sdk/src/local-box.ts';
import { LocalSeries } from '../../apps-sdk/src/local-series.ts';
import { validateManifest } from '../../apps-sdk/src/manifest.ts';
import { runLocally } from '../../apps-sdk/src/run-locally.ts';
import app from '../../examples/container-hello/src/index.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const DIR = join(import.meta.dirname, '../../examples/container-hello');
const manifestJson = JSON.parse(readFileSync(join(DIR, 'databox-app.json'), 'utf8'));
const T0 = Date.UTC(2024, 1, 1);
const H = 3_600_000;
// A reading every 10 minutes over one day, 100 W through the first hour, 200 W the second, …,
// 2400 W the last: hourly means 100 … 2400 W (six readings each, enough to be served), mean 1250 W.
const power = Array.from({ length: 24 * 6 }, (_, i) => ({
  t: T0 + i * 600_000,
  v: 100 * (Math.floor(i / 6) + 1),
}));

describe('container-hello', () => {
  const tempDir = useTempDir();

  it('runs locally: lists grants and reports the mean power', async () => {
    const result = await runLocally(app, {
      manifest: manifestJson,
      data: { power },
      grant: { power: { resolution: '1h' } },
      now: T0 + 24 * H,
    });
    expect(result.error).toBeUndefined();
    expect(result.insights[0]).toMatchObject({ key: 'hello', value: 1250, data: { grants: ['power@1h'] } });
    const declined = await runLocally(app, { manifest: manifestJson, data: {}, grant: {} });
    expect(declined.insights[0].summary).toMatch(/no power data granted/);
  });

  it('builds for node and talks to the box over the unix socket with its token, exiting 0', async () => {
    await buildContainerApp(DIR);
    expect(await checkApp(DIR)).toMatchObject({ ok: true, errors: [] });
    const parsed = validateManifest(manifestJson);
    if (!parsed.ok) throw new Error('manifest');
    const grants = new Map<string, LocalGrant>([
      [
        'power',
        {
          request: 'power',
          kind: 'electricity.import.power',
          unit: 'W',
          resolution: '1h',
          historyMs: 86_400_000,
          aggregates: ['mean'],
          valueType: 'gauge',
          series: new LocalSeries(power, 'gauge'),
        },
      ],
    ]);
    const box = new LocalBox(parsed.manifest, grants, T0 + 24 * H);
    const socket = join(tempDir(), 'api.sock');
    const auth: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        auth.push(String(req.headers.authorization));
        const { method, params } = JSON.parse(body);
        box.handle(method, params).then(
          (result) => res.end(JSON.stringify({ result })),
          (error: Error) => {
            res.statusCode = 400;
            res.end(JSON.stringify({ error: { code: 'bad_request', message: error.message } }));
          },
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const child = spawn(process.execPath, [join(DIR, 'dist/app.js')], {
      env: { DATABOX_API_SOCKET: socket, DATABOX_RUN_TOKEN: 'run-token-1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    server.close();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(new Set(auth)).toEqual(new Set(['Bearer run-token-1']));
    expect(box.record.insights[0]).toMatchObject({
      key: 'hello',
      value: 1250,
      data: { node: process.version },
    });
    expect(box.record.logs[0].message).toMatch(/granted power@1h/);
  });
});
