import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLineProtocol, timestampToMs } from '../../../drivers/influx/line-protocol.ts';
import { mapField, slugify } from '../../../drivers/influx/series-mapping.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';

const fixture = (name: string) => readFileSync(join(REPO_ROOT, 'test/fixtures/influx', name), 'utf8');

describe('line protocol parser', () => {
  it('parses a Telegraf body: tags sorted, i integers, a quoted string with a comma and spaces', () => {
    const { points, errors } = parseLineProtocol(fixture('telegraf.lp'));
    expect(errors).toEqual([]);
    expect(points).toHaveLength(8);
    expect(points[0].series).toEqual({
      measurement: 'cpu',
      tags: [
        ['cpu', 'cpu-total'],
        ['host', 'raspberrypi'],
      ],
    });
    expect(points[0].fields.find((f) => f.key === 'usage_idle')?.value).toBe(Number('97.28643216080402'));
    expect(points[1].fields[0]).toEqual({ key: 'active', value: 348917760 });
    expect(points[4].fields).toEqual([{ key: 'uptime_format', value: '3 days,  2:13' }]);
    expect(points[4].line).toBe(5);
    expect(points[7].timestamp).toBe('1700000010000000000');
  });

  it('parses the reference escapes in measurement, tag keys and values, field keys and strings', () => {
    const body = [
      'my\\ measurement,tag\\ key=New\\ York,a\\,b=c\\=d field\\=key="say \\"hi\\", C:\\\\dir\\\\",f2=1 1',
      'weather,location=us\\,midwest temperature=82 1465839830100400200',
      'm,path=C:\\dir v=1i',
    ].join('\n');
    const { points, errors } = parseLineProtocol(body);
    expect(errors).toEqual([]);
    expect(points[0].series).toEqual({
      measurement: 'my measurement',
      tags: [
        ['a,b', 'c=d'],
        ['tag key', 'New York'],
      ],
    });
    expect(points[0].fields).toEqual([
      { key: 'field=key', value: 'say "hi", C:\\dir\\' },
      { key: 'f2', value: 1 },
    ]);
    expect(points[1].series.tags).toEqual([['location', 'us,midwest']]);
    // a backslash before any other character is kept
    expect(points[2].series.tags).toEqual([['path', 'C:\\dir']]);
    expect(points[2].timestamp).toBeUndefined();
  });

  it('reads every boolean spelling, floats with exponents, unsigned integers; skips comments and blank lines', () => {
    const body =
      '# a comment\n\n  \nm a=t,b=T,c=true,d=True,e=TRUE,f=f,g=FALSE,h=-1.5e3,i=.5,j=42u,k=-7i\r\n';
    const { points, errors } = parseLineProtocol(body);
    expect(errors).toEqual([]);
    expect(points).toHaveLength(1);
    expect(points[0].line).toBe(4);
    expect(Object.fromEntries(points[0].fields.map((f) => [f.key, f.value]))).toEqual({
      a: true,
      b: true,
      c: true,
      d: true,
      e: true,
      f: false,
      g: false,
      h: -1500,
      i: 0.5,
      j: 42,
      k: -7,
    });
  });

  it('keeps a newline inside a quoted string and counts lines after it right', () => {
    const { points, errors } = parseLineProtocol('m s="two\nlines" 1\nm v=oops 2\nm v=3 3');
    expect(points.map((p) => p.line)).toEqual([1, 4]);
    expect(points[0].fields[0].value).toBe('two\nlines');
    expect(errors).toEqual([
      { line: 3, column: 5, message: 'field "v": "oops" is not a number, boolean or quoted string' },
    ]);
  });

  it('names the line and column of each bad line and keeps parsing the rest', () => {
    const body = [
      'ok v=1 1', // 1
      'nofields', // 2
      'm v=1.2.3 1', // 3
      'm,bad v=1', // 4
      'm v=1 12x', // 5
      'm v="open', // 6
      'm v=1i0 1', // 7
      'ok v=2 2', // 8
    ].join('\n');
    const { points, errors } = parseLineProtocol(body);
    expect(points.map((p) => p.line)).toEqual([1, 8]);
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [2, 9],
      [3, 5],
      [4, 3],
      [5, 7],
      [6, 5],
      [7, 5],
    ]);
    expect(errors[0].message).toMatch(/missing fields/);
    expect(errors[2].message).toBe('tag "bad" must be key=value');
    expect(errors[3].message).toMatch(/timestamp must be an integer/);
    expect(errors[4].message).toMatch(/no closing quote/);
  });

  it('tells apart series whose keys start alike on consecutive lines', () => {
    const { points, errors } = parseLineProtocol(
      'm,a=1 v=1\nm,a=10 v=2\nm,a=1 v=3\nm,a=1\\ x v=4\nm,a=1 v=5',
    );
    expect(errors).toEqual([]);
    expect(points.map((p) => p.series.tags[0][1])).toEqual(['1', '10', '1', '1 x', '1']);
    // one shared object per series key
    expect(points[0].series).toBe(points[2].series);
    expect(points[2].series).toBe(points[4].series);
  });

  it('reads every float spelling exactly as the grammar says, and rejects every other token', () => {
    // the grammar InfluxDB parses: [-](digits[.digits] | .digits)[e[+-]digits], no leading '+'
    // (influxdb-conformance.test.ts); the parser's fast path checks characters instead, so each
    // spelling is held against this regex and Number()
    const grammar = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
    const tokens = [
      ...['0', '-0', '+0', '7', '-7', '+7', '1.', '-1.', '.5', '-.5', '+.5', '0.1', '00012.5000'],
      ...['230.25', '-1.5e3', '1E-2', '1e+2', '.5e1', '9'.repeat(300), `0.${'1'.repeat(298)}`],
      ...['.', '+', '-', '+-1', '1.2.3', '1-2', '1..2', '0x10', '0b1', '0o7', '1_000'],
      ...['Infinity', '-Infinity', 'NaN', 'e3', '1e', '1e+', '.e1', '٣', '１'],
      // around the 15 digits read without Number(): exact either side, the same double
      ...['123456789012345', '1234567890123456', '-12345678901234.5', '0.000000000000001'],
      ...['0.1', '0.3', '2.675', '1.005', '4.35', '9007199254740993', '0.30000000000000004'],
    ];
    // and a few thousand random decimals of 1 to 18 digits, as meters and Telegraf print them
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let k = 0; k < 3000; k++) {
      const digits = Array.from({ length: 1 + Math.floor(random() * 18) }, () => Math.floor(random() * 10));
      const point = Math.floor(random() * (digits.length + 1));
      const sign = random() < 0.3 ? '-' : '';
      tokens.push(`${sign}${digits.slice(0, point).join('')}.${digits.slice(point).join('')}`);
    }
    for (const token of tokens) {
      const { points, errors } = parseLineProtocol(`m f=${token} 1`);
      if (grammar.test(token)) {
        expect(errors, token).toEqual([]);
        expect(points[0].fields[0].value, token).toBe(Number(token));
        expect(points[0].timestamp, token).toBe('1');
      } else {
        expect(points, token).toEqual([]);
        expect(errors[0].column, token).toBe(5);
      }
    }
    // finite for the grammar, but out of range for a float64
    for (const token of ['1e999', '-1e999', '9'.repeat(400)]) {
      const { points, errors } = parseLineProtocol(`m f=${token} 1`);
      expect(points, token).toEqual([]);
      expect(errors[0].message, token).toMatch(/out of range/);
    }
    // the timestamp: digits with at most a '-', within an int64 (InfluxDB's strconv.ParseInt);
    // anything else names its column
    const integer = /integer/;
    const range = /out of range/;
    for (const [ts, error] of [
      ['12', undefined],
      ['-12', undefined],
      ['9223372036854775807', undefined],
      ['-9223372036854775808', undefined],
      ['0009223372036854775807', undefined],
      ['+12', integer],
      ['+', integer],
      ['1a', integer],
      ['1.5', integer],
      ['--1', integer],
      ['1e3', integer],
      ['9223372036854775808', range],
      ['-9223372036854775809', range],
      ['99999999999999999999', range],
    ] as const) {
      const { points, errors } = parseLineProtocol(`m f=1 ${ts}`);
      if (error === undefined) expect(points[0].timestamp, ts).toBe(ts);
      else expect(errors[0], ts).toMatchObject({ column: 7, message: expect.stringMatching(error) });
    }
  });

  it('refuses integers outside int64 and unsigned outside uint64, naming the field', () => {
    for (const [token, ok] of [
      ['9223372036854775807i', true],
      ['-9223372036854775808i', true],
      ['9223372036854775808i', false],
      ['-9223372036854775809i', false],
      ['18446744073709551615u', true],
      ['18446744073709551616u', false],
      ['+7i', false],
    ] as const) {
      const { points, errors } = parseLineProtocol(`m f=${token} 1`);
      if (ok) expect(points[0].fields[0].value, token).toBe(Number(token.slice(0, -1)));
      else expect(errors[0], token).toMatchObject({ column: 5, message: expect.stringMatching(/"f"/) });
    }
  });

  it('refuses a tag given twice in one series key, as InfluxDB does', () => {
    const { points, errors } = parseLineProtocol('m,t=a,u=1,t=b v=1 1\nm,t=a v=2 2');
    expect(points.map((p) => p.fields[0].value)).toEqual([2]);
    expect(errors).toEqual([{ line: 1, column: 11, message: 'tag "t" is given twice' }]);
  });

  it('converts every precision to ms exactly, on the digits (no float rounding of 19-digit ns)', () => {
    expect(timestampToMs('1700000000123456789', 'ns')).toBe(1_700_000_000_123);
    expect(timestampToMs('1700000000123456789', 'n')).toBe(1_700_000_000_123);
    expect(timestampToMs('1700000000123456', 'u')).toBe(1_700_000_000_123);
    expect(timestampToMs('1700000000123456', 'us')).toBe(1_700_000_000_123);
    expect(timestampToMs('1700000000123', 'ms')).toBe(1_700_000_000_123);
    expect(timestampToMs('1700000000', 's')).toBe(1_700_000_000_000);
    expect(timestampToMs('28333333', 'm')).toBe(1_699_999_980_000);
    expect(timestampToMs('472222', 'h')).toBe(1_699_999_200_000);
    expect(timestampToMs('-1', 's')).toBeUndefined();
  });
});

