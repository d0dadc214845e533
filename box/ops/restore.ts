import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { AuditLog } from '../audit/audit-log.ts';
import { loadBoxKey } from '../audit/box-key.ts';
import { Checkpoints } from '../audit/checkpoints.ts';
import { boxPaths } from '../config/paths.ts';
import { BadRequestError, ConflictError } from '../errors.ts';
import { readRuntimeFile } from '../runtime-file.ts';
import type { BackupManifest } from './backup.ts';
import type { RestoreKeys } from './backup-keys.ts';
import { readTar } from './backup-tar.ts';
import { enforcePrivateModes, privatePaths } from './file-modes.ts';
import { checkSqliteFile } from './sqlite-check.ts';

export interface RestoreResult {
  home: string;
  /** Where the folder it replaced was moved (kept, never deleted). */
  movedAside?: string;
  manifest: BackupManifest;
  auditEntries: number;
}

/** Paths a backup may hold: anything else is refused (a restore must not write outside its folder). */
const ALLOWED =
  /^(manifest\.json|databox\.db|gateway\/outbox\.db|config\.json|admin-token|audit-key\.pem|checkpoints\/latest|tls\/(cert|key)\.pem|apps\/[A-Za-z0-9._@+-]+(\/[A-Za-z0-9._@+ -]+)*)$/;

/** The backup could not be used; nothing was replaced. */
export class BackupRefusedError extends BadRequestError {
  constructor(file: string, problem: string) {
    super(`backup ${file} refused, nothing was replaced: ${problem}`, { code: 'backup_refused' });
  }
}

/**
 * Restores a backup into `home`, verifying everything before it replaces anything: it decrypts
 * (age authenticates every 64 KiB chunk, so any change to the file is found), checks each file's
 * SHA-256 against the manifest, runs `integrity_check` on the store and the outbox, verifies the
 * audit chain from entry 1 and that it extends the backup's signed checkpoint. Only then the old
 * folder (if any) is moved to `<home>.before-restore-<time>` and the restored one renamed into
 * place. Works on a fresh machine (no `home` yet).
 *
 * @example
 * await restoreBackup('/mnt/usb/databox-backup-20260101T030000Z.age', '/srv/databox', { identities: [key] });
 */
