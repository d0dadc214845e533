/**
 * A parser for InfluxDB line protocol (1.x and 2.x wire format), as Telegraf's `outputs.influxdb`
 * and Home Assistant's InfluxDB integration send it:
 *
 *   measurement[,tag=value…] field=value[,field=value…] [timestamp]
 *
 * Escapes follow the reference: in a measurement `\,` and `\ `; in tag keys, tag values and field
 * keys `\,`, `\=` and `\ `; in a quoted string field value `\"` and `\\`. A backslash before any
 * other character is kept as it is. Field values: floats (`1`, `-1.5e3`), integers (`42i`),
 * unsigned integers (`42u`), booleans (`t`, `T`, `true`, `True`, `TRUE`, `f`, … `FALSE`) and
 * double-quoted strings (which may hold escaped quotes, commas, spaces and newlines). Lines that
 * are empty or start with `#` are skipped.
 */

import { plainFloat } from './line-numbers.ts';
import { type FieldValue, fieldValue, fitsInt64, LineFailure } from './line-values.ts';

export { PRECISIONS, timestampToMs } from './line-numbers.ts';
export type { FieldValue } from './line-values.ts';

/** One parsed line. `seriesKey` is the raw text before the fields, a cheap cache key for mapping. */
export interface LinePoint {
  /** 1-based line number in the body. */
  line: number;
  seriesKey: string;
  /** The parsed series key; one shared object for every line with the same key. */
  series: ParsedSeries;
  fields: Array<{ key: string; value: FieldValue }>;
  /** The timestamp's digits as sent (in the request's precision), or undefined when absent. */
  timestamp: string | undefined;
}

/** A line that could not be parsed: where and why. Columns are 1-based. */
export interface LineError {
  line: number;
  column: number;
  message: string;
}

export interface ParsedSeries {
  measurement: string;
  /** Tags sorted by key (line protocol asks writers to sort them; we do not rely on it). */
  tags: Array<[string, string]>;
}

const NL = 10;
const CR = 13;
const SPACE = 32;
const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;
const QUOTE = 34;
const HASH = 35;

/** Parsed series keys of one body, and the last one used (most lines repeat it). */
type SeriesCache = Map<string, ParsedSeries> & { last?: { key: string; series: ParsedSeries } };

/**
 * Parses a whole body. Good lines go to `points`, bad ones to `errors` (each names its line and
 * column); one bad line does not stop the others, as InfluxDB's own partial writes.
 *
 * @example
 * const { points } = parseLineProtocol('W,domain=sensor,entity_id=plug value=230.5 1700000000000000000');
 * // points[0].fields → [{ key: 'value', value: 230.5 }], timestamp '1700000000000000000'
 */
export function parseLineProtocol(body: string): { points: LinePoint[]; errors: LineError[] } {
  const parser = new LineParser(body);
  const points: LinePoint[] = [];
  for (let point = parser.next(); point !== undefined; point = parser.next()) points.push(point);
  return { points, errors: parser.errors };
}

/**
 * A body read line by line: `next()` gives the next good line, bad ones go to `errors`. `pos` and
 * `line` say where the next line starts; a caller that reads a line itself (the ingest's fast
 * path for repeated series) moves past it with `skipLine`.
 */
export class LineParser {
  /** Offset of the next line's first character. */
  pos = 0;
  /** 1-based number of the line at `pos`. */
  line = 1;
  readonly errors: LineError[] = [];
  readonly #seriesCache: SeriesCache = new Map() as SeriesCache;
  readonly #cursor: Cursor = { end: 0, newlines: 0 };

  constructor(readonly body: string) {}

  /** Moves past a line the caller read, which ended at `end` (its newline, or the body's length). */
  skipLine(end: number): void {
    this.pos = end + 1;
    this.line++;
  }