describe('series mapping', () => {
  it('maps Home Assistant points: value only, unit from the measurement, kind from the device class', () => {
    const { points } = parseLineProtocol(fixture('home-assistant.lp'));
    const mapped = points.map((p) => p.fields.map((f) => mapField(p.series, f.key, p.fields)?.spec));
    expect(mapped[0].filter(Boolean)).toEqual([
      {
        id: 'ha.sensor.washing_machine_power',
        kind: 'power',
        unit: 'W',
        valueType: 'gauge',
        description: 'Home Assistant sensor.washing_machine_power',
        driver: 'influx',
      },
    ]);
    expect(mapped[1].find(Boolean)).toMatchObject({
      id: 'ha.sensor.p1_meter_energy_import',
      unit: 'kWh',
      kind: 'energy',
      valueType: 'counter',
    });
    // battery_level is an attribute, not the entity's state
    expect(mapped[2].filter(Boolean)).toHaveLength(1);
    expect(mapped[2].find(Boolean)).toMatchObject({ unit: '°C', kind: 'temperature' });
    expect(mapped[3].find(Boolean)).toMatchObject({
      id: 'ha.binary_sensor.front_door',
      unit: '',
      kind: 'door',
    });
  });

  it('maps Telegraf points to <measurement>.<tag values by key>.<field>, the unit tag as unit', () => {
    const { points } = parseLineProtocol(
      'disk,path=/,device=sda1,unit=bytes free=1i\nCPU\\ Load,Host=Pi\\ 4 usage\\ idle=9',
    );
    expect(mapField(points[0].series, 'free', points[0].fields)?.spec).toMatchObject({
      id: 'disk.sda1.-.free',
      kind: 'disk.free',
      unit: 'bytes',
    });
    expect(mapField(points[1].series, 'usage idle', points[1].fields)?.id).toBe('cpu-load.pi-4.usage-idle');
  });

  it('slugifies to the id pattern and keeps long ids apart with a hash', () => {
    expect(slugify('°C')).toBe('c');
    expect(slugify('***')).toBe('influx');
    const a = slugify(`${'x'.repeat(70)}.a`);
    const b = slugify(`${'x'.repeat(70)}.b`);
    expect(a).toHaveLength(64);
    expect(a).not.toBe(b);
    for (const id of [a, b, slugify('Ünïcode Name!')]) expect(id).toMatch(/^[a-z0-9][a-z0-9._-]{0,63}$/);
  });
});
