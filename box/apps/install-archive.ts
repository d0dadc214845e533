import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BadRequestError, type ErrorDetail } from '../errors.ts';
import { DEFAULT_INSTALL_LIMITS, type InstallLimits, refusal } from './install-files.ts';

const BLOCK = 512;

/** One checked entry of an app archive: a plain file (with its bytes) or a folder. */
export interface ArchiveEntry {
  /** Relative, `/`-separated, in normal form. */
  path: string;
  type: 'file' | 'dir';
  data?: Buffer;
  executable: boolean;
}

/** Header fields a pax (`x`) or GNU long-name (`L`) record sets for the entry after it. */
interface Pending {
  path?: string;
  size?: number;
}

const REFUSED_TYPES: Record<string, string> = {
  '1': 'is a hard link',
  '2': 'is a symbolic link',
  '3': 'is a character device',
  '4': 'is a block device',
  '6': 'is a FIFO (named pipe)',
};

/**
 * Unpacks an app `.tgz` into `dest` without the system `tar`: the archive is inflated with a cap
 * (zlib `maxOutputLength`, so a gzip bomb stops at the cap instead of filling memory or disk),
 * every ustar/pax/GNU header is read and checked first, and only if every entry is a plain file or
 * folder with a safe relative path is anything written. Refused, each listed by path: links, devices,
 * FIFOs, absolute paths, `..`, duplicate names, unknown entry types, more than `limits.maxFiles`
 * entries or `limits.maxBytes` of content. Modes, owners and times in the archive are ignored.
 *
 * Why not a library: a tar reader for plain files is ~100 lines, and owning it means the policy
 * (what is refused, when inflation stops) is decided here rather than by a library's defaults.
 *
 * @example
 * extractAppArchive('energy-insights-1.0.0.tgz', tempDir); // throws naming "package/x: is a symbolic link"
 */
export function extractAppArchive(
  file: string,
  dest: string,
  limits: InstallLimits = DEFAULT_INSTALL_LIMITS,
): void {
  writeArchiveEntries(file, readAppArchive(file, limits), dest);
}

/**
 * The checked entries of an app `.tgz`, read into memory and not written anywhere (see
 * {@link extractAppArchive} for what is refused), so a bundle's signature and digests can be
 * verified before anything touches the disk.
 */
export function readAppArchive(file: string, limits: InstallLimits = DEFAULT_INSTALL_LIMITS): ArchiveEntry[] {
  // A valid archive within the limits is its content plus a header (and padding) per entry.
  const maxTarBytes = limits.maxBytes + (limits.maxFiles + 2) * 3 * BLOCK;
  if (statSync(file).size > maxTarBytes)
    throw refusal(file, [{ path: '.', message: `the archive is larger than ${maxTarBytes} bytes` }]);
  let tar: Buffer;
  try {
    tar = gunzipSync(readFileSync(file), { maxOutputLength: maxTarBytes });
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw refusal(file, [{ path: '.', message: `the archive unpacks to more than ${maxTarBytes} bytes` }]);
    throw new BadRequestError(
      `${file} could not be unpacked: it is not a gzip file (${(error as Error).message})`,
    );
  }
  return readTar(file, tar, limits);
}

/** Writes entries from {@link readAppArchive} under `dest` (new files only: `wx`). */
export function writeArchiveEntries(file: string, entries: ArchiveEntry[], dest: string): void {
  for (const entry of entries) {
    const target = join(dest, entry.path);
    try {
      if (entry.type === 'dir') mkdirSync(target, { recursive: true, mode: 0o755 });
      else {
        mkdirSync(join(target, '..'), { recursive: true, mode: 0o755 });
        writeFileSync(target, entry.data ?? Buffer.alloc(0), {
          flag: 'wx',
          mode: entry.executable ? 0o755 : 0o644,
        });
      }
    } catch (error) {
      throw refusal(file, [
        { path: entry.path, message: `cannot be unpacked (${(error as NodeJS.ErrnoException).code})` },
      ]);
    }
  }
}