  /** The next good line, or undefined at the body's end. */
  next(): LinePoint | undefined {
    const body = this.body;
    const n = body.length;
    let pos = this.pos;
    try {
      while (pos < n) {
        const start = pos;
        let c = body.charCodeAt(pos);
        // skip leading whitespace of the line
        while (c === SPACE || c === 9 || c === CR) c = body.charCodeAt(++pos);
        if (pos >= n) break;
        if (c === NL || c === HASH) {
          while (pos < n && body.charCodeAt(pos) !== NL) pos++;
          pos++;
          this.line++;
          continue;
        }
        try {
          const point = parseLine(body, pos, this.line, this.#seriesCache, this.#cursor);
          this.line += this.#cursor.newlines + 1;
          pos = this.#cursor.end + 1;
          return point;
        } catch (error) {
          if (!(error instanceof LineFailure)) throw error;
          const lineStart = body.lastIndexOf('\n', error.at - 1) + 1;
          this.errors.push({
            line: this.line + countNewlines(body, start, lineStart),
            column: error.at - lineStart + 1,
            message: error.message,
          });
          this.line += countNewlines(body, start, error.at);
          pos = body.indexOf('\n', error.at);
          if (pos === -1) pos = n;
          else {
            pos++;
            this.line++;
          }
        }
      }
      return undefined;
    } finally {
      this.pos = pos;
    }
  }
}

function countNewlines(body: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (body.charCodeAt(i) === NL) count++;
  return count;
}

/** Where the last parsed line ended (its newline, or the body's length), and the newlines inside it. */
interface Cursor {
  end: number;
  newlines: number;
}

/** Parses one line starting at `pos`; sets `cursor` (one object per body, not one per line). */
function parseLine(
  body: string,
  pos: number,
  line: number,
  seriesCache: SeriesCache,
  cursor: Cursor,
): LinePoint {
  const n = body.length;
  // series key: up to the first unescaped space. Bodies repeat a series line after line, so the
  // previous line's key is tried first: the same characters scan to the same end, no slice needed
  let i = pos;
  let seriesKey: string;
  let series: ParsedSeries | undefined;
  const last = seriesCache.last;
  if (
    last !== undefined &&
    body.startsWith(last.key, pos) &&
    body.charCodeAt(pos + last.key.length) === SPACE
  ) {
    i = pos + last.key.length;
    seriesKey = last.key;
    series = last.series;
  } else {
    for (; i < n; i++) {
      const c = body.charCodeAt(i);
      if (c === BACKSLASH) i++;
      else if (c === SPACE) break;
      else if (c === NL)
        throw new LineFailure(i, 'missing fields: expected a space and field=value after the measurement');
    }
    if (i >= n)
      throw new LineFailure(n, 'missing fields: expected a space and field=value after the measurement');
    seriesKey = body.slice(pos, i);
    if (seriesKey === '' || seriesKey.charCodeAt(0) === COMMA)
      throw new LineFailure(pos, 'missing measurement');
    series = seriesCache.get(seriesKey);
    if (series === undefined) {
      try {
        series = parseSeriesKey(seriesKey);
      } catch (error) {
        if (error instanceof LineFailure) throw new LineFailure(pos + error.at, error.message);
        throw error;
      }
      seriesCache.set(seriesKey, series);
    }
    seriesCache.last = { key: seriesKey, series };
  }
  while (body.charCodeAt(i) === SPACE) i++;
  const fields: LinePoint['fields'] = [];
  let newlines = 0;
  for (;;) {
    const keyStart = i;
    let key = '';
    let escaped = false;
    for (; i < n; i++) {
      const c = body.charCodeAt(i);
      if (c === BACKSLASH) {
        escaped = true;
        i++;
      } else if (c === EQUALS) break;
      else if (c === SPACE || c === COMMA || c === NL || c === CR)
        throw new LineFailure(i, `field "${body.slice(keyStart, i)}" has no "=value"`);
    }
    if (i >= n) throw new LineFailure(n, `field "${body.slice(keyStart, i)}" has no "=value"`);
    key = escaped ? unescapeLp(body.slice(keyStart, i), KEY_ESCAPES) : body.slice(keyStart, i);
    if (key === '') throw new LineFailure(keyStart, 'empty field key');
    i++; // '='
    const valueStart = i;
    let value: FieldValue;
    if (body.charCodeAt(i) === QUOTE) {
      let text = '';
      let from = ++i;
      for (;;) {
        if (i >= n) throw new LineFailure(valueStart, `string field "${key}" has no closing quote`);
        const c = body.charCodeAt(i);
        if (c === BACKSLASH && (body.charCodeAt(i + 1) === QUOTE || body.charCodeAt(i + 1) === BACKSLASH)) {
          text += body.slice(from, i);
          from = i + 1;
          i += 2;
        } else if (c === QUOTE) break;
        else {
          if (c === NL) newlines++;
          i++;
        }
      }
      value = text + body.slice(from, i);
      i++; // closing quote
    } else {
      while (i < n) {
        const c = body.charCodeAt(i);
        if (c === COMMA || c === SPACE || c === NL || c === CR) break;
        i++;
      }
      // the common value, a plain decimal float, is read from its characters; anything else
      // (integers, booleans, exponents, errors) goes through fieldValue
      value = plainFloat(body, valueStart, i) ?? fieldValue(body.slice(valueStart, i), key, valueStart);
    }
    fields.push({ key, value });
    const c = body.charCodeAt(i);
    if (c === COMMA) {
      i++;
      continue;
    }
    if (i < n && c !== SPACE && c !== NL && c !== CR)
      throw new LineFailure(i, `unexpected "${body[i]}" after the value of field "${key}"`);
    break;
  }
  while (body.charCodeAt(i) === SPACE) i++;
  let timestamp: string | undefined;
  if (i < n && body.charCodeAt(i) !== NL && body.charCodeAt(i) !== CR) {
    const tsStart = i;
    let digits = true;
    let c = body.charCodeAt(i);
    if (c === 45 /* - */) c = body.charCodeAt(++i);
    if (!(c >= 48 && c <= 57)) digits = false;
    while (i < n && c !== SPACE && c !== NL && c !== CR) {
      if (!(c >= 48 && c <= 57)) digits = false;
      c = body.charCodeAt(++i);
    }
    timestamp = body.slice(tsStart, i);
    if (!digits)
      throw new LineFailure(tsStart, `the timestamp must be an integer, got "${timestamp.slice(0, 40)}"`);
    if (!fitsInt64(timestamp))
      throw new LineFailure(
        tsStart,
        `the timestamp ${timestamp.slice(0, 40)} is out of range (a 64-bit integer)`,
      );
    while (body.charCodeAt(i) === SPACE || body.charCodeAt(i) === CR) i++;
    if (i < n && body.charCodeAt(i) !== NL) throw new LineFailure(i, 'unexpected text after the timestamp');
  }
  while (body.charCodeAt(i) === CR) i++;
  cursor.end = i;
  cursor.newlines = newlines;
  return { line, seriesKey, series, fields, timestamp };
}

const MEASUREMENT_ESCAPES = ', ';
const KEY_ESCAPES = ',= ';

/** Removes line-protocol escapes: a backslash before one of `chars` is dropped, any other kept. */
function unescapeLp(text: string, chars: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && chars.includes(text[i + 1])) {
      out += text[i + 1];
      i++;
    } else out += c;
  }
  return out;
}

