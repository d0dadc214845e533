import { describe, expect, it } from 'vitest';
import { boundDetails, boundText, textDigest } from '../../../box/audit/bounded-text.ts';
import { canonicalJson } from '../../../box/audit/canonical.ts';

describe('bounded audit text', () => {
  it('keeps short text, cuts long text with a marker counting what was left out', () => {
    expect(boundText('meter.power')).toBe('meter.power');
    expect(boundText('x'.repeat(200))).toBe('x'.repeat(200));
    expect(boundText('x'.repeat(2000))).toBe(`${'x'.repeat(200)}…(1800 more)`);
  });

  it('never cuts a surrogate pair in two (a lone surrogate could not be logged at all)', () => {
    const text = `${'a'.repeat(199)}😀${'b'.repeat(10)}`;
    const cut = boundText(text);
    expect(cut).toBe(`${'a'.repeat(199)}…(12 more)`);
    expect(() => canonicalJson({ cut })).not.toThrow();
  });

  it('bounds strings at any depth, leaves keys, numbers and non-JSON values for canonicalJson to judge', () => {
    const date = new Date(0);
    const out = boundDetails({ a: 'y'.repeat(300), n: 5, list: [{ deep: 'z'.repeat(201) }], date });
    expect(out).toEqual({
      a: `${'y'.repeat(200)}…(100 more)`,
      n: 5,
      list: [{ deep: `${'z'.repeat(200)}…(1 more)` }],
      date,
    });
    expect(() => canonicalJson(out)).toThrow(/details|Date/);
  });

  it('digests text to 16 hex digits of SHA-256', () => {
    expect(textDigest('elsewhere')).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(textDigest('elsewhere')).not.toBe(textDigest('elsewhere2'));
  });
});
