import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyName } from '../../box/apps/bundle/bundle-format.ts';
import { packApp } from '../../box/apps/bundle/pack-app.ts';
import { noteKeyId } from '../../box/audit/box-key.ts';
import { type HostileBox, hostileIsolateApp, startHostileBox } from './hostile-box.ts';

/**
 * Issue 14 point 5, as an attacker would try it: a bundle packed and signed by the developer is
 * then tampered with (a file edited, a file added, the signed manifest rewritten to point outside
 * the app or at a link, a signature by another key, no signature at all) and handed to a real
 * `databox start` over its HTTP API. Each must be refused naming the problem, with nothing of the
 * app installed; unsigned installs only with allowUnsigned, and is then marked unsigned.
 */

let box: HostileBox;
let developerKey: string;
beforeAll(async () => {
  box = await startHostileBox();
  await box.seedPower(1);
  developerKey = join(box.scratch(), 'developer-key.pem');
}, 60_000);
afterAll(async () => {
  await box?.stop();
});

let count = 0;
/** A fresh hostile app packed and signed by the developer: its id, bundle, and an unpacked copy. */
async function signedBundle(version = '1.0.0', keyFile = developerKey, id = `signed-${count++}`) {
  const folder = hostileIsolateApp(box.scratch(), id, 'await report({ ran: true });');
  const manifest = JSON.parse(readFileSync(join(folder, 'databox-app.json'), 'utf8'));
  writeFileSync(join(folder, 'databox-app.json'), JSON.stringify({ ...manifest, version }));
  const out = join(box.scratch(), `${id}-${version}.tgz`);
  const packed = await packApp(folder, { keyFile, out });
  const unpacked = box.scratch();
  execFileSync('tar', ['-xzf', out, '-C', unpacked]);
  return { id, out, unpacked, packed };
}

/** The attacker's repack of an unpacked bundle, with GNU tar. */
function repack(dir: string, extra: string[] = []): string {
  const out = `${dir}.tgz`;
  execFileSync('tar', ['-czf', out, '-C', dir, ...extra, '.'], { stdio: 'pipe' });
  return out;
}

/**
 * A signed-note line over `text` by a fresh key that is not the developer's, under `name` (its own
 * by default), with the key id of `idKey` if given (key ids are public: name and key are in the bundle).
 */
function foreignSignature(text: Buffer, name?: string, idKey?: Buffer): string {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = (publicKey.export({ type: 'spki', format: 'der' }) as Buffer).subarray(-32);
  const signer = name ?? keyName(raw);
  const sig = Buffer.concat([noteKeyId(signer, idKey ?? raw), sign(null, text, privateKey)]);
  return `\u2014 ${signer} ${sig.toString('base64')}\n`;
}

