import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/box-process.ts';

/**
 * Issue 14, points 3 and 4: the SDK is a package a developer installs (compiled JS and .d.ts,
 * `npm install` of the .tgz `npm pack` makes, importable from plain Node), its types check a
 * manifest's names at compile time, and `databox app new` makes a folder whose test passes.
 * Everything runs in temp folders outside the checkout, as a third-party developer's would.
 */

const NODE_MODULES = join(REPO_ROOT, 'node_modules');
const TSC = join(NODE_MODULES, 'typescript/bin/tsc');
let root: string;
let tgz: string;

function run(cmd: string, args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** `npm install` of the packed SDK (its own dependencies come from npm's cache or the registry). */
function installSdk(dir: string): void {
  // --omit=dev: the developer's own tools (vitest, types) are linked from this checkout instead
  const flags = ['--no-save', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev'];
  const r = run('npm', ['install', ...flags, tgz], dir);
  expect(r.status, r.out).toBe(0);
}

/** The tools the developer would have installed themselves (vitest, TypeScript's node types). */
function linkDevTools(dir: string): void {
  mkdirSync(join(dir, 'node_modules/@types'), { recursive: true });
  symlinkSync(join(NODE_MODULES, 'vitest'), join(dir, 'node_modules/vitest'));
  symlinkSync(join(NODE_MODULES, '@types/node'), join(dir, 'node_modules/@types/node'));
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'databox-sdk-package-'));
  execFileSync('npm', ['pack', '--pack-destination', root], {
    cwd: join(REPO_ROOT, 'apps-sdk'),
    stdio: 'pipe',
  });
  const [file] = readdirSync(root).filter((f) => f.endsWith('.tgz'));
  tgz = join(root, file);
}, 240_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('the SDK package', () => {
  it('installs from its .tgz and imports from plain Node, both entry points', () => {
    const dir = join(root, 'plain');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), '{ "name": "plain", "private": true, "type": "module" }\n');
    installSdk(dir);
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `const root = await import('databox-apps-sdk'); const app = await import('databox-apps-sdk/app');
         console.log(JSON.stringify({ runLocally: typeof root.runLocally, defineApp: typeof app.defineApp,
           appHasRunLocally: 'runLocally' in app, methods: app.METHODS }));`,
        '--input-type=module',
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toMatchObject({
      runLocally: 'function',
      defineApp: 'function',
      appHasRunLocally: false,
      methods: expect.arrayContaining(['data.events', 'data.kv']),
    });
  }, 240_000);
});

describe('databox app new', () => {
  let dir: string;
  beforeAll(() => {
    const parent = join(root, 'dev');
    mkdirSync(parent);
    const made = runCli(['app', 'new', 'hello-power', '--dir', join(parent, 'hello-power')]);
    expect(made.status, made.stderr).toBe(0);
    dir = join(parent, 'hello-power');
    installSdk(dir);
    linkDevTools(dir);
  }, 240_000);

  it('writes a folder whose runLocally test passes', () => {
    const r = run(process.execPath, [join(NODE_MODULES, 'vitest/vitest.mjs'), 'run', '--root', dir], dir);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/2 passed/);
  }, 240_000);

  it('builds and checks with the SDK CLI of its own (npm run build, npm run check: databox-app, no checkout)', () => {
    const build = run('npm', ['run', 'build'], dir);
    expect(build.status, build.out).toBe(0);
    expect(build.out).toMatch(/wrote .*dist\/app\.js \(\d+ bytes\)/);
    expect(readFileSync(join(dir, 'dist/app.js.map'), 'utf8')).toContain('"mappings"');
    const check = run('npm', ['run', 'check'], dir);
    expect(check.status, check.out).toBe(0);
    expect(check.out).toContain('.: ok');
  }, 240_000);

  it('--runtime container: the same test passes and the build is a CommonJS bundle for node', () => {
    const container = join(root, 'dev', 'hello-container');
    const made = runCli(['app', 'new', 'hello-container', '--runtime', 'container', '--dir', container]);
    expect(made.status, made.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(container, 'databox-app.json'), 'utf8')).runtime).toEqual({
      type: 'container',
      image: 'databox/node-base',
      command: ['/app/dist/app.js'],
    });
    installSdk(container);
    linkDevTools(container);
    const test = run(
      process.execPath,
      [join(NODE_MODULES, 'vitest/vitest.mjs'), 'run', '--root', container],
      container,
    );
    expect(test.status, test.out).toBe(0);
    const build = run('npm', ['run', 'build'], container);
    expect(build.status, build.out).toBe(0);
    expect(readFileSync(join(container, 'dist/package.json'), 'utf8')).toContain('commonjs');
  }, 240_000);

  it('type-checks, and a wrong request name or insight key is a compile error', () => {
    const clean = run(process.execPath, [TSC, '-p', dir], dir);
    expect(clean.status, clean.out).toBe(0);
    writeFileSync(
      join(dir, 'src/wrong.ts'),
      `import { defineApp } from 'databox-apps-sdk/app';
import type { Types } from './databox-app.types.ts';
export default defineApp<Types>(async (ctx) => {
  await ctx.data.read('gas');
  await ctx.insight.emit({ key: 'week-pwoer', title: 'typo' });
});
`,
    );
    const wrong = run(process.execPath, [TSC, '-p', dir], dir);
    expect(wrong.status).not.toBe(0);
    expect(wrong.out).toMatch(/src\/wrong\.ts\(4,\d+\).*"gas"/);
    expect(wrong.out).toMatch(/src\/wrong\.ts\(5,\d+\).*"week-pwoer"/);
  }, 240_000);
});
