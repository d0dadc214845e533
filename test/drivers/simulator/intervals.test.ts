import { describe, expect, it } from 'vitest';
import {
  clipIntervals,
  inIntervals,
  subtractIntervals,
  unionIntervals,
} from '../../../drivers/simulator/intervals.ts';
import { hash3, Rng, seedToUint32 } from '../../../drivers/simulator/random.ts';

describe('interval algebra', () => {
  it('subtracts, unions, clips and tests membership (half-open)', () => {
    expect(subtractIntervals([[0, 10]], [[3, 5]])).toEqual([
      [0, 3],
      [5, 10],
    ]);
    expect(subtractIntervals([[0, 10]], [[-5, 20]])).toEqual([]);
    expect(
      subtractIntervals(
        [
          [0, 10],
          [20, 30],
        ],
        [
          [8, 22],
          [25, 26],
        ],
      ),
    ).toEqual([
      [0, 8],
      [22, 25],
      [26, 30],
    ]);
    expect(
      unionIntervals([
        [5, 8],
        [0, 6],
        [9, 9],
        [8, 9],
      ]),
    ).toEqual([[0, 9]]);
    expect(
      clipIntervals(
        [
          [0, 10],
          [20, 30],
        ],
        5,
        25,
      ),
    ).toEqual([
      [5, 10],
      [20, 25],
    ]);
    expect(inIntervals([[0, 10]], 0)).toBe(true);
    expect(inIntervals([[0, 10]], 10)).toBe(false);
  });
});

describe('seeded randomness', () => {
  it('is reproducible and roughly uniform', () => {
    expect(hash3(1, 2, 3)).toBe(hash3(1, 2, 3));
    expect(hash3(1, 2, 3)).not.toBe(hash3(1, 2, 4));
    expect(seedToUint32(2 ** 40 + 1)).not.toBe(seedToUint32(1));
    const a = new Rng(99);
    const b = new Rng(99);
    const draws = Array.from({ length: 10_000 }, () => a.next());
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02); // σ of the mean is 0.0029
    const ints = new Set(Array.from({ length: 1000 }, () => a.int(1, 4)));
    expect([...ints].sort()).toEqual([1, 2, 3, 4]);
  });
});
