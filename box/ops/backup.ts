import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { gatewayPaths } from '../../export-gateway/paths.ts';
import type { BoxPaths } from '../config/paths.ts';
import { VERSION } from '../version.ts';
import type { BackupKeys } from './backup-keys.ts';
import { type TarSource, tarStream } from './backup-tar.ts';

/** What a backup holds besides the files: `manifest.json`, the first entry of the archive. */
export interface BackupManifest {
  format: 'databox-backup/1';
  createdAt: string;
  boxVersion: string;
  /** The audit log's head in the copied store (restore checks the chain up to it). */
  auditHead: { seq: number; hash: string };
  files: Array<{ name: string; bytes: number; sha256: string }>;
}

export interface BackupResult {
  file: string;
  bytes: number;
  ms: number;
  manifest: BackupManifest;
}

/** `databox-backup-20260101T030000Z.age`: sorts by time, so rotation keeps the newest. */
export const BACKUP_PATTERN = /^databox-backup-\d{8}T\d{6}(\d{3})?Z\.age$/;

/**
 * Makes one encrypted backup of a box into `dir`, while the box runs: the store and the outbox are
 * copied with `VACUUM INTO` (one read transaction: a consistent snapshot that does not block the
 * box's writers), beside the config, admin token, audit key, latest checkpoint and installed apps.
 * They are staged in `<home>/.backup-tmp-*` (0700, removed at the end), put in a tar with a
 * manifest of SHA-256 digests, and encrypted with age (`age-encryption`) to
 * `<dir>/.databox-backup-*.age.partial`, which is renamed into place only once complete and
 * synced: an interrupted backup leaves at most a `.partial` file (removed by the next backup).
 *
 * @example
 * const result = await makeBackup(boxPaths('/srv/databox'), '/mnt/usb', { recipients: ['age1…'] });
 */
export async function makeBackup(
  paths: BoxPaths,
  dir: string,
  keys: BackupKeys,
  progress: (step: string) => void = () => {},
): Promise<BackupResult> {
  const started = Date.now();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(dir))
    if (/^\.databox-backup-.*\.partial$/.test(name)) rmSync(join(dir, name), { force: true });
  const stage = join(paths.home, `.backup-tmp-${randomBytes(4).toString('hex')}`);
  mkdirSync(stage, { mode: 0o700 });
  try {
    // small files first: the checkpoint must not be newer than the store copied after it
    const sources: TarSource[] = [];
    const plain = (name: string) => {
      const path = join(paths.home, name);
      if (existsSync(path) && statSync(path).isFile())
        sources.push({ name, path, size: statSync(path).size });
    };
    for (const name of [
      'config.json',
      'admin-token',
      'audit-key.pem',
      'checkpoints/latest',
      'tls/cert.pem',
      'tls/key.pem',
    ])
      plain(name);
    for (const file of walk(join(paths.home, 'apps'))) plain(relative(paths.home, file));
    const copies: TarSource[] = [];
    progress(`copying ${paths.database}`);
    copies.push(vacuumInto(paths.database, join(stage, 'databox.db'), 'databox.db'));
    const outbox = gatewayPaths(paths.home).db;
    if (existsSync(outbox)) {
      progress(`copying ${outbox}`);
      copies.push(vacuumInto(outbox, join(stage, 'outbox.db'), 'gateway/outbox.db'));
    }
    const all = [...copies, ...sources];
    progress('digests');
    const manifest: BackupManifest = {
      format: 'databox-backup/1',
      createdAt: new Date(started).toISOString(),
      boxVersion: VERSION,
      auditHead: auditHead(join(stage, 'databox.db')),
      files: await Promise.all(
        all.map(async (f) => ({ name: f.name, bytes: f.size, sha256: await sha256File(f.path) })),
      ),
    };
    const manifestPath = join(stage, 'manifest.json');
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 1)}\n`, { mode: 0o600 });
    const entries = [
      { name: 'manifest.json', path: manifestPath, size: statSync(manifestPath).size },
      ...all,
    ];

    const stamp = new Date(started).toISOString().replace(/[-:]/g, '').replace('.', '');
    const file = join(dir, `databox-backup-${stamp}.age`);
    const partial = join(dir, `.databox-backup-${stamp}.age.partial`);
    progress(`encrypting to ${file}`);
    const { Encrypter } = await import('age-encryption');
    const encrypter = new Encrypter();
    if (keys.recipients.length > 0) for (const r of keys.recipients) encrypter.addRecipient(r);
    else encrypter.setPassphrase(keys.passphrase as string);
    const encrypted = await encrypter.encrypt(tarStream(entries));
    await pipeline(Readable.fromWeb(encrypted as never), createWriteStream(partial, { mode: 0o600 }));
    const fd = openSync(partial, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(partial, file);
    return { file, bytes: statSync(file).size, ms: Date.now() - started, manifest };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** A consistent copy of a live SQLite file, and its tar entry. */
function vacuumInto(source: string, target: string, name: string): TarSource {
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    db.prepare('VACUUM INTO ?').run(target);
  } finally {
    db.close();
  }
  return { name, path: target, size: statSync(target).size };
}

function auditHead(file: string): { seq: number; hash: string } {
  const db = new Database(file, { readonly: true });
  try {
    const row = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as
      | { seq: number; hash: string }
      | undefined;
    return row ?? { seq: 0, hash: '0'.repeat(64) };
  } finally {
    db.close();
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

/** Deletes all but the newest `keep` backups in `dir`; returns what it deleted. */
export function rotateBackups(dir: string, keep: number): string[] {
  const backups = readdirSync(dir)
    .filter((n) => BACKUP_PATTERN.test(n))
    .sort();
  const old = backups.slice(0, Math.max(0, backups.length - keep));
  for (const name of old) rmSync(join(dir, name), { force: true });
  return old;
}
