import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { ByteConnection, ByteSource } from './byte-source.ts';

/**
 * Replays P1 bytes from a file (a capture made with `cat /dev/ttyUSB0 > p1.txt` or a ser2net
 * log): the whole file once, in the stream's chunks. A replay is not reopened when it ends.
 *
 * @example
 * ```ts
 * const source = new FileByteSource('/var/lib/databox/p1-capture.txt');
 * const connection = await source.open((chunk) => splitter.push(chunk));
 * await connection.ended; // undefined: the file was read to its end
 * ```
 */
export class FileByteSource implements ByteSource {
  readonly reconnects = false;
  readonly description: string;

  constructor(private readonly path: string) {
    this.description = `file ${path}`;
  }

  async open(onData: (chunk: Buffer) => void): Promise<ByteConnection> {
    try {
      await access(this.path);
    } catch (error) {
      throw new Error(`${this.description}: cannot read it (${(error as Error).message})`, { cause: error });
    }
    const stream = createReadStream(this.path);
    const ended = new Promise<Error | undefined>((done) => {
      stream.on('data', (chunk) => onData(chunk as Buffer));
      stream.once('error', (error) =>
        done(new Error(`${this.description}: ${error.message}`, { cause: error })),
      );
      stream.once('end', () => done(undefined));
      stream.once('close', () => done(undefined));
    });
    return { ended, close: () => stream.destroy() };
  }
}