/** The attacker rewrites the signed file list and signs it with their own key (a valid signature). */
function resign(dir: string, edit: (files: Array<{ path: string; bytes: number; sha256: string }>) => void) {
  const bundle = JSON.parse(readFileSync(join(dir, 'databox-bundle.json'), 'utf8'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = (publicKey.export({ type: 'spki', format: 'der' }) as Buffer).subarray(-32);
  bundle.publisher = { name: keyName(raw), key: raw.toString('base64') };
  edit(bundle.files);
  const text = Buffer.from(`${JSON.stringify(bundle, null, 2)}\n`);
  writeFileSync(join(dir, 'databox-bundle.json'), text);
  const sig = Buffer.concat([noteKeyId(bundle.publisher.name, raw), sign(null, text, privateKey)]);
  writeFileSync(
    join(dir, 'databox-bundle.sig'),
    `\u2014 ${bundle.publisher.name} ${sig.toString('base64')}\n`,
  );
}

const grants = { power: { datasource: 'meter.power', resolution: '30min', history: 'P1D' } };
const install = (source: string, more: Record<string, unknown> = {}) =>
  box.api('POST', '/api/v1/apps', { source, grants, ...more });

async function expectRefused(id: string, source: string, code: string, why: RegExp, path?: string) {
  const res = await install(source);
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.code).toBe(code);
  expect(res.body.error.message).toMatch(why);
  if (path) expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  expect((await box.api('GET', `/api/v1/apps/${id}`)).status).toBe(404);
  expect(existsSync(join(box.home, 'apps', id))).toBe(false);
  const audit = await box.api('GET', `/api/v1/audit?action=app.install&subject=${id}`);
  expect(audit.body.entries).toEqual([]);
  return res.body.error;
}

describe('install refuses a bundle that is not exactly as its developer signed it', () => {
  it('the untouched bundle installs, runs, and names its publisher in details and audit', async () => {
    const { id, out, packed } = await signedBundle();
    const res = await install(out);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.trust).toEqual({ signed: true, publisher: packed.publisher });
    const info = (await box.api('GET', `/api/v1/apps/${id}`)).body.app;
    expect(info.publisher.publisher.fingerprint).toBe(packed.publisher.fingerprint);
    const [entry] = (await box.api('GET', `/api/v1/audit?action=app.install&subject=${id}`)).body.entries;
    expect(entry.details.publisher).toEqual({
      signed: true,
      fingerprint: packed.publisher.fingerprint,
      key: packed.publisher.key,
    });
    expect((await box.run(id)).status).toBe('ok');
  });

  it('one file altered after signing', async () => {
    const { id, unpacked } = await signedBundle();
    appendFileSync(join(unpacked, 'dist', 'app.js'), '\nawait call("readings.read", { steal: true });');
    const error = await expectRefused(
      id,
      repack(unpacked),
      'bundle_altered',
      /dist\/app\.js differs from the file signed/,
      'dist/app.js',
    );
    expect(error.message).toMatch(/was altered after it was signed/);
  });

  it('a file added that the signed manifest does not list', async () => {
    const { id, unpacked } = await signedBundle();
    writeFileSync(join(unpacked, 'dist', 'extra.js'), 'globalThis.evil = 1;');
    await expectRefused(
      id,
      repack(unpacked),
      'bundle_altered',
      /dist\/extra\.js is in the bundle but not in the signed/,
      'dist/extra.js',
    );
  });

  it('a signed manifest listing a ../ path, and one listing a symlink (both re-signed by the attacker)', async () => {
    const { id, unpacked } = await signedBundle();
    resign(unpacked, (files) => files.push({ path: '../../escape.js', bytes: 5, sha256: '0'.repeat(64) }));
    await expectRefused(
      id,
      repack(unpacked),
      'bundle_manifest_invalid',
      /"\.\.\/\.\.\/escape\.js" has "\.\."/,
    );
    expect(existsSync(join(box.home, 'escape.js'))).toBe(false);

    // the link is in the archive and the signed manifest lists it: refused as a link before anything else
    const linked = await signedBundle();
    symlinkSync(join(box.home, 'databox.db'), join(linked.unpacked, 'dist', 'loot.db'));
    resign(linked.unpacked, (files) =>
      files.push({
        path: 'dist/loot.db',
        bytes: 0,
        sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      }),
    );
    const error = await expectRefused(
      linked.id,
      repack(linked.unpacked),
      'unsafe_app_files',
      /dist\/loot\.db: is a symbolic link/,
    );
    expect(error.details[0].message).toMatch(/databox\.db/);
  });

  it('a signature made by another key', async () => {
    const { id, unpacked } = await signedBundle();
    const text = readFileSync(join(unpacked, 'databox-bundle.json'));
    // under the attacker's own key name
    writeFileSync(join(unpacked, 'databox-bundle.sig'), foreignSignature(text));
    await expectRefused(
      id,
      repack(unpacked),
      'bundle_signature_invalid',
      /signature is invalid: it is signed by databox-app\/\w+, not by the key/,
    );
    // claiming to be the developer's key
    const name = JSON.parse(text.toString()).publisher.name;
    writeFileSync(join(unpacked, 'databox-bundle.sig'), foreignSignature(text, name));
    await expectRefused(
      id,
      repack(unpacked),
      'bundle_signature_invalid',
      /signature is invalid: its key id is not that of databox-app\//,
    );
    // ... with the developer's key id too: only the Ed25519 check is left to catch it
    const developer = Buffer.from(JSON.parse(text.toString()).publisher.key, 'base64');
    writeFileSync(join(unpacked, 'databox-bundle.sig'), foreignSignature(text, name, developer));
    await expectRefused(
      id,
      repack(unpacked),
      'bundle_signature_invalid',
      /the Ed25519 signature does not match databox-bundle\.json and the key it names/,
    );
  });

  it('a file altered and its digest rewritten in the manifest, keeping the developer signature', async () => {
    const { id, unpacked } = await signedBundle();
    const evil = Buffer.from('globalThis.__databoxRun = async () => {};');
    writeFileSync(join(unpacked, 'dist', 'app.js'), evil);
    const manifestFile = join(unpacked, 'databox-bundle.json');
    const bundle = JSON.parse(readFileSync(manifestFile, 'utf8'));
    const entry = bundle.files.find((f: { path: string }) => f.path === 'dist/app.js');
    entry.bytes = evil.length;
    entry.sha256 = createHash('sha256').update(evil).digest('hex');
    writeFileSync(manifestFile, `${JSON.stringify(bundle, null, 2)}\n`);
    await expectRefused(
      id,
      repack(unpacked),
      'bundle_signature_invalid',
      /the Ed25519 signature does not match databox-bundle\.json/,
      'databox-bundle.sig',
    );
  });

  it('an unsigned bundle is refused, and with allowUnsigned installs marked unsigned', async () => {
    const { id, unpacked } = await signedBundle();
    for (const f of ['databox-bundle.json', 'databox-bundle.sig']) rmSync(join(unpacked, f));
    const unsigned = repack(unpacked);
    const error = await expectRefused(id, unsigned, 'bundle_unsigned', /it is unsigned .*--allow-unsigned/);
    expect(error.message).toMatch(/Nothing was installed/);
    const res = await install(unsigned, { allowUnsigned: true });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.trust).toMatchObject({ signed: false, code: 'bundle_unsigned' });
    const info = (await box.api('GET', `/api/v1/apps/${id}`)).body.app;
    expect(info.publisher).toMatchObject({ signed: false, reason: expect.stringMatching(/unsigned/) });
    const [entry] = (await box.api('GET', `/api/v1/audit?action=app.install&subject=${id}`)).body.entries;
    expect(entry.details.publisher).toEqual({ signed: false, why: 'bundle_unsigned' });
    expect((await box.run(id)).status).toBe('ok');
  });
});

