import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../../box/store/store.ts';
import { ingestLineProtocol } from '../../../drivers/influx/line-ingest.ts';
import { readRepeatLine } from '../../../drivers/influx/repeat-line.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const open: Store[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function store(name: string): Store {
  const s = Store.open(join(tempDir(), `${name}.db`), { clock: () => 1_700_000_999_000 });
  open.push(s);
  return s;
}

/** Every datasource's raw readings, by id. */
function contents(s: Store): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of s.listDatasources())
    out[d.id] = s.read(d.id, { from: 0, to: 4e12, resolution: 'raw', aggregate: 'mean' });
  return out;
}

/**
 * The fast path is right when a body gives what its lines give one body each: a body of one line
 * never takes the fast path (it needs a line before it), so the one-line bodies are the general
 * parser's answer.
 */
function expectSameAsLineByLine(body: string, precision: string) {
  const whole = store('whole');
  const report = ingestLineProtocol(whole, body, precision, 'driver:influx');
  const single = store('single');
  let written = 0;
  const messages: string[] = [];
  for (const line of body.split('\n')) {
    const r = ingestLineProtocol(single, line, precision, 'driver:influx');
    written += r.written;
    messages.push(...r.errors.map((e) => e.message));
  }
  expect(report.written).toBe(written);
  expect(report.errors.map((e) => e.message)).toEqual(messages);
  expect(contents(whole)).toEqual(contents(single));
  return report;
}

describe('line protocol fast path for repeated series (repeat-line.ts)', () => {
  it('reads the plain repeated line: value and ms timestamp, the line end', () => {
    const out = { t: 0, v: 0 };
    const body = 'm f=1 5\nm f=2.5 1700000000000';
    expect(readRepeatLine(body, 12, 'ms', out)).toBe(body.length);
    expect(out).toEqual({ t: 1_700_000_000_000, v: 2.5 });
    expect(readRepeatLine('m f=-0.125 1700000000123456789\n', 4, 'ns', out)).toBe(30);
    expect(out).toEqual({ t: 1_700_000_000_123, v: -0.125 });
  });

  it.each([
    ['an integer value', '5i 1'],
    ['a boolean', 't 1'],
    ['an exponent', '1e3 1'],
    ['a second field', '1,g=2 1'],
    ['no timestamp', '1'],
    ['two spaces', '1  1'],
    ['a signed timestamp', '1 +1'],
    ['a CR before the newline', '1 1\r'],
    ['text after the timestamp', '1 1 x'],
    ['a timestamp past 9999', '1 253402300800000'],
    ['a 20-digit timestamp', '1 17000000000000000000'],
    ['an empty value', ' 1'],
  ])('leaves %s to the general parser', (_name, rest) => {
    expect(readRepeatLine(`m f=${rest}`, 4, 'ms', { t: 0, v: 0 })).toBe(-1);
  });

  /** Timestamp k of a body in `precision`, as its digits: distinct and in range in each. */
  const stamp: Record<string, (k: number) => string> = {
    ms: (k) => String(1_700_000_000_000 + k * 1000),
    ns: (k) => `${1_700_000_000_000 + k * 1000}000000`,
    u: (k) => `${1_700_000_000_000 + k * 1000}123`,
    s: (k) => String(1_700_000_000 + k),
    h: (k) => String(472_222 + k),
  };

  it.each(Object.keys(stamp))(
    'stores what the general parser stores, for a body of edge cases mixed with repeats (precision %s)',
    (precision) => {
      const ts = stamp[precision];
      const lines = [
        `power,meter=p1 w=100 ${ts(0)}`,
        `power,meter=p1 w=101.5 ${ts(1)}`,
        `power,meter=p1 w=-0 ${ts(2)}`,
        `power,meter=p1 w=7i ${ts(3)}`, // integer: general parser
        `power,meter=p1 w=1e2 ${ts(4)}`, // exponent
        `power,meter=p1 w=true ${ts(5)}`, // boolean → 1
        `power,meter=p1 w=oops ${ts(6)}`, // a bad value: an error, by the general parser
        `power,meter=p1 w=102 ${ts(7)}`,
        'power,meter=p1 w=103', // no timestamp: the box clock
        `power,meter=p1 w=104 +${ts(8)}`, // a '+' on the timestamp: an error, as in InfluxDB
        `power,meter=p1  w=105 ${ts(9)}`, // two spaces
        `power,meter=p1 w=106 ${ts(10)}\r`,
        'power,meter=p1 w=107 99999999999999999999', // out of range (past int64 in every precision)
        `power,meter=p1 w=108 ${ts(11)} junk`,
        `power,meter=p1 w=109,x=1 ${ts(12)}`, // two fields
        `power,meter=p1 w=110 ${ts(13)}`,
        `power,meter=p2 w=111 ${ts(14)}`, // another series
        `power,meter=p1 w=112 ${ts(15)}`,
        `power,meter=p1 w=1234567890.123456789 ${ts(16)}`, // > 15 digits
        '# a comment',
        '',
        `power,meter=p1 w=113 ${ts(17)}`,
        `power,meter=p1 w=114 ${ts(17)}`, // the same instant again: a duplicate
      ];
      const report = expectSameAsLineByLine(lines.join('\n'), precision);
      // 17 good readings (the two-field line gives two)
      expect(report.written).toBe(17);
      expect(report.duplicates).toBe(1);
    },
  );

  it('does not read a field key with escapes as the same prefix (attacker: "a b=" after "a\\ b=")', () => {
    // the unescaped key of line 1 is "a b"; line 2 is the field "a" with no value, an error
    const report = expectSameAsLineByLine('m a\\ b=1 1700000000000\nm a b=2 1700000010000', 'ms');
    expect(report.written).toBe(1);
    expect(report.errors).toHaveLength(1);
  });

  it('stores a long repeated body, 20,000 lines, every reading stored exact', () => {
    const s = store('long');
    const t0 = 1_690_000_000_000;
    const lines = Array.from(
      { length: 20_000 },
      (_, i) => `power,meter=p1 w=${(i * 0.1).toFixed(1)} ${t0 + i * 1000}`,
    );
    const report = ingestLineProtocol(s, lines.join('\n'), 'ms', 'driver:influx');
    expect(report).toMatchObject({ written: 20_000, errors: [] });
    expect(report.created).toEqual(['power.p1.w']);
    const rows = s.read('power.p1.w', {
      from: 0,
      to: 4e12,
      resolution: 'raw',
      aggregate: 'mean',
      limit: 50_000,
    });
    expect(rows[12_345]).toEqual({ t: t0 + 12_345_000, v: 1234.5 });
    expect(rows.map((r) => r.v)).toEqual(lines.map((l) => Number(l.split(/[= ]/)[3])));
  });
});
