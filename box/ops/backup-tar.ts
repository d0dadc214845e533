import { createReadStream } from 'node:fs';

/**
 * A minimal POSIX ustar writer and reader for backups: regular files only, streamed, so a store of
 * gigabytes never sits in memory. The output is an ordinary tar (`age -d backup.age | tar x`).
 */

const BLOCK = 512;

/** One file to put in the archive. */
export interface TarSource {
  /** Path inside the archive (relative, `/`-separated). */
  name: string;
  /** Where to read it from. */
  path: string;
  size: number;
}

function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let base = name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100)
      throw new Error(`path too long for a backup: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, 'utf8');
  h.write('0000600\0', 100, 'ascii'); // mode
  h.write('0000000\0', 108, 'ascii'); // uid
  h.write('0000000\0', 116, 'ascii'); // gid
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
    'ascii',
  );
  h.write('        ', 148, 'ascii'); // checksum placeholder
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\u000000', 257, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** The archive of `files` as a web stream (what the age library encrypts). */
export function tarStream(files: TarSource[]): ReadableStream<Uint8Array> {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (const file of files) {
      yield header(file.name, file.size);
      let read = 0;
      for await (const chunk of createReadStream(file.path, { highWaterMark: 1 << 20 })) {
        read += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (read !== file.size) throw new Error(`${file.path} changed size while it was backed up`);
      const pad = (BLOCK - (file.size % BLOCK)) % BLOCK;
      if (pad) yield Buffer.alloc(pad);
    }
    yield Buffer.alloc(BLOCK * 2);
  }
  const iterator = chunks();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
}

/** An entry as the reader hands it over: its name, size, and a writer for its bytes. */
export interface TarEntry {
  name: string;
  size: number;
}

/**
 * Reads a ustar stream, calling `onEntry` for each regular file and `onData` with its bytes in
 * order. Anything but regular files (links, devices) is refused: a restore must not be steered
 * outside its folder.
 */
export async function readTar(
  stream: AsyncIterable<Uint8Array>,
  onEntry: (entry: TarEntry) => Promise<void> | void,
  onData: (chunk: Buffer) => Promise<void> | void,
): Promise<void> {
  let buffer = Buffer.alloc(0);
  let remaining = 0; // bytes of the current file still to come
  let padding = 0;
  let ended = false;
  for await (const chunk of stream) {
    buffer = buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([buffer, chunk]);
    for (;;) {
      if (remaining > 0) {
        if (buffer.length === 0) break;
        const take = Math.min(remaining, buffer.length);
        await onData(buffer.subarray(0, take));
        buffer = buffer.subarray(take);
        remaining -= take;
        continue;
      }
      if (padding > 0) {
        if (buffer.length < padding) break;
        buffer = buffer.subarray(padding);
        padding = 0;
      }
      if (ended || buffer.length < BLOCK) break;
      const h = buffer.subarray(0, BLOCK);
      buffer = buffer.subarray(BLOCK);
      if (h.every((b) => b === 0)) {
        ended = true;
        break;
      }
      const field = (at: number, len: number) =>
        h
          .subarray(at, at + len)
          .toString('utf8')
          .replace(/\0.*$/s, '');
      const type = field(156, 1);
      if (type !== '0' && type !== '')
        throw new Error(`the backup holds something other than a file (type ${type})`);
      const prefix = field(345, 155);
      const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
      const size = Number.parseInt(field(124, 12).trim(), 8);
      if (!Number.isSafeInteger(size) || size < 0)
        throw new Error(`the backup's entry ${name} has no valid size`);
      await onEntry({ name, size });
      remaining = size;
      padding = (BLOCK - (size % BLOCK)) % BLOCK;
    }
  }
  if (!ended || remaining > 0) throw new Error('the backup ends early (it is truncated)');
}
