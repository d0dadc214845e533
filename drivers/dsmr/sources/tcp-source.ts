import { connect, type Socket } from 'node:net';
import { asError, type ByteConnection, type ByteSource } from './byte-source.ts';

export interface TcpByteSourceOptions {
  host: string;
  port: number;
  /** Give up connecting after this long, ms (default 10 000). */
  connectTimeoutMs?: number;
  /**
   * Close the connection when no byte arrived for this long, ms (default 60 000; 0 turns it off).
   * Meters send every 1 s (DSMR 5) or 10 s (DSMR 4); a silent socket is usually a dongle that hung
   * without closing it, and only a reconnect brings the data back.
   */
  idleTimeoutMs?: number;
}

/**
 * P1 bytes over TCP, as ser2net (`raw` mode) and P1 Wi-Fi dongles serve them.
 *
 * @example
 * ```ts
 * const source = new TcpByteSource({ host: 'p1-dongle.local', port: 23 });
 * const connection = await source.open((chunk) => console.log(chunk.length));
 * ```
 */
export class TcpByteSource implements ByteSource {
  readonly reconnects = true;
  readonly description: string;

  constructor(private readonly options: TcpByteSourceOptions) {
    this.description = `tcp ${options.host}:${options.port}`;
  }

  open(onData: (chunk: Buffer) => void): Promise<ByteConnection> {
    const { host, port, connectTimeoutMs = 10_000, idleTimeoutMs = 60_000 } = this.options;
    return new Promise((resolve, reject) => {
      const socket: Socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`${this.description}: no connection after ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`${this.description}: ${error.message}`, { cause: error }));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        const ended = new Promise<Error | undefined>((done) => {
          let error: Error | undefined;
          socket.on('error', (e) => {
            error = new Error(`${this.description}: ${e.message}`, { cause: e });
          });
          socket.once('close', () => done(error));
        });
        if (idleTimeoutMs > 0) {
          socket.setTimeout(idleTimeoutMs, () => socket.destroy(asError(`no data for ${idleTimeoutMs} ms`)));
        }
        socket.on('data', onData);
        resolve({ ended, close: () => socket.destroy() });
      });
    });
  }
}
