/**
 * Progress lines on stderr for long work: rewritten in place on a terminal, one line every few
 * seconds otherwise (so logs stay readable).
 */
export class Progress {
  #last = Date.now();
  readonly #tty = process.stderr.isTTY === true;
  readonly #every: number;

  constructor(private readonly label: string) {
    this.#every = this.#tty ? 200 : 5000;
  }

  update(text: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.#last < this.#every) return;
    this.#last = now;
    if (this.#tty) process.stderr.write(`\r${this.label}: ${text}\u001b[K`);
    else process.stderr.write(`${this.label}: ${text}\n`);
  }

  done(text: string): void {
    if (this.#tty) process.stderr.write(`\r\u001b[K`);
    process.stderr.write(`${this.label}: ${text}\n`);
  }
}
