import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/box-process.ts';
import { describeWithMosquitto } from '../helpers/services.ts';

/**
 * The README's commands, run as written, so a README edit that breaks one breaks CI.
 *
 * The scratch clone is the working tree's files that git would commit (`git ls-files --cached
 * --others --exclude-standard`: what a clone of it has, so no dist/ and no examples/*\/dist) copied to a temp folder, with node_modules symlinked: `git clone` plus
 * `npm ci` would cost minutes and the network for what the lock-file test already checks. The
 * box is started as "Set up" says, `npm start -- --port <free port>`, with a temp
 * DATABOX_HOME; each "Use" line then runs through `sh -c` in the clone exactly as written
 * (npx, comments, redirection), and its output is checked. The MQTT line needs mosquitto on
 * 127.0.0.1:1883, which CI starts.
 */

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The lines of the ```sh blocks of one `## Section`. */
function shellLines(section: string): string[] {
  const start = README.indexOf(`\n## ${section}\n`);
  if (start === -1) throw new Error(`README.md has no "## ${section}" section`);
  const end = README.indexOf('\n## ', start + 1);
  const body = README.slice(start, end === -1 ? undefined : end);
  return [...body.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
    m[1].split('\n').filter((line) => line.trim() !== ''),
  );
}

/** What each Use command must print (stdout and stderr together); a new command needs an entry. */
const EXPECT: Array<[RegExp, (out: string, cwd: string) => void]> = [
  [/^npx databox --help\b/, (out) => expect(out).toMatch(/Commands:[\s\S]*status[\s\S]*audit/)],
  [/^npx databox datasource add meter\.power\b/, (out) => expect(out).toContain('added meter.power')],
  [/^npx databox write meter\.power\b/, (out) => expect(out).toContain('576 readings stored')],
  [
    /^npx databox read meter\.power --from 2026/,
    // times are printed in the box's zone with its offset (UTC in CI)
    (out) =>
      expect(out.match(/^2026-01-0[56]T\d\d:\d\d:00(\.000Z|[+-]\d\d:\d\d) {2}\d+(\.\d+)?$/gm)).toHaveLength(
        96,
      ),
  ],
  [
    /^npx databox read meter\.power --from -7d/,
    (out) => expect(out).toMatch(/no readings for meter\.power|(Z|[+-]\d\d:\d\d) {2}\d/),
  ],
  [
    /^npx databox driver add mqtt\b/,
    (out) => expect(out).toMatch(/added driver mqtt, connected \(through the box at/),
  ],
  [/^npx databox import octopus\b/, (out) => expect(out).toMatch(/written: 96\b/)],
  [
    /^npx databox app install examples\/energy-insights\b/,
    (out) => {
      expect(out).toContain('built dist/app.js (it was missing)');
      expect(out).toMatch(/installed energy-insights [\d.]+; consent receipt/);
      expect(out).toMatch(/power\s+meter\.power\s+30min\s+P90D/);
    },
  ],
  [/^npx databox audit verify\b/, (out) => expect(out).toMatch(/^OK: \d+ entries, chain intact/m)],
  [
    /^npx databox audit export --format jsonl > audit\.jsonl/,
    (_out, cwd) => {
      const lines = readFileSync(join(cwd, 'audit.jsonl'), 'utf8').trim().split('\n');
      const actions = lines.map((l) => JSON.parse(l).action);
      expect(actions).toContain('box.start');
      expect(actions).toContain('app.install');
    },
  ],
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

it('every npm command of "Set up" and "Test" is npm install or a script in package.json', () => {
  const scripts = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts as Record<
    string,
    string
  >;
  const lines = [...shellLines('Set up'), ...shellLines('Test')];
  expect(lines).toContain('npm start');
  expect(lines).toContain('npm test');
  for (const line of lines) {
    const [tool, verb, name] = line.split(/\s+/);
    expect(tool, line).toBe('npm');
    if (verb === 'install' || verb === 'ci') continue;
    expect(scripts[verb === 'run' ? name : verb], `${line}: no such script in package.json`).toBeDefined();
  }
  for (const named of README.matchAll(/`npm run ([a-z:-]+)`/g))
    expect(scripts[named[1]], `README names "npm run ${named[1]}"`).toBeDefined();
});

describeWithMosquitto('the README "Use" commands in a scratch clone', () => {
  let clone: string;
  let home: string;
  let box: ChildProcess | undefined;
  let boxOutput = '';
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    clone = mkdtempSync(join(tmpdir(), 'databox-readme-'));
    home = join(clone, '.home');
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).split('\0');
    for (const file of files.filter((f) => f && existsSync(join(REPO_ROOT, f)))) {
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      copyFileSync(join(REPO_ROOT, file), join(clone, file));
    }
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'));
    expect(existsSync(join(clone, 'examples/energy-insights/dist'))).toBe(false);
    // a user's shell: none of the npm_* and VITEST* variables `npx vitest` set (npx would read
    // npm_config_local_prefix and look for the bin in the real checkout), no box overrides
    env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(npm_|VITEST|DATABOX_)/i.test(name)),
    );
    env.DATABOX_HOME = home;
    env.DATABOX_FROM_SOURCE = '1';
    const port = await freePort();
    // "Set up": npm start, with a port of its own
    box = spawn('npm', ['start', '--', '--port', String(port)], { cwd: clone, env, detached: true });
    box.stdout?.on('data', (c) => {
      boxOutput += c;
    });
    box.stderr?.on('data', (c) => {
      boxOutput += c;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`npm start did not start in 60 s:\n${boxOutput}`)),
        60_000,
      );
      box?.stdout?.on('data', () => {
        if (boxOutput.includes(`running at http://127.0.0.1:${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
      box?.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${boxOutput}`)));
    });
  });

  afterAll(async () => {
    if (box?.pid && box.exitCode === null) {
      const exited = new Promise((resolve) => box?.once('exit', resolve));
      process.kill(-box.pid, 'SIGTERM'); // npm and the box under it
      await exited;
      // npm may exit before the box under it has stopped: its runtime file goes last
      for (let i = 0; i < 300 && existsSync(join(home, 'box.json')); i++)
        await new Promise((r) => setTimeout(r, 100));
    }
    if (clone) rmSync(clone, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  it('runs each one as written, against the box started with npm start -- --port', {
    timeout: 420_000,
  }, () => {
    const lines = shellLines('Use');
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const line of lines) {
      const check = EXPECT.find(([pattern]) => pattern.test(line));
      expect(check, `README command without an expectation in this test: ${line}`).toBeDefined();
      const run = spawnSync('sh', ['-c', line], { cwd: clone, env, encoding: 'utf8', timeout: 120_000 });
      const out = `${run.stdout}${run.stderr}`;
      expect(run.status, `${line}\n${out}`).toBe(0);
      check?.[1](out, clone);
    }
    expect(boxOutput).not.toMatch(/failed to start/);
  });
});
