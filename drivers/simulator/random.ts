/**
 * Stateless hashing and a small seeded generator. Everything the simulator produces is a pure
 * function of (seed, time), so live mode and backfill agree and any range can be generated alone:
 * per-day decisions come from an {@link Rng} seeded with `hash(seed, day, salt)`, per-sample noise
 * straight from {@link hash3}.
 */

/** murmur3's 32-bit finaliser: a fast, well-mixed bijection on uint32. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hashes three integers to a uint32 (each is reduced modulo 2^32 first).
 *
 * @example
 * ```ts
 * const h = hash3(42, 19_700, 7); // same inputs, same output, on every machine
 * ```
 */
export function hash3(a: number, b: number, c: number): number {
  let h = fmix32(a ^ 0x9e3779b9);
  h = fmix32(h ^ b);
  return fmix32(h ^ Math.imul(c, 0x27d4eb2f));
}

/**
 * Folds any safe integer seed (negative or above 2^32 too) into a uint32.
 *
 * @example
 * ```ts
 * seedToUint32(2 ** 40 + 1) !== seedToUint32(1); // true
 * ```
 */
export function seedToUint32(seed: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4_294_967_296) >>> 0;
  return fmix32(lo ^ fmix32(hi ^ 0x5bd1e995));
}

/**
 * mulberry32: a tiny seeded generator for per-day plans (not for cryptography).
 *
 * @example
 * ```ts
 * const rng = new Rng(hash3(seed, day, SALT));
 * const wakeMinute = rng.between(390, 450);
 * ```
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer uniform in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor((hi - lo + 1) * this.next());
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Roughly normal (sum of three uniforms), mean 0, standard deviation `sd`. */
  normal(sd: number): number {
    return (this.next() + this.next() + this.next() - 1.5) * 2 * sd;
  }
}
