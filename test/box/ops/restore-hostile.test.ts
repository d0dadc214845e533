import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Encrypter, generateIdentity, identityToRecipient } from 'age-encryption';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { boxPaths } from '../../../box/config/paths.ts';
import { makeBackup } from '../../../box/ops/backup.ts';
import { tarStream } from '../../../box/ops/backup-tar.ts';
import { restoreBackup } from '../../../box/ops/restore.ts';
import { Store } from '../../../box/store/store.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();

/**
 * The attacker knows the householder's age public key (it is public), so they can make a backup
 * that decrypts fine. Restore must still refuse what a real backup never holds.
 */
async function craft(
  recipient: string,
  entries: Array<{ name: string; data: Buffer }>,
  patch?: (tar: Buffer) => Buffer,
): Promise<string> {
  const dir = tempDir();
  const files = entries.map((e, i) => {
    const path = join(dir, `f${i}`);
    writeFileSync(path, e.data);
    return { name: e.name, path, size: e.data.length };
  });
  const chunks: Buffer[] = [];
  for await (const c of tarStream(files) as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
  let tar: Buffer = Buffer.concat(chunks);
  if (patch) tar = patch(tar);
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  const out = join(dir, 'evil.age');
  writeFileSync(out, await encrypter.encrypt(new Uint8Array(tar)));
  return out;
}

async function keyPair() {
  const identity = await generateIdentity();
  return { identity, recipient: await identityToRecipient(identity) };
}

describe('restore refuses hostile backups', () => {
  it('an entry that climbs out of the folder ("../") is refused and nothing is written outside', async () => {
    const { identity, recipient } = await keyPair();
    const parent = tempDir();
    const target = join(parent, 'home');
    const file = await craft(recipient, [
      { name: 'manifest.json', data: Buffer.from('{}') },
      { name: '../escaped', data: Buffer.from('owned') },
    ]);
    await expect(restoreBackup(file, target, { identities: [identity] })).rejects.toThrow(
      /unexpected entry "\.\.\/escaped"/,
    );
    expect(readdirSync(parent)).toEqual([]);
  });

  it('a symbolic link entry is refused', async () => {
    const { identity, recipient } = await keyPair();
    const target = join(tempDir(), 'home');
    const file = await craft(recipient, [{ name: 'databox.db', data: Buffer.alloc(0) }], (tar) => {
      tar.write('2', 156, 'ascii'); // type: symlink
      tar.write('/etc/passwd', 157, 'utf8'); // its target
      tar.write('        ', 148, 'ascii');
      let sum = 0;
      for (const b of tar.subarray(0, 512)) sum += b;
      tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
      return tar;
    });
    await expect(restoreBackup(file, target, { identities: [identity] })).rejects.toThrow(
      /something other than a file/,
    );
    expect(existsSync(target)).toBe(false);
  });

  it('a well-formed backup of a store whose audit chain was rewritten is refused', async () => {
    const { identity, recipient } = await keyPair();
    const home = tempDir();
    const store = Store.open(join(home, 'databox.db'));
    store.createDatasource(
      { id: 'power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    store.close();
    const db = new Database(join(home, 'databox.db'));
    db.exec('DROP TRIGGER IF EXISTS audit_no_update');
    db.prepare("UPDATE audit SET subject = 'other' WHERE seq = 1").run();
    db.close();
    const out = tempDir();
    const made = await makeBackup(boxPaths(home), out, { recipients: [recipient] });
    const target = join(tempDir(), 'home');
    await expect(restoreBackup(made.file, target, { identities: [identity] })).rejects.toThrow(
      /refused, nothing was replaced: its audit chain is broken at entry 1/,
    );
    expect(existsSync(target)).toBe(false);
  });

  it('a truncated backup is refused', async () => {
    const { identity, recipient } = await keyPair();
    const home = tempDir();
    Store.open(join(home, 'databox.db')).close();
    const made = await makeBackup(boxPaths(home), tempDir(), { recipients: [recipient] });
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(made.file);
    writeFileSync(made.file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expect(restoreBackup(made.file, join(tempDir(), 'h'), { identities: [identity] })).rejects.toThrow(
      /refused, nothing was replaced/,
    );
  });
});