export async function restoreBackup(
  file: string,
  home: string,
  keys: RestoreKeys,
  progress: (step: string) => void = () => {},
): Promise<RestoreResult> {
  const paths = boxPaths(home);
  const runtime = readRuntimeFile(paths.runtime);
  if (runtime.state === 'running')
    throw new ConflictError(
      `a box is running on ${paths.home} (pid ${runtime.runtime.pid}); stop it before restoring into that folder`,
    );
  if (!existsSync(file)) throw new BadRequestError(`backup ${file} does not exist`);
  mkdirSync(dirname(paths.home), { recursive: true });
  const stage = `${paths.home}.restore-tmp-${randomBytes(4).toString('hex')}`;
  mkdirSync(stage, { mode: 0o700 });
  try {
    progress(`decrypting ${file}`);
    const digests = await unpack(file, stage, keys);
    const manifest = verifyManifest(file, stage, digests);
    progress('integrity_check of the store and the outbox');
    for (const name of ['databox.db', 'gateway/outbox.db']) {
      if (!existsSync(join(stage, name))) continue;
      const check = checkSqliteFile(join(stage, name), 'full');
      if (!check.ok)
        throw new BackupRefusedError(file, `its ${name} is damaged: ${check.problems.join('; ')}`);
    }
    progress('verifying the audit chain');
    const auditEntries = verifyAudit(file, stage, manifest);
    const movedAside = swap(paths.home, stage);
    enforcePrivateModes(privatePaths(paths.home));
    return { home: paths.home, movedAside, manifest, auditEntries };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Decrypts and unpacks into `stage`; returns each file's SHA-256 and size. */
async function unpack(
  file: string,
  stage: string,
  keys: RestoreKeys,
): Promise<Map<string, { sha256: string; bytes: number }>> {
  const { Decrypter } = await import('age-encryption');
  const decrypter = new Decrypter();
  for (const identity of keys.identities) decrypter.addIdentity(identity);
  if (keys.passphrase !== undefined) decrypter.addPassphrase(keys.passphrase);
  const digests = new Map<string, { sha256: string; bytes: number }>();
  let current: { name: string; fd: number; hash: ReturnType<typeof createHash>; bytes: number } | undefined;
  const finish = () => {
    if (!current) return;
    closeSync(current.fd);
    digests.set(current.name, { sha256: current.hash.digest('hex'), bytes: current.bytes });
    current = undefined;
  };
  try {
    const plain = await decrypter.decrypt(
      Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
    );
    await readTar(
      plain as unknown as AsyncIterable<Uint8Array>,
      ({ name }) => {
        finish();
        if (!ALLOWED.test(name) || name.split('/').includes('..') || digests.has(name))
          throw new Error(`it holds an unexpected entry "${name}"`);
        mkdirSync(dirname(join(stage, name)), { recursive: true, mode: 0o700 });
        current = {
          name,
          fd: openSync(join(stage, name), 'wx', 0o600),
          hash: createHash('sha256'),
          bytes: 0,
        };
      },
      (chunk) => {
        if (!current) return;
        writeSync(current.fd, chunk);
        current.hash.update(chunk);
        current.bytes += chunk.length;
      },
    );
    finish();
  } catch (error) {
    if (current) closeSync(current.fd);
    throw new BackupRefusedError(
      file,
      `it could not be decrypted and read (${(error as Error).message}): the key or passphrase is wrong, or the file was damaged or tampered with`,
    );
  }
  return digests;
}

function verifyManifest(
  file: string,
  stage: string,
  digests: Map<string, { sha256: string; bytes: number }>,
): BackupManifest {
  if (!digests.has('manifest.json')) throw new BackupRefusedError(file, 'it has no manifest.json');
  const manifest = JSON.parse(readFileSync(join(stage, 'manifest.json'), 'utf8')) as BackupManifest;
  if (manifest.format !== 'databox-backup/1')
    throw new BackupRefusedError(file, `unknown format ${String(manifest.format)}`);
  const listed = new Set(manifest.files.map((f) => f.name));
  for (const f of manifest.files) {
    const got = digests.get(f.name);
    if (!got) throw new BackupRefusedError(file, `${f.name} is in its manifest but not in the archive`);
    if (got.sha256 !== f.sha256 || got.bytes !== f.bytes)
      throw new BackupRefusedError(file, `${f.name} does not match its SHA-256 in the manifest`);
  }
  for (const name of digests.keys())
    if (name !== 'manifest.json' && !listed.has(name))
      throw new BackupRefusedError(file, `${name} is not in its manifest`);
  if (!listed.has('databox.db')) throw new BackupRefusedError(file, 'it holds no store (databox.db)');
  return manifest;
}

function verifyAudit(file: string, stage: string, manifest: BackupManifest): number {
  const db = new Database(join(stage, 'databox.db'));
  try {
    const log = new AuditLog(db);
    const result = log.verify();
    if (!result.ok)
      throw new BackupRefusedError(
        file,
        `its audit chain is broken at entry ${result.brokenAt}: ${result.reason}`,
      );
    if (result.head.seq !== manifest.auditHead.seq || result.head.hash !== manifest.auditHead.hash)
      throw new BackupRefusedError(file, 'its audit log does not end where its manifest says');
    const key = loadBoxKey(stage);
    if (key) {
      try {
        new Checkpoints(db, log, key, stage).checkAtStart();
      } catch (error) {
        throw new BackupRefusedError(file, (error as Error).message);
      }
    }
    return result.head.seq;
  } finally {
    db.close();
  }
}

/** Moves an existing, non-empty `home` aside and puts `stage` in its place. */
function swap(home: string, stage: string): string | undefined {
  let movedAside: string | undefined;
  if (existsSync(home)) {
    if (readdirSync(home).length === 0) rmSync(home, { recursive: true });
    else {
      movedAside = `${home}.before-restore-${new Date().toISOString().replace(/[-:.]/g, '')}`;
      renameSync(home, movedAside);
    }
  }
  rmSync(join(stage, 'manifest.json'), { force: true });
  renameSync(stage, home);
  return movedAside;
}