/**
 * Splits a raw series key (`measurement,tag=value,…`) into its measurement and sorted tags.
 * Throws a {@link LineFailure} whose `at` is the offset in the key of the bad tag.
 */
export function parseSeriesKey(seriesKey: string): ParsedSeries {
  const parts: string[] = [];
  const offsets: number[] = [0];
  let from = 0;
  for (let i = 0; i < seriesKey.length; i++) {
    const c = seriesKey.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === COMMA) {
      parts.push(seriesKey.slice(from, i));
      from = i + 1;
      offsets.push(from);
    }
  }
  parts.push(seriesKey.slice(from));
  const measurement = unescapeLp(parts[0], MEASUREMENT_ESCAPES);
  const tags: Array<[string, string]> = [];
  const keys = new Set<string>();
  for (let p = 1; p < parts.length; p++) {
    const part = parts[p];
    let eq = -1;
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      if (c === BACKSLASH) i++;
      else if (c === EQUALS) {
        eq = i;
        break;
      }
    }
    if (eq <= 0 || eq === part.length - 1)
      throw new LineFailure(offsets[p], `tag "${unescapeLp(part, KEY_ESCAPES)}" must be key=value`);
    const key = unescapeLp(part.slice(0, eq), KEY_ESCAPES);
    // InfluxDB refuses the line ("duplicate tags"): which value would the series have?
    if (keys.has(key)) throw new LineFailure(offsets[p], `tag "${key}" is given twice`);
    keys.add(key);
    tags.push([key, unescapeLp(part.slice(eq + 1), KEY_ESCAPES)]);
  }
  tags.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { measurement, tags };
}
