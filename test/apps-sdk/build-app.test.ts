import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { buildApp, buildIsolateApp } from '../../apps-sdk/src/build-app.ts';
import { checkApp } from '../../apps-sdk/src/check-app.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();
const SDK = join(import.meta.dirname, '../../apps-sdk/src/app.ts');

function appFolder(source: string, manifest: Record<string, unknown> = {}): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/index.ts'), source);
  writeFileSync(
    join(dir, 'databox-app.json'),
    JSON.stringify({
      id: 'tmp-app',
      name: 'Tmp',
      version: '1.0.0',
      description: 'd',
      author: 'a',
      runtime: { type: 'isolate', entry: 'dist/app.js' },
      insights: [{ key: 'k', title: 'K', description: 'd' }],
      ...manifest,
    }),
  );
  return dir;
}

describe('buildIsolateApp', () => {
  it('bundles a classic script that runs with nothing but __databoxCall', async () => {
    const dir = appFolder(
      `import { defineApp } from ${JSON.stringify(SDK)};
       export default defineApp(async (ctx) => {
         const v = await ctx.kv.get('n');
         await ctx.insight.emit({ key: 'k', title: 'n is ' + v });
       });`,
    );
    const { outfile, bytes } = await buildIsolateApp(dir);
    expect(outfile).toBe(join(dir, 'dist/app.js'));
    const code = readFileSync(outfile, 'utf8');
    expect(bytes).toBe(Buffer.byteLength(code));
    // The SDK's app part without zod or ajv stays small.
    expect(bytes).toBeLessThan(20_000);
    expect(code).not.toMatch(/\brequire\(/);
    const calls: Array<[string, string]> = [];
    const sandbox: Record<string, unknown> = {
      __databoxCall: async (method: string, json: string) => {
        calls.push([method, json]);
        return method === 'kv.get' ? '41' : '{"ok":true}';
      },
    };
    const context = createContext(sandbox);
    runInContext(code, context);
    expect(typeof sandbox.__databoxRun).toBe('function');
    await (sandbox.__databoxRun as () => Promise<void>)();
    expect(calls).toEqual([
      ['kv.get', '{"key":"n"}'],
      ['insight.emit', '{"key":"k","title":"n is 41"}'],
    ]);
    expect(await checkApp(dir)).toEqual({ ok: true, errors: [], warnings: [], exports: [] });
  });

  it('refuses Node built-ins in an isolate app, naming the import', async () => {
    const dir = appFolder(`import { readFileSync } from 'node:fs'; console.log(readFileSync);`);
    await expect(buildIsolateApp(dir)).rejects.toThrow(
      /node:fs is a Node built-in, which isolate apps cannot use/,
    );
  });
});

describe('checkApp', () => {
  it('reports a missing entry, bad export schemas and raw-data asks', async () => {
    const dir = appFolder('', {
      requests: [
        {
          name: 'power',
          kind: 'electricity.import.power',
          resolutions: [{ resolution: '10s', purpose: 'appliances' }],
          history: 'P7D',
        },
      ],
      exports: [
        {
          id: 'e',
          url: 'https://x.example',
          reason: 'r',
          // bounded by its const, but not a schema ajv compiles
          schema: { type: 'nonsense', const: 1 },
          maxBytes: 10,
          maxPerDay: 1,
        },
      ],
    });
    const result = await checkApp(dir);
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => e.path)).toEqual(['runtime.entry', 'exports[0].schema']);
    expect(result.warnings.map((w) => w.path)).toEqual(['requests[0].resolutions']);
  });

  it('lists every manifest error and names a missing manifest', async () => {
    const dir = appFolder('', { id: '-bad', version: 'x' });
    const result = await checkApp(dir);
    expect(result.errors.map((e) => e.path).sort()).toEqual(['id', 'version']);
    const empty = await checkApp(tempDir());
    expect(empty.errors[0].message).toMatch(/databox-app\.json does not exist/);
  });
});

describe('buildApp', () => {
  it('bundles a container app for node, in CommonJS whatever the project type', async () => {
    const dir = appFolder(
      `import { defineApp } from ${JSON.stringify(SDK)};
       import { hostname } from 'node:os';
       export default defineApp(async (ctx) => { await ctx.log.info(hostname()); });`,
      { runtime: { type: 'container', image: 'databox/node-base', command: ['/app/dist/app.js'] } },
    );
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    const { outfile } = await buildApp(dir);
    expect(outfile).toBe(join(dir, 'dist/app.js'));
    expect(readFileSync(outfile, 'utf8')).toMatch(/require\("node:os"\)/);
    expect(JSON.parse(readFileSync(join(dir, 'dist/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });
});
