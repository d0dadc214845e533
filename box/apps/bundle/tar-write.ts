import { gzipSync } from 'node:zlib';

const BLOCK = 512;

/** One file of an archive to write. */
export interface TarFile {
  /** Relative, `/`-separated. */
  path: string;
  data: Buffer;
  executable?: boolean;
}

/**
 * Writes plain files as a gzipped POSIX ustar archive, the format the box's own reader
 * (install-archive.ts) takes: no folder entries (the reader makes parent folders), owner 0:0,
 * time 0 and mode 0644/0755, so packing the same files twice gives the same bytes. A path longer
 * than ustar's 100-byte name field goes in a pax `path` record before its header.
 *
 * @example
 * writeFileSync('app.tgz', tarGzip([{ path: 'databox-app.json', data: Buffer.from('{}') }]));
 */
export function tarGzip(files: TarFile[]): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const name = Buffer.from(file.path, 'utf8');
    if (name.length > 100) {
      const record = paxRecord('path', file.path);
      blocks.push(header('././@PaxHeader', record.length, 'x', 0o644), pad(record));
    }
    const shortName = name.length > 100 ? name.subarray(0, 100).toString('latin1') : file.path;
    blocks.push(header(shortName, file.data.length, '0', file.executable ? 0o755 : 0o644), pad(file.data));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return gzipSync(Buffer.concat(blocks), { level: 9 });
}

function header(name: string, size: number, type: string, mode: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1'); // uid
  h.write(octal(0, 8), 116, 'latin1'); // gid
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(0, 12), 136, 'latin1'); // mtime
  h.fill(0x20, 148, 156); // checksum counted as spaces
  h.write(type, 156, 'latin1');
  h.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return h;
}

/** A NUL-terminated octal field of `width` bytes. */
function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\u0000`;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}

/** A pax record `<len> key=value\n`, whose length counts its own digits. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bytes = Buffer.byteLength(body, 'utf8');
  let length = bytes + String(bytes).length;
  if (String(length).length !== String(length - bytes).length) length += 1;
  return Buffer.from(`${length}${body}`, 'utf8');
}
