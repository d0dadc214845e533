import { describe, expect, it } from 'vitest';
import { readingColumnsFromJson } from '../../../box/http/readings-json.ts';
import { readingColumns } from '../../../box/store/reading-columns.ts';
import { validateReadings } from '../../../box/store/reading-validation.ts';
import type { ReadingColumns } from '../../../box/store/types.ts';
import { Rng } from '../../../drivers/simulator/random.ts';

/** The general path: JSON.parse, validateReadings (sorts), columns; or the error it throws. */
function general(body: string): ReadingColumns | Error {
  try {
    return readingColumns(validateReadings(JSON.parse(body)));
  } catch (error) {
    return error as Error;
  }
}

/** The fast path may decline a body, but what it reads must be exactly what the general path reads. */
function expectSame(body: string): ReadingColumns | undefined {
  const fast = readingColumnsFromJson(body);
  if (fast === undefined) return undefined;
  const slow = general(body);
  expect(slow, `the general path refuses ${body.slice(0, 80)}`).not.toBeInstanceOf(Error);
  const { t, v } = slow as ReadingColumns;
  expect(fast.t.length).toBe(t.length);
  for (let i = 0; i < t.length; i++) {
    // Object.is: -0 and 0 are told apart
    if (!Object.is(fast.t[i], t[i]) || !Object.is(fast.v[i], v[i]))
      expect({ i, t: fast.t[i], v: fast.v[i] }).toEqual({ i, t: t[i], v: v[i] });
  }
  return fast;
}

const T0 = 1_700_000_000_000;

describe('the JSON readings fast path (readings-json.ts)', () => {
  it('reads what JSON.stringify writes, value for value, for thousands of random values', () => {
    const rng = new Rng(7);
    const random = () => rng.next();
    const values = [0, -0, 1, -1, 0.1, 0.3, 2.675, 1e-7, 1.5e-300, 1e21, 123456789012345, 1234567890123456];
    values.push(2 ** 53 + 2, 0.30000000000000004, Number.MAX_VALUE, Number.MIN_VALUE, -1e308);
    for (let k = 0; k < 5000; k++) {
      const kind = k % 4;
      if (kind === 0) values.push(Math.round(random() * 5000));
      else if (kind === 1) values.push(Math.round(random() * 1e6) / 10 ** Math.floor(random() * 8));
      else if (kind === 2) values.push((random() - 0.5) * 10 ** Math.floor(random() * 40 - 20));
      else values.push(random() * 2 ** 53);
    }
    const readings = values.map((v, i) => ({ t: T0 + i * 10_000, v }));
    for (const body of [JSON.stringify(readings), JSON.stringify(readings, null, 2)]) {
      const fast = expectSame(body);
      expect(fast, 'the fast path declined a body JSON.stringify wrote').toBeDefined();
      expect(fast?.t.length).toBe(readings.length);
    }
  });

  it.each([
    ['an empty batch', '[]', 0],
    ['spaces everywhere', ' [ { "t" : 1700000000000 , "v" : -0 } ,\n\t{"t":1700000000000,"v":2} ]\r\n', 2],
    ['the largest timestamp', '[{"t":253402300799999,"v":1}]', 1],
    ['t = 0', '[{"t":0,"v":1E+2}]', 1],
    [
      'digits past a double',
      '[{"t":0,"v":9007199254740993},{"t":1,"v":0.1000000000000000055511151231257827}]',
      2,
    ],
    ['many fraction digits', '[{"t":0,"v":-123.45678901234567890123}]', 1],
  ])('reads %s', (_name, body, count) => {
    expect(expectSame(body)?.t.length).toBe(count);
  });

  // each is a body the general path refuses or reads differently (sorting, the wrapper object);
  // the fast path must leave it alone so that the answer and its error are the general path's
  it.each([
    ['unterminated', '[{"t":1700000000000,"v":1}'],
    ['text after the array', '[{"t":1700000000000,"v":1}]x'],
    ['a trailing comma', '[{"t":1700000000000,"v":1},]'],
    ['a key twice', '[{"t":1700000000000,"v":1,"t":2}]'],
    ['another key', '[{"t":1700000000000,"v":1,"x":2}]'],
    ['v before t', '[{"v":1,"t":1700000000000}]'],
    ['an escaped key', '[{"\\u0074":1700000000000,"v":1}]'],
    ['a fractional t', '[{"t":1700000000000.5,"v":1}]'],
    ['an exponent in t', '[{"t":17e11,"v":1}]'],
    ['a leading zero in t', '[{"t":01700000000000,"v":1}]'],
    ['a negative t', '[{"t":-1,"v":1}]'],
    ['a t past 9999', '[{"t":253402300800000,"v":1}]'],
    ['a 17-digit t', '[{"t":17000000000000000,"v":1}]'],
    ['a leading zero in v', '[{"t":1700000000000,"v":01}]'],
    ['v = .5', '[{"t":1700000000000,"v":.5}]'],
    ['v = 1.', '[{"t":1700000000000,"v":1.}]'],
    ['v = +1', '[{"t":1700000000000,"v":+1}]'],
    ['v = 1e', '[{"t":1700000000000,"v":1e}]'],
    ['v past a double', '[{"t":1700000000000,"v":1e999}]'],
    ['v a string', '[{"t":1700000000000,"v":"1"}]'],
    ['v null', '[{"t":1700000000000,"v":null}]'],
    ['v true', '[{"t":1700000000000,"v":true}]'],
    ['unsorted', '[{"t":1700000000001,"v":1},{"t":1700000000000,"v":2}]'],
    ['the wrapper object', '{"readings":[{"t":1700000000000,"v":1}]}'],
    ['a byte-order mark', '\uFEFF[{"t":1700000000000,"v":1}]'],
    ['nothing', ''],
    ['a bare number', '1'],
  ])('leaves %s to the general path', (_name, body) => {
    expect(readingColumnsFromJson(body)).toBeUndefined();
  });

  it('leaves a batch past the limit to the general path, which names the limit', () => {
    const body = JSON.stringify(Array.from({ length: 100_001 }, (_, i) => ({ t: T0 + i, v: 1 })));
    expect(readingColumnsFromJson(body)).toBeUndefined();
    expect(String(general(body))).toMatch(/at most 100000 readings/);
    const atLimit = JSON.stringify(Array.from({ length: 100_000 }, (_, i) => ({ t: T0 + i, v: 1 })));
    expect(expectSame(atLimit)?.t.length).toBe(100_000);
  });
});
