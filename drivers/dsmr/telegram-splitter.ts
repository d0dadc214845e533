const SLASH = 0x2f;
const BANG = 0x21;
const LF = 0x0a;
/** After `!` at most this many bytes (4 CRC digits, CR, LF, some slack) before the telegram ends. */
const MAX_TRAILER = 8;

export interface TelegramSplitterOptions {
  /**
   * Largest telegram kept, in bytes (default 16 KiB; DSMR 5 telegrams with a 1024-character text
   * message stay under 4 KiB). A longer run without `!` is dropped and the splitter looks for the
   * next `/`, so a port that only ever sends noise never grows memory past this.
   */
  maxTelegramBytes?: number;
}

/**
 * Frames P1 telegrams out of a byte stream as it comes from a serial port or a TCP (ser2net)
 * socket: chunks may split a telegram anywhere, carry several telegrams, or start with the tail
 * of one whose start was missed. Bytes outside `/ … !CRC\r\n` are discarded. A `/` inside a
 * telegram means bytes were lost and a new telegram begins, so framing restarts there (no DSMR
 * object value contains `/`; DSMR 4+ text messages are hex-encoded).
 * Telegrams are emitted as latin1 strings (one character per byte), so their CRC can be checked
 * on the string. Pure and synchronous: no I/O, no timers.
 *
 * @example
 * ```ts
 * const splitter = new TelegramSplitter();
 * port.on('data', (chunk: Buffer) => {
 *   for (const text of splitter.push(chunk)) handle(parseTelegram(text));
 * });
 * ```
 */
export class TelegramSplitter {
  private readonly max: number;
  private parts: Buffer[] = [];
  private length = 0;
  private state: 'idle' | 'body' | 'trailer' = 'idle';
  private trailer = 0;
  private discarded = 0;

  constructor(opts: TelegramSplitterOptions = {}) {
    this.max = opts.maxTelegramBytes ?? 16 * 1024;
  }

  /** Bytes dropped so far: noise between telegrams, cut-off and oversized telegrams. */
  get discardedBytes(): number {
    return this.discarded;
  }

  /** Bytes held for an unfinished telegram (never more than `maxTelegramBytes`). */
  get bufferedBytes(): number {
    return this.length;
  }

  /**
   * Feeds the next chunk and returns the telegrams it completed, oldest first.
   *
   * @example
   * ```ts
   * splitter.push('garbage/ISK5\\2MT382-1000\r\n\r\n1-0:1.8.1(…)\r\n!'); // []
   * splitter.push('6EEE\r\n'); // ['/ISK5\\2MT382-1000\r\n…!6EEE\r\n']
   * ```
   */
  push(chunk: Uint8Array | string): string[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : Buffer.from(chunk);
    const out: string[] = [];
    let from = 0; // start of the part of `bytes` that belongs to the current telegram
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (this.state === 'idle') {
        if (b === SLASH) {
          this.discarded += i - from;
          from = i;
          this.state = 'body';
        }
      } else if (b === SLASH) {
        // A new header: finish a telegram that lacks its CRC line, or drop one that was cut short.
        if (this.state === 'trailer') out.push(this.take(bytes, from, i));
        else this.drop(i - from);
        from = i;
        this.state = 'body';
      } else if (this.state === 'body') {
        if (b === BANG) {
          this.state = 'trailer';
          this.trailer = 0;
        }
      } else if (b === LF || ++this.trailer > MAX_TRAILER) {
        out.push(this.take(bytes, from, i + 1));
        from = i + 1;
        this.state = 'idle';
      }
      if (this.state !== 'idle' && this.length + (i + 1 - from) > this.max) {
        this.drop(i + 1 - from);
        from = i + 1;
        this.state = 'idle';
      }
    }
    if (this.state === 'idle') this.discarded += bytes.length - from;
    else if (from < bytes.length) {
      this.parts.push(bytes.subarray(from));
      this.length += bytes.length - from;
    }
    return out;
  }

  /** Forgets any unfinished telegram (e.g. after reopening the port). */
  reset(): void {
    this.drop(0);
    this.state = 'idle';
  }

  private take(bytes: Buffer, from: number, to: number): string {
    const text = Buffer.concat([...this.parts, bytes.subarray(from, to)]).toString('latin1');
    this.parts = [];
    this.length = 0;
    return text;
  }

  private drop(extra: number): void {
    this.discarded += this.length + extra;
    this.parts = [];
    this.length = 0;
  }
}