function readTar(file: string, tar: Buffer, limits: InstallLimits): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [];
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  let pending: Pending = {};
  let bytes = 0;
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break; // end of archive
    if (!checksumOk(header))
      throw refusal(file, [{ path: `@${offset}`, message: 'is not a valid tar header (bad checksum)' }]);
    const type = String.fromCharCode(header[156] || 0x30);
    const size = pending.size ?? octal(header.subarray(124, 136));
    if (size === undefined || !Number.isSafeInteger(size) || size < 0)
      throw refusal(file, [{ path: `@${offset}`, message: 'has an unreadable size' }]);
    const dataStart = offset + BLOCK;
    if (dataStart + size > tar.length)
      throw refusal(file, [{ path: `@${offset}`, message: 'is cut short (truncated archive)' }]);
    const data = tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      pending = { ...pending, ...paxRecords(data) };
      continue;
    }
    if (type === 'L') {
      pending = { ...pending, path: cString(data) };
      continue;
    }
    if (type === 'g' || type === 'K') continue; // global comments (git archive), link names: no effect on files
    const name = pending.path ?? headerName(header);
    pending = {};
    const path = safePath(name);
    if (typeof path !== 'string') {
      problems.push({ path: name, message: path.error });
      continue;
    }
    if (entries.length >= limits.maxFiles)
      throw refusal(file, [{ path, message: `the archive holds more than ${limits.maxFiles} entries` }]);
    const refused = REFUSED_TYPES[type];
    if (refused) {
      const link = cString(header.subarray(157, 257));
      problems.push({
        path,
        message: `${refused}${link ? ` (to ${link})` : ''}; apps may hold only plain files and folders`,
      });
      continue;
    }
    if (type !== '0' && type !== '7' && type !== '5') {
      problems.push({ path, message: `is a tar entry of type "${type}", which the box does not install` });
      continue;
    }
    if (path === '') continue; // "./" itself
    if (seen.has(path)) {
      problems.push({ path, message: 'appears twice in the archive' });
      continue;
    }
    seen.add(path);
    const executable = ((octal(header.subarray(100, 108)) ?? 0) & 0o100) !== 0;
    if (type === '5') entries.push({ path, type: 'dir', executable });
    else {
      bytes += size;
      if (bytes > limits.maxBytes)
        throw refusal(file, [
          { path, message: `the archive's files add up to more than ${limits.maxBytes} bytes` },
        ]);
      entries.push({ path, type: 'file', data, executable });
    }
  }
  if (problems.length) throw refusal(file, problems);
  return entries;
}

/** A relative `/`-separated path with no `.`/empty segments, or why the name is refused. */
function safePath(name: string): string | { error: string } {
  if (name.includes('\0')) return { error: 'has a NUL character in its name' };
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return { error: 'is an absolute path' };
  if (name.includes('\\')) return { error: 'has a backslash in its name' };
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return { error: 'has ".." in its path (it would land outside the app folder)' };
  return parts.join('/');
}

function headerName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  // POSIX ustar ("ustar\0") keeps a path prefix in 345..500; GNU tar ("ustar  ") uses that space otherwise.
  const posix = header.subarray(257, 263).toString('latin1') === 'ustar\0';
  const prefix = posix ? cString(header.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function paxRecords(data: Buffer): Pending {
  const out: Pending = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.subarray(at, space).toString('latin1'));
    if (space < 0 || !Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') out.path = value;
    if (key === 'size') out.size = Number(value);
    at += length;
  }
  return out;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8');
}

/** An octal header number; base-256 (high bit set) sizes are refused by returning undefined. */
function octal(field: Buffer): number | undefined {
  if (field[0] & 0x80) return undefined;
  const text = cString(field).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  return Number.parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return octal(header.subarray(148, 156)) === sum;
}
