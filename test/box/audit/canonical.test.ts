import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalEntryText, canonicalJson, entryHash, GENESIS_HASH } from '../../../box/audit/canonical.ts';
import { BadRequestError } from '../../../box/errors.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    const value = { b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, A: [] };
    expect(canonicalJson(value)).toBe('{"A":[],"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('orders keys by UTF-16 code units (RFC 8785), not code points', () => {
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FFFF in UTF-16 but after it by code point.
    const value = { '\uffff': 1, '\u{1F600}': 2, é: 3, e: 4 };
    expect(canonicalJson(value)).toBe('{"e":4,"é":3,"\u{1F600}":2,"\uffff":1}');
  });

  it('writes numbers and strings as ECMAScript JSON.stringify does', () => {
    expect(canonicalJson([-0, 1.5, 1e-7, 1e21, 0.00001, 100])).toBe('[0,1.5,1e-7,1e+21,0.00001,100]');
    expect(canonicalJson('a"b\\c\n\u0001\u007f\u2028')).toBe('"a\\"b\\\\c\\n\\u0001\u007f\u2028"');
  });

  it.each([
    ['NaN', { x: Number.NaN }, 'details.x'],
    ['Infinity', { x: [1, Number.POSITIVE_INFINITY] }, 'details.x[1]'],
    ['undefined', { x: undefined }, 'details.x'],
    ['a function', { f: () => 1 }, 'details.f'],
    ['a bigint', { n: 1n }, 'details.n'],
    ['a Date', { d: new Date(0) }, 'details.d'],
    ['a lone surrogate', { s: 'a\ud800' }, 'details.s'],
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested
    ['a sparse array', { a: [1, , 3] }, 'details.a[1]'],
  ])('rejects %s with BadRequestError naming the path', (_name, value, path) => {
    let error: unknown;
    try {
      canonicalJson(value, 'details');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).details[0].path).toBe(path);
  });

  it('rejects cycles but accepts the same object twice', () => {
    const shared = { v: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"v":1},"b":{"v":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/circular/);
  });
});

describe('entryHash', () => {
  it('hashes the 64-hex prev hash followed by the sorted entry, as documented in docs/audit.md', () => {
    const bytes =
      '0000000000000000000000000000000000000000000000000000000000000000' +
      '{"action":"box.start","actor":"box","details":{},"seq":1,"subject":"","ts":1700000000000}';
    const expected = createHash('sha256').update(Buffer.from(bytes, 'utf8')).digest('hex');
    const entry = {
      seq: 1,
      ts: 1_700_000_000_000,
      actor: 'box',
      action: 'box.start',
      subject: '',
      details: {},
    };
    expect(entryHash(GENESIS_HASH, entry)).toBe(expected);
  });

  it('builds the same entry text by hand as canonicalJson does for the whole entry', () => {
    const entry = {
      seq: 42,
      ts: 1_700_000_123_456,
      actor: 'app:energy-coach',
      action: 'readings.read',
      subject: 'meter "main", ümlaut',
      details: { resolution: '15min', rows: 96, window: { to: 2, from: 1 } },
    };
    const detailsJson = canonicalJson(entry.details);
    expect(
      canonicalEntryText(entry.seq, entry.ts, entry.actor, entry.action, entry.subject, detailsJson),
    ).toBe(canonicalJson(entry));
  });

  it('changes when any hashed field changes', () => {
    const base = { seq: 1, ts: 5, actor: 'user', action: 'kv.set', subject: 's', details: { k: 1 } };
    const h = entryHash(GENESIS_HASH, base);
    expect(entryHash('1'.repeat(64), base)).not.toBe(h);
    expect(entryHash(GENESIS_HASH, { ...base, seq: 2 })).not.toBe(h);
    expect(entryHash(GENESIS_HASH, { ...base, ts: 6 })).not.toBe(h);
    expect(entryHash(GENESIS_HASH, { ...base, subject: 't' })).not.toBe(h);
    expect(entryHash(GENESIS_HASH, { ...base, details: { k: 2 } })).not.toBe(h);
  });
});
