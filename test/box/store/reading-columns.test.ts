import { describe, expect, it } from 'vitest';
import { checkReadingColumns, ReadingColumnsBuilder } from '../../../box/store/reading-columns.ts';
import { validateReadings } from '../../../box/store/reading-validation.ts';
import { Rng } from '../../../drivers/simulator/random.ts';

describe('ReadingColumnsBuilder', () => {
  it('sorts as validateReadings does: by t, ties in the order pushed, across growth', () => {
    const rng = new Rng(3);
    const random = () => rng.next();
    const readings = Array.from({ length: 1000 }, (_, i) => ({ t: Math.floor(random() * 50) * 1000, v: i }));
    const builder = new ReadingColumnsBuilder();
    for (const r of readings) builder.push(r.t, r.v);
    expect(builder.length).toBe(1000);
    const { t, v } = builder.columns();
    const expected = validateReadings(readings);
    expect(Array.from(t)).toEqual(expected.map((r) => r.t));
    expect(Array.from(v)).toEqual(expected.map((r) => r.v)); // ties keep their order: first wins
  });

  it('keeps sorted pushes as they are, -0 included', () => {
    const builder = new ReadingColumnsBuilder();
    builder.push(1, -0);
    builder.push(2, 5);
    const { t, v } = builder.columns();
    expect(Array.from(t)).toEqual([1, 2]);
    expect(Object.is(v[0], -0)).toBe(true);
  });
});

describe('checkReadingColumns', () => {
  const columns = (t: number[], v: number[]) => ({ t: Float64Array.from(t), v: Float64Array.from(v) });
  it.each([
    ['a fractional t', columns([1.5], [1]), /\[0\]\.t/],
    ['a t before 1970', columns([-1], [1]), /\[0\]\.t/],
    ['a t past 9999', columns([253402300800000], [1]), /\[0\]\.t/],
    ['NaN', columns([1, 2], [1, Number.NaN]), /\[1\]\.v/],
    ['Infinity', columns([1], [Number.POSITIVE_INFINITY]), /\[0\]\.v/],
    ['unsorted', columns([2, 1], [1, 1]), /not sorted/],
  ])('refuses %s, naming it', (_name, batch, message) => {
    expect(() => checkReadingColumns(batch, 'batches[0].readings')).toThrow(message);
  });

  it('takes good columns', () => {
    expect(() => checkReadingColumns(columns([0, 1, 1, 253402300799999], [1, -0, 2, 3]), 'b')).not.toThrow();
  });
});
