/**
 * The byte format of a compressed block: one datasource's raw readings of one UTC day (see
 * docs/store.md, *Compressed blocks*). Plain numbers only (no BigInt): every integer written is
 * kept below 2^52 so it stays exact in a double.
 *
 * Layout: version byte, varint n, value codec byte (+ decimals byte), increment mode byte
 * (+ the first increment as a float64), the timestamps as zig-zag delta-of-delta varints, then
 * the values: scaled integers (`v · 10^d`, zig-zag delta varints) when every value of the block is
 * exactly such a decimal, else a byte-aligned XOR of each value's float64 bits with the previous
 * one (Gorilla's idea at byte grain: a control byte of leading/trailing zero bytes, then the rest).
 */

const VERSION = 1;
const SCALED = 0;
const XOR = 1;
const INC_NONE = 0;
const INC_DERIVED = 1;
/** Largest |v · 10^d| the scaled codec takes, so deltas and zig-zags stay below 2^53. */
const SCALED_LIMIT = 2 ** 50;
const MAX_DECIMALS = 9;

/** A block's readings as columns; `inc` is null for gauges. */
export interface BlockColumns {
  t: number[];
  v: number[];
  inc: Array<number | null>;
}

class ByteWriter {
  bytes: number[] = [];
  varint(x: number): void {
    while (x >= 128) {
      this.bytes.push((x % 128) | 128);
      x = Math.floor(x / 128);
    }
    this.bytes.push(x);
  }
  zigzag(x: number): void {
    this.varint(x >= 0 ? 2 * x : -2 * x - 1);
  }
  float(x: number): void {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(x);
    for (const byte of b) this.bytes.push(byte);
  }
}

class ByteReader {
  at = 0;
  constructor(readonly buf: Buffer) {}
  byte(): number {
    if (this.at >= this.buf.length) throw new Error('compressed block: truncated');
    return this.buf[this.at++];
  }
  varint(): number {
    let x = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      x += (b & 127) * scale;
      if (b < 128) return x;
      scale *= 128;
    }
  }
  zigzag(): number {
    const z = this.varint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  float(): number {
    const x = this.buf.readDoubleBE(this.at);
    this.at += 8;
    return x;
  }
}

/** The fewest decimals `d` such that every value is exactly `s / 10^d` for an integer `s`. */
function decimalsOf(v: readonly number[]): number | undefined {
  search: for (let d = 0; d <= MAX_DECIMALS; d++) {
    const scale = 10 ** d;
    for (const x of v) {
      const s = Math.round(x * scale);
      if (Object.is(x, -0) || Math.abs(s) > SCALED_LIMIT || s / scale !== x) continue search;
    }
    return d;
  }
  return undefined;
}

/** The counter increment rule of rollup-bucket.ts, applied within the block. */
const increment = (value: number, previous: number) => (value >= previous ? value - previous : value);

/**
 * Encodes a day's rows (sorted by `t`, distinct). Returns undefined when the increments are
 * neither all null (a gauge) nor the counter rule over the previous value (then the day stays rows).
 */
export function encodeBlock(rows: BlockColumns): Buffer | undefined {
  const { t, v, inc } = rows;
  const n = t.length;
  const w = new ByteWriter();
  w.bytes.push(VERSION);
  w.varint(n);
  const decimals = decimalsOf(v);
  if (decimals === undefined) w.bytes.push(XOR);
  else w.bytes.push(SCALED, decimals);
  if (inc.every((x) => x === null)) w.bytes.push(INC_NONE);
  else {
    for (let i = 1; i < n; i++) if (!Object.is(inc[i], increment(v[i], v[i - 1]))) return undefined;
    if (inc[0] === null) return undefined;
    w.bytes.push(INC_DERIVED);
    w.float(inc[0]);
  }
  let previousDelta = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0) w.zigzag(t[0]);
    else {
      const delta = t[i] - t[i - 1];
      w.zigzag(delta - previousDelta);
      previousDelta = delta;
    }
  }
  if (decimals !== undefined) {
    const scale = 10 ** decimals;
    let previous = 0;
    for (const x of v) {
      const s = Math.round(x * scale);
      w.zigzag(s - previous);
      previous = s;
    }
  } else {
    const bits = Buffer.alloc(8 * n);
    for (let i = 0; i < n; i++) bits.writeDoubleBE(v[i], 8 * i);
    for (let i = 0; i < 8; i++) w.bytes.push(bits[i]);
    for (let i = 1; i < n; i++) {
      const x: number[] = [];
      for (let j = 0; j < 8; j++) x.push(bits[8 * i + j] ^ bits[8 * (i - 1) + j]);
      let lead = 0;
      while (lead < 8 && x[lead] === 0) lead++;
      if (lead === 8) {
        w.bytes.push(0x88);
        continue;
      }
      let trail = 0;
      while (x[7 - trail] === 0) trail++;
      w.bytes.push((lead << 4) | trail);
      for (let j = lead; j < 8 - trail; j++) w.bytes.push(x[j]);
    }
  }
  return Buffer.from(w.bytes);
}

/** Decodes a block written by {@link encodeBlock}; throws on a damaged one. */
export function decodeBlock(buf: Buffer): BlockColumns {
  const r = new ByteReader(buf);
  if (r.byte() !== VERSION) throw new Error('compressed block: unknown version');
  const n = r.varint();
  const codec = r.byte();
  const decimals = codec === SCALED ? r.byte() : -1;
  if (codec !== SCALED && codec !== XOR) throw new Error('compressed block: unknown value codec');
  const incMode = r.byte();
  const firstInc = incMode === INC_DERIVED ? r.float() : null;
  const t: number[] = new Array(n);
  const v: number[] = new Array(n);
  let delta = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0) t[0] = r.zigzag();
    else {
      delta += r.zigzag();
      t[i] = t[i - 1] + delta;
    }
  }
  if (codec === SCALED) {
    const scale = 10 ** decimals;
    let s = 0;
    for (let i = 0; i < n; i++) {
      s += r.zigzag();
      v[i] = s / scale;
    }
  } else if (n > 0) {
    const bits = Buffer.alloc(8);
    for (let j = 0; j < 8; j++) bits[j] = r.byte();
    v[0] = bits.readDoubleBE(0);
    for (let i = 1; i < n; i++) {
      const control = r.byte();
      if (control !== 0x88) {
        const lead = control >> 4;
        const trail = control & 15;
        for (let j = lead; j < 8 - trail; j++) bits[j] ^= r.byte();
      }
      v[i] = bits.readDoubleBE(0);
    }
  }
  const inc: Array<number | null> = new Array(n);
  for (let i = 0; i < n; i++)
    inc[i] = firstInc === null ? null : i === 0 ? firstInc : increment(v[i], v[i - 1]);
  if (r.at !== buf.length) throw new Error('compressed block: trailing bytes');
  return { t, v, inc };
}
