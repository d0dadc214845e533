/**
 * Where a P1 driver gets its bytes: a serial port, a TCP socket (ser2net, P1 Wi-Fi dongles) or a
 * file. A source only moves bytes; framing, parsing and reconnecting are the driver's job.
 */

/** One open connection of a {@link ByteSource}. */
export interface ByteConnection {
  /**
   * Resolves when the connection has ended: with the error that ended it, or `undefined` when the
   * other side closed it (or the file ran out). Never rejects.
   */
  readonly ended: Promise<Error | undefined>;
  /** Closes the connection; `ended` resolves soon after. Safe to call more than once. */
  close(): void;
}

/**
 * Opens connections that deliver raw bytes.
 *
 * @example
 * ```ts
 * const source = new TcpByteSource({ host: '192.168.1.40', port: 8088 });
 * const connection = await source.open((chunk) => splitter.push(chunk));
 * const reason = await connection.ended; // the dongle went away: reconnect with backoff
 * ```
 */
export interface ByteSource {
  /** For logs and errors, e.g. `tcp 192.168.1.40:8088`. */
  readonly description: string;
  /** `false` for sources that end on purpose (a file replay): the driver does not reopen them. */
  readonly reconnects: boolean;
  /** Opens a connection; rejects when it cannot be opened (refused, no such device or file). */
  open(onData: (chunk: Buffer) => void): Promise<ByteConnection>;
}

/** Turns whatever a stream emitted into an `Error` for {@link ByteConnection.ended}. */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
