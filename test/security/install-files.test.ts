import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileBox, hostileIsolateApp, startHostileBox } from './hostile-box.ts';

/**
 * Hostile app packages (issue 9, point 1): the red team's app held `loot/databox.db -> <home>/databox.db`
 * and read the whole database. Each package here is installed over the HTTP API of a real
 * `databox start` daemon and must be refused with the offending path named, leaving nothing
 * installed. Archives are made with the system GNU tar, as an attacker would make them.
 */

let box: HostileBox;
beforeAll(async () => {
  box = await startHostileBox();
  await box.seedPower(1);
}, 60_000);
afterAll(async () => {
  await box?.stop();
});

let count = 0;
/** A hostile isolate app's folder (manifest and a harmless bundle) under a fresh id. */
function hostileFolder(): { id: string; folder: string } {
  const id = `evil-${count++}`;
  return { id, folder: hostileIsolateApp(box.scratch(), id, 'await report({ ran: true });') };
}

function tgz(folder: string, members: string[] = ['.'], extra: string[] = []): string {
  const out = join(folder, '..', `${folder.split('/').at(-1)}.tgz`);
  execFileSync('tar', ['-czPf', out, '-C', folder, ...extra, ...members], { stdio: 'pipe' });
  return out;
}

/** Installs `source` and asserts it was refused naming `path`, and that nothing of the app is in the box. */
async function expectRefused(id: string, source: string, path: string, why: RegExp) {
  const res = await box.api('POST', '/api/v1/apps', {
    source,
    grants: { power: { datasource: 'meter.power', resolution: '30min', history: 'P1D' } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.code).toBe('unsafe_app_files');
  // the message names the first offender; details list every one
  expect(res.body.error.message).toContain(res.body.error.details[0].path);
  const detail = res.body.error.details.find((d: { path: string }) => d.path === path);
  expect(detail?.message, JSON.stringify(res.body.error.details)).toMatch(why);
  expect((await box.api('GET', `/api/v1/apps/${id}`)).status).toBe(404);
  expect(existsSync(join(box.home, 'apps', id))).toBe(false);
  const audit = await box.api('GET', `/api/v1/audit?action=app.install&subject=${id}`);
  expect(audit.status).toBe(200);
  expect(audit.body.entries).toEqual([]);
}

describe('install refuses links and special files in an app folder', () => {
  it('a symlink to the box database (and its -wal)', async () => {
    const { id, folder } = hostileFolder();
    mkdirSync(join(folder, 'loot'));
    symlinkSync(join(box.home, 'databox.db'), join(folder, 'loot', 'databox.db'));
    symlinkSync(join(box.home, 'databox.db-wal'), join(folder, 'loot', 'databox.db-wal'));
    await expectRefused(id, folder, 'loot/databox.db', /symbolic link \(to .*databox\.db\)/);
  });

  it('a symlink to /etc/passwd, and a symlinked folder', async () => {
    const { id, folder } = hostileFolder();
    symlinkSync('/etc/passwd', join(folder, 'passwd'));
    symlinkSync(box.home, join(folder, 'home'));
    await expectRefused(id, folder, 'passwd', /symbolic link/);
    await expectRefused(id, folder, 'home', /symbolic link/);
  });

  it('a hard link to the box database', async () => {
    const { id, folder } = hostileFolder();
    linkSync(join(box.home, 'databox.db'), join(folder, 'data.bin'));
    await expectRefused(id, folder, 'data.bin', /hard link/);
  });

  it('a FIFO and a unix socket', async () => {
    const { id, folder } = hostileFolder();
    execFileSync('mkfifo', [join(folder, 'pipe')]);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(folder, 'sock'), resolve));
    try {
      await expectRefused(id, folder, 'pipe', /FIFO/);
      await expectRefused(id, folder, 'sock', /socket/);
    } finally {
      server.close();
    }
  });
});

