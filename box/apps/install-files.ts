import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  type Stats,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { BadRequestError, type ErrorDetail } from '../errors.ts';

/** Caps on what one app may bring (a folder or an archive unpacked): a bomb is refused, not unpacked. */
export interface InstallLimits {
  /** Most files and folders. Default 10,000. */
  maxFiles: number;
  /** Most bytes of file content in total. Default 100 MiB. */
  maxBytes: number;
}

export const DEFAULT_INSTALL_LIMITS: InstallLimits = { maxFiles: 10_000, maxBytes: 100 * 1024 * 1024 };

/** One installed file and the digest of the bytes the box copied. */
export interface InstalledFile {
  /** Relative to the app folder, `/`-separated. */
  path: string;
  bytes: number;
  sha256: string;
}

/** What {@link scanAppFolder} found: plain folders and plain files only, with each file's identity. */
export interface ScannedTree {
  dirs: string[];
  files: Array<{ path: string; bytes: number; dev: number; ino: number; executable: boolean }>;
}

/** Most problems listed in one refusal (the count of the rest is given). */
const MAX_LISTED = 20;

/**
 * Walks an app folder without following anything (`lstat`): only plain folders and plain files with
 * a single link are accepted. Symbolic links (wherever they point), hard links (a file with more
 * than one name could be a box file by another name), devices, FIFOs and sockets are refused with
 * every offending path listed, as are trees over `limits`. `label` names the source in messages.
 *
 * @example
 * const tree = scanAppFolder('examples/energy-insights'); // throws BadRequestError naming e.g. "loot/databox.db: is a symbolic link"
 */
export function scanAppFolder(
  root: string,
  limits: InstallLimits = DEFAULT_INSTALL_LIMITS,
  label = root,
): ScannedTree {
  const builder = new TreeBuilder(root, limits, label);
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      if (builder.add(path, lstatSync(join(root, path)))) walk(path);
    }
  };
  walk('');
  return builder.finish();
}

/** The checks of one walk over an app folder, shared by the sync and async walks. */
export class TreeBuilder {
  readonly #tree: ScannedTree = { dirs: [], files: [] };
  readonly #problems: ErrorDetail[] = [];
  #bytes = 0;

  constructor(
    readonly root: string,
    readonly limits: InstallLimits,
    readonly label: string,
  ) {}

  /** Records one entry (from `lstat`); true if it is a folder to walk into. Throws past a limit. */
  add(path: string, info: Stats): boolean {
    const { limits } = this;
    if (this.#tree.dirs.length + this.#tree.files.length >= limits.maxFiles)
      throw refusal(this.label, [
        { path, message: `the app holds more than ${limits.maxFiles} files and folders` },
      ]);
    if (info.isDirectory()) {
      this.#tree.dirs.push(path);
      return true;
    }
    if (!info.isFile()) {
      this.#problems.push({ path, message: describeSpecial(this.root, path, info) });
      return false;
    }
    if (info.nlink > 1)
      this.#problems.push({ path, message: `is a hard link (${info.nlink} names for one file)` });
    this.#bytes += info.size;
    if (this.#bytes > limits.maxBytes)
      throw refusal(this.label, [
        { path, message: `the app's files add up to more than ${limits.maxBytes} bytes` },
      ]);
    this.#tree.files.push({
      path,
      bytes: info.size,
      dev: info.dev,
      ino: info.ino,
      executable: (info.mode & 0o100) !== 0,
    });
    return false;
  }

  /** The tree, or a refusal listing every link and special file found. */
  finish(): ScannedTree {
    if (this.#problems.length) throw refusal(this.label, this.#problems);
    return this.#tree;
  }
}

/**
 * Copies a scanned tree into `dest` (which must exist and be empty), reading each file through a
 * descriptor opened without following links and checking it is still the file that was scanned,
 * so a swap between scan and copy is refused rather than followed. Returns the digest of each
 * file as written. Copies are 0644 (0755 if the source was executable by its owner).
 */
export function copyScannedTree(root: string, tree: ScannedTree, dest: string): InstalledFile[] {
  // Modes are set explicitly, not through the umask: a container's uid 65534 reads staged copies.
  for (const dir of tree.dirs) {
    mkdirSync(join(dest, dir));
    chmodSync(join(dest, dir), 0o755);
  }
  return tree.files.map((file) => {
    const data = readScannedFile(root, file);
    const fd = openSync(join(dest, file.path), 'wx', 0o600);
    try {
      fchmodSync(fd, file.executable ? 0o755 : 0o644);
      writeFileSync(fd, data);
    } finally {
      closeSync(fd);
    }
    return { path: file.path, bytes: data.length, sha256: sha256(data) };
  });
}

/** Reads one file of a scanned tree, refusing it if it is no longer the plain file that was scanned. */
export function readScannedFile(root: string, file: ScannedTree['files'][number]): Buffer {
  // O_NONBLOCK: a file swapped for a FIFO must not hang the daemon before fstat refuses it
  const fd = openSync(
    join(root, file.path),
    constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
  );
  try {
    const info = fstatSync(fd);
    if (
      !info.isFile() ||
      info.dev !== file.dev ||
      info.ino !== file.ino ||
      info.nlink > 1 ||
      info.size !== file.bytes
    )
      throw refusal(root, [{ path: file.path, message: 'changed while it was being installed' }]);
    return readFileSync(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw refusal(root, [
        { path: file.path, message: 'became a symbolic link while it was being installed' },
      ]);
    throw error;
  } finally {
    closeSync(fd);
  }
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** One digest for a whole install: sha256 over `path NUL sha256 LF` of every file, in path order. */
export function treeDigest(files: InstalledFile[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)))
    hash.update(`${f.path}\0${f.sha256}\n`);
  return hash.digest('hex');
}

/** The refusal of an app's files: the message names the first offender, `details` lists them all. */
export function refusal(source: string, problems: ErrorDetail[]): BadRequestError {
  const [first] = problems;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
  return new BadRequestError(`${source}: the box does not install ${first.path}: ${first.message}${more}`, {
    code: 'unsafe_app_files',
    details: problems.slice(0, MAX_LISTED),
  });
}

function describeSpecial(root: string, path: string, info: Stats): string {
  if (info.isSymbolicLink()) {
    let target = '?';
    try {
      target = readlinkSync(join(root, path));
    } catch {}
    return `is a symbolic link (to ${target}); apps may hold only plain files and folders`;
  }
  if (info.isFIFO()) return 'is a FIFO (named pipe)';
  if (info.isSocket()) return 'is a socket';
  if (info.isCharacterDevice()) return 'is a character device';
  if (info.isBlockDevice()) return 'is a block device';
  return 'is not a plain file or folder';
}
