import { asError, type ByteConnection, type ByteSource } from './byte-source.ts';

export interface SerialByteSourceOptions {
  /** e.g. `/dev/ttyUSB0` or `/dev/serial/by-id/usb-FTDI_…`. */
  device: string;
  /**
   * 115200 8N1 for DSMR 4 and 5 (and e-MUCS); 9600 7E1 for DSMR 2.2 and 3.0, which is why 9600
   * also switches to 7 data bits with even parity.
   */
  baudRate: number;
}

/** The part of a serialport stream the source uses, so tests can pass `SerialPortMock`. */
export interface SerialLike {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  readonly isOpen: boolean;
  close(callback?: (error?: Error | null) => void): void;
}

export type SerialPortFactory = (
  options: { path: string; baudRate: number; dataBits: 7 | 8; parity: 'none' | 'even'; stopBits: 1 },
  onOpen: (error: Error | null) => void,
) => SerialLike;

// serialport (and its native binding) is loaded only when a serial P1 source opens.
let serialport: typeof import('serialport') | undefined;
const realPort: SerialPortFactory = (options, onOpen) => {
  if (!serialport) throw new Error('serialport is not loaded yet');
  return new serialport.SerialPort(options, onOpen);
};

/** Line settings for a baud rate: DSMR 2.2/3 meters at 9600 send 7E1, later ones 8N1. */
export function serialLineSettings(baudRate: number): { dataBits: 7 | 8; parity: 'none' | 'even' } {
  return baudRate === 9600 ? { dataBits: 7, parity: 'even' } : { dataBits: 8, parity: 'none' };
}

/**
 * P1 bytes from a serial device (a P1 USB cable). The port is read-only in practice: P1 needs
 * its request line held high, which these cables do in hardware.
 *
 * @example
 * ```ts
 * const source = new SerialByteSource({ device: '/dev/ttyUSB0', baudRate: 115200 });
 * ```
 */
export class SerialByteSource implements ByteSource {
  readonly reconnects = true;
  readonly description: string;

  constructor(
    private readonly options: SerialByteSourceOptions,
    private readonly factory: SerialPortFactory = realPort,
  ) {
    this.description = `serial ${options.device} at ${options.baudRate} baud`;
  }

  async open(onData: (chunk: Buffer) => void): Promise<ByteConnection> {
    if (this.factory === realPort) serialport ??= await import('serialport');
    const { device, baudRate } = this.options;
    const settings = { path: device, baudRate, ...serialLineSettings(baudRate), stopBits: 1 as const };
    return new Promise((resolve, reject) => {
      let port: SerialLike | undefined;
      // Some bindings call back synchronously, before `port` is assigned.
      const onOpen = (error: Error | null) =>
        queueMicrotask(() => {
          if (error || !port) {
            reject(new Error(`${this.description}: ${error?.message ?? 'did not open'}`, { cause: error }));
            return;
          }
          const opened = port;
          const ended = new Promise<Error | undefined>((done) => {
            let failure: Error | undefined;
            opened.on('error', (e) => {
              failure = new Error(`${this.description}: ${e.message}`, { cause: e });
            });
            opened.once('close', () => done(failure));
          });
          opened.on('data', onData);
          resolve({
            ended,
            close: () => {
              if (opened.isOpen) opened.close();
            },
          });
        });
      try {
        port = this.factory(settings, onOpen);
      } catch (error) {
        reject(asError(error));
      }
    });
  }
}