describe('install refuses hostile .tgz entries before writing anything', () => {
  it('a symlink entry to the box database', async () => {
    const { id, folder } = hostileFolder();
    symlinkSync(join(box.home, 'databox.db'), join(folder, 'loot.db'));
    await expectRefused(id, tgz(folder), 'loot.db', /symbolic link \(to .*databox\.db\)/);
  });

  it('a hard link entry', async () => {
    const { id, folder } = hostileFolder();
    linkSync(join(folder, 'dist', 'app.js'), join(folder, 'dist', 'copy.js'));
    await expectRefused(id, tgz(folder, ['databox-app.json', 'dist']), 'dist/copy.js', /hard link/);
  });

  it('a ../../escape path and an absolute path', async () => {
    const { id, folder } = hostileFolder();
    writeFileSync(join(folder, 'escape.js'), 'owned');
    const escaping = tgz(
      folder,
      ['databox-app.json', 'dist', 'escape.js'],
      ['--transform', 's,^escape.js,../../escape.js,'],
    );
    await expectRefused(id, escaping, '../../escape.js', /"\.\."/);
    expect(existsSync(join(box.home, 'escape.js'))).toBe(false);
    const absolute = tgz(folder, ['databox-app.json', 'dist', '/etc/hostname']);
    await expectRefused(id, absolute, '/etc/hostname', /absolute path/);
  });

  it('a device entry and a FIFO entry', async () => {
    const { id, folder } = hostileFolder();
    execFileSync('mkfifo', [join(folder, 'pipe')]);
    const archive = tgz(
      folder,
      ['databox-app.json', 'dist', 'pipe', '/dev/null'],
      ['--transform', 's,^/dev/null,dev-null,'],
    );
    await expectRefused(id, archive, 'dev-null', /character device/);
    await expectRefused(id, archive, 'pipe', /FIFO/);
  });

  it('a gzip bomb: 160 MiB of zeros in a ~160 KB archive stops at the cap', async () => {
    const { id, folder } = hostileFolder();
    writeFileSync(join(folder, 'zeros.bin'), '');
    truncateSync(join(folder, 'zeros.bin'), 160 * 1024 * 1024); // sparse: no disk used
    const bomb = tgz(folder);
    expect(readFileSync(bomb).length).toBeLessThan(1024 * 1024);
    await expectRefused(id, bomb, '.', /unpacks to more than \d+ bytes/);
  }, 60_000);
});

describe('install records a digest of every file and runs refuse files changed since', () => {
  it('a GNU long-name and a POSIX pax archive install; app info lists each sha256', async () => {
    for (const format of ['gnu', 'posix']) {
      const { id, folder } = hostileFolder();
      const deep = join('assets', 'a'.repeat(60), 'b'.repeat(60));
      mkdirSync(join(folder, deep), { recursive: true });
      writeFileSync(join(folder, deep, 'long-name.json'), '{"deep":true}');
      const archive = tgz(folder, ['.'], [`--format=${format}`]);
      const res = await box.api('POST', '/api/v1/apps', {
        source: archive,
        grants: { power: { datasource: 'meter.power', resolution: '30min', history: 'P1D' } },
        allowUnsigned: true, // a tar made by GNU tar is not a signed bundle
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const info = (await box.api('GET', `/api/v1/apps/${id}`)).body.app;
      const bundle = readFileSync(join(folder, 'dist', 'app.js'));
      const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
      expect(info.files).toContainEqual({ path: 'dist/app.js', bytes: bundle.length, sha256: sha(bundle) });
      expect(info.files.map((f: { path: string }) => f.path)).toContain(`${deep}/long-name.json`);
      expect(info.filesDigest).toMatch(/^[0-9a-f]{64}$/);
      expect((await box.run(id)).status).toBe('ok');
    }
  });

  it('a bundle edited after install, or a link added to the installed folder, is refused at run', async () => {
    const { id, folder } = hostileFolder();
    expect((await box.install(folder, { power: '30min' })).status).toBe(201);
    const installed = join(box.home, 'apps', id, '1.0.0');
    const original = readFileSync(join(installed, 'dist', 'app.js'));
    expect((await box.run(id)).status).toBe('ok');

    appendFileSync(join(installed, 'dist', 'app.js'), '\n/* swapped after install */');
    const edited = await box.run(id);
    expect(edited.status).toBe('error');
    expect(edited.error).toMatch(/dist\/app\.js differs from the file installed/);

    writeFileSync(join(installed, 'dist', 'app.js'), original); // the installed bytes again: runs
    expect((await box.run(id)).status).toBe('ok');
    symlinkSync(join(box.home, 'databox.db'), join(installed, 'loot.db'));
    const linked = await box.run(id);
    expect(linked.status).toBe('error');
    expect(linked.error).toMatch(/loot\.db is a symbolic link/);
  });
});