describe('an upgrade must come from the key that signed the installed version', () => {
  it('a v2 signed by another key is refused saying so, and installs only with allowKeyChange', async () => {
    const v1 = await signedBundle('1.0.0');
    expect((await install(v1.out)).status).toBe(201);
    const otherKey = join(box.scratch(), 'other-key.pem');
    const v2 = await signedBundle('1.1.0', otherKey, v1.id);
    const res = await install(v2.out);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('publisher_key_changed');
    expect(res.body.error.message).toContain(
      `${v1.id} 1.0.0 is signed by the key ${v1.packed.publisher.fingerprint}`,
    );
    expect(res.body.error.message).toContain(
      `1.1.0 is signed by a different key, ${v2.packed.publisher.fingerprint}`,
    );
    expect(res.body.error.message).toMatch(/--allow-key-change/);
    expect((await box.api('GET', `/api/v1/apps/${v1.id}`)).body.app.version).toBe('1.0.0');
    expect(existsSync(join(box.home, 'apps', v1.id, '1.1.0'))).toBe(false);

    // an unsigned v2 over a signed v1 is a change of key too, even with allowUnsigned
    for (const f of ['databox-bundle.json', 'databox-bundle.sig']) rmSync(join(v2.unpacked, f));
    const unsigned = await install(repack(v2.unpacked), { allowUnsigned: true });
    expect(unsigned.body.error?.code).toBe('publisher_key_changed');
    expect(unsigned.body.error.message).toMatch(/1\.1\.0 is not signed/);

    const allowed = await install(v2.out, { allowKeyChange: true });
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(201);
    const info = (await box.api('GET', `/api/v1/apps/${v1.id}`)).body.app;
    expect(info.version).toBe('1.1.0');
    expect(info.publisher.publisher.fingerprint).toBe(v2.packed.publisher.fingerprint);
  });

  it('a v2 from the same key upgrades; rollback to v1 verifies the kept bundle again', async () => {
    const v1 = await signedBundle('1.0.0');
    expect((await install(v1.out)).status).toBe(201);
    const v2 = await signedBundle('2.0.0', developerKey, v1.id);
    expect((await install(v2.out)).status).toBe(201);
    const kept = join(box.home, 'apps', v1.id, '1.0.0', 'dist', 'app.js');
    appendFileSync(kept, '\n/* edited while kept */');
    const { runCli } = await import('../helpers/box-process.ts');
    const tampered = runCli(['app', 'rollback', v1.id, '--home', box.home]);
    expect(tampered.status).toBe(1);
    expect(tampered.stderr).toMatch(/dist\/app\.js differs from the file signed/);
    expect((await box.api('GET', `/api/v1/apps/${v1.id}`)).body.app.version).toBe('2.0.0');

    writeFileSync(kept, readFileSync(join(v1.unpacked, 'dist', 'app.js'))); // as signed again
    const rolled = runCli(['app', 'rollback', v1.id, '--home', box.home]);
    expect(rolled.status, rolled.stderr).toBe(0);
    const info = (await box.api('GET', `/api/v1/apps/${v1.id}`)).body.app;
    expect(info.version).toBe('1.0.0');
    expect(info.publisher.publisher.fingerprint).toBe(v1.packed.publisher.fingerprint);
  });
});

describe('databox app install says the same on the command line', () => {
  it('refuses an altered bundle naming the file; --allow-unsigned installs it and prints UNSIGNED', async () => {
    const { runCli } = await import('../helpers/box-process.ts');
    const { id, unpacked } = await signedBundle();
    appendFileSync(join(unpacked, 'dist', 'app.js'), '\n// patched');
    const altered = repack(unpacked);
    const args = [
      'app',
      'install',
      altered,
      '--grant',
      'power=meter.power@30min/P1D',
      '--yes',
      '--home',
      box.home,
    ];
    const refused = runCli(args);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /was altered after it was signed: dist\/app\.js differs from the file signed/,
    );
    expect(refused.stderr).toMatch(/--allow-unsigned/);
    expect((await box.api('GET', `/api/v1/apps/${id}`)).status).toBe(404);

    const allowed = runCli([...args, '--allow-unsigned']);
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/UNSIGNED: it was altered after it was signed: dist\/app\.js/);
    const info = (await box.api('GET', `/api/v1/apps/${id}`)).body.app;
    expect(info.publisher).toMatchObject({ signed: false, code: 'bundle_altered' });
  });
});
