import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDockerClient } from '../../box/containers/docker-client.ts';
import { ensureNodeBaseImage } from '../../box/containers/node-image.ts';
import { CLIENT_CJS } from '../box/sandbox/container/container-test-app.ts';
import { describeWithDocker, dockerAvailable } from '../helpers/services.ts';
import { type HostileBox, hostileIsolateApp, startHostileBox } from './hostile-box.ts';

/**
 * Host facts must not leak into sandboxes (issue 9, point 8). A hostile app run by a real
 * `databox start` daemon looks for the box's paths where the red team found them: a container's
 * `/proc/self/mountinfo` (the app folder and socket folder bind mounts), a second writable tmpfs
 * at `/dev/shm`, a high open-file limit, and an isolate's stack traces.
 */

let box: HostileBox;
beforeAll(async () => {
  box = await startHostileBox();
  await box.seedPower(1);
  // the isolate test needs no Docker; without it the container suite is skipped (or, in CI, fails)
  if (await dockerAvailable()) await ensureNodeBaseImage(createDockerClient());
}, 120_000);
afterAll(async () => {
  await box?.stop();
});

/** The box's paths an app must not learn: its home, the folder holding it, the app's source folder. */
function hostPaths(source: string): string[] {
  return [box.home, dirname(box.home), source];
}

const PROBE = `
const fs = require('fs');
const { call } = require('./client.cjs');
const facts = { mountinfo: fs.readFileSync('/proc/self/mountinfo', 'utf8') };
facts.shmExists = fs.existsSync('/dev/shm');
try { fs.writeFileSync('/dev/shm/loot', 'x'); facts.shm = 'wrote'; } catch (e) { facts.shm = e.code; }
facts.limit = fs.readFileSync('/proc/self/limits', 'utf8').split('\\n').find((l) => l.startsWith('Max open files'));
const fds = [];
try { for (let i = 0; i < 5000; i++) fds.push(fs.openSync('/proc/self/status', 'r')); } catch (e) { facts.openError = e.code; }
facts.opened = fds.length;
for (const fd of fds) fs.closeSync(fd);
call('insight.emit', { key: 'report', title: 'report', data: facts }).then((r) => process.exit(r.status === 200 ? 0 : 1));
`;

describeWithDocker('host facts do not leak into a container app', () => {
  it('mountinfo shows no box path; no /dev/shm; at most 256 open files', async () => {
    const folder = hostileIsolateApp(box.scratch(), 'facts-container', '');
    const manifest = JSON.parse(readFileSync(join(folder, 'databox-app.json'), 'utf8'));
    manifest.runtime = { type: 'container', image: 'databox/node-base', command: ['/app/dist/app.js'] };
    writeFileSync(join(folder, 'databox-app.json'), JSON.stringify(manifest));
    writeFileSync(join(folder, 'dist', 'client.cjs'), CLIENT_CJS);
    writeFileSync(join(folder, 'dist', 'app.js'), PROBE);
    const installed = await box.install(folder, { power: '30min' });
    expect(installed.status, JSON.stringify(installed.body)).toBe(201);
    const run = await box.run('facts-container');
    expect(run.status, `${run.error}\n${run.logs.join('\n')}`).toBe('ok');
    const [facts] = (await box.reports('facts-container')) as Array<
      Record<string, string | number | boolean>
    >;

    const mountinfo = String(facts.mountinfo);
    for (const path of hostPaths(folder)) expect(mountinfo).not.toContain(path);
    // the two bind mounts: their source paths (field 4) are neutral per-run folders
    const binds = mountinfo
      .split('\n')
      .map((line) => line.split(' '))
      .filter((f) => f[4] === '/app' || f[4] === '/run/databox');
    expect(binds.map((f) => f[4]).sort()).toEqual(['/app', '/run/databox']);
    for (const f of binds) expect(f[3]).toMatch(/^(\/run)?\/databox-sandbox\/[0-9a-f]{24}\/(app|api)$/);

    expect(facts.shmExists).toBe(false);
    expect(facts.shm).not.toBe('wrote');
    expect(facts.limit).toMatch(/^Max open files\s+256\s+256\s+files/);
    expect(facts.openError).toBe('EMFILE');
    expect(facts.opened).toBeLessThan(256);
  }, 120_000);
});

it('an isolate app sees no box path in its stack traces', async () => {
  const folder = hostileIsolateApp(
    box.scratch(),
    'facts-isolate',
    `
    const own = new Error('probe').stack;
    let thrown = '';
    try { null.x; } catch (e) { thrown = e.stack; }
    await report({ own, thrown });
    throw new Error('the end');
    `,
  );
  expect((await box.install(folder, { power: '30min' })).status).toBe(201);
  const run = await box.run('facts-isolate');
  expect(run.status).toBe('error');
  const [facts] = (await box.reports('facts-isolate')) as Array<{ own: string; thrown: string }>;
  for (const stack of [facts.own, facts.thrown]) {
    expect(stack).toContain('app:///dist/app.js');
    for (const path of hostPaths(folder)) expect(stack).not.toContain(path);
    expect(stack).not.toMatch(/app:\/\/\/\/|\/apps\//);
  }
}, 60_000);
