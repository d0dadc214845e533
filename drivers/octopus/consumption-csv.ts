import type { Readable } from 'node:stream';
import { BadRequestError } from '../../box/errors.ts';
import {
  type ConsumptionParse,
  type ConsumptionReading,
  type ConsumptionRowError,
  parseOffsetTime,
  sortUnique,
} from './consumption.ts';

interface Columns {
  consumption: number;
  start: number;
  end: number;
  /** `Estimated Cost Inc. Tax (p)`, or -1 in older downloads without it. */
  cost: number;
  /** `Standing Charge Inc. Tax (p)`, or -1. */
  standing: number;
  names: string[];
}

/** A decimal as Octopus writes it: `0.123`, `4`, and zero as `0E-20` in recent downloads. */
const DECIMAL = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function findColumns(header: string): Columns {
  const names = header.split(',').map((c) => c.trim());
  const find = (test: (name: string) => boolean) => names.findIndex((n) => test(n.toLowerCase()));
  const columns = {
    consumption: find((n) => n.startsWith('consumption')),
    start: find((n) => n === 'start'),
    end: find((n) => n === 'end'),
    cost: find((n) => n.startsWith('estimated cost')),
    standing: find((n) => n.startsWith('standing charge')),
    names,
  };
  const missing = (['consumption', 'start', 'end'] as const).filter((c) => columns[c] < 0);
  if (missing.length > 0) {
    throw new BadRequestError(`Octopus CSV header must have Consumption (kWh), Start and End columns`, {
      code: 'octopus_bad_csv',
      details: missing.map((c) => ({
        path: 'line 1',
        message: `no ${c} column in ${JSON.stringify(header)}`,
      })),
    });
  }
  return columns;
}

/** Line-by-line CSV reader; keeps only the current partial line between chunks. */
class CsvLines {
  readonly rows: ConsumptionReading[] = [];
  readonly rowLines: number[] = [];
  readonly errors: ConsumptionRowError[] = [];
  private columns: Columns | undefined;
  private lineNo = 0;
  private rest = '';

  write(text: string): void {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  end(): ConsumptionParse {
    if (this.rest !== '') this.line(this.rest);
    if (!this.columns)
      throw new BadRequestError('Octopus CSV is empty: no header line', { code: 'octopus_bad_csv' });
    const readings = sortUnique(this.rows, (i) =>
      this.errors.push({
        line: this.rowLines[i],
        path: `line ${this.rowLines[i]}`,
        message: 'duplicate interval start',
      }),
    );
    this.errors.sort((a, b) => a.line - b.line);
    return { readings, errors: this.errors };
  }

  private line(raw: string): void {
    this.lineNo++;
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.lineNo === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
    if (text.trim() === '') return;
    if (!this.columns) {
      this.columns = findColumns(text);
      return;
    }
    const line = this.lineNo;
    const fail = (column: string, message: string) =>
      this.errors.push({ line, path: `line ${line}${column ? `: ${column}` : ''}`, message });
    const cells = text.split(',').map((c) => c.trim());
    const { names } = this.columns;
    if (cells.length !== names.length) {
      fail('', `expected ${names.length} columns, found ${cells.length}: ${JSON.stringify(text.trim())}`);
      return;
    }
    const kWhText = cells[this.columns.consumption];
    const kWh = DECIMAL.test(kWhText) ? Number(kWhText) : Number.NaN;
    const start = parseOffsetTime(cells[this.columns.start]);
    const end = parseOffsetTime(cells[this.columns.end]);
    if (Number.isNaN(kWh))
      fail(names[this.columns.consumption], `not a non-negative number: ${JSON.stringify(kWhText)}`);
    if (typeof start === 'string') fail(names[this.columns.start], start);
    if (typeof end === 'string') fail(names[this.columns.end], end);
    if (Number.isNaN(kWh) || typeof start === 'string' || typeof end === 'string') return;
    if (end <= start) {
      fail(names[this.columns.end], 'interval ends before it starts');
      return;
    }
    const reading: ConsumptionReading = { start, end, kWh };
    const costP = this.pence(cells, this.columns.cost, fail);
    const standingP = this.pence(cells, this.columns.standing, fail);
    if (costP !== undefined) reading.costP = costP;
    if (standingP !== undefined) reading.standingP = standingP;
    this.rows.push(reading);
    this.rowLines.push(line);
  }

  /** A pence cell: blank means "no figure"; anything else must be a number (credits may be negative). */
  private pence(cells: string[], column: number, fail: (column: string, message: string) => void) {
    if (column < 0 || cells[column] === '') return undefined;
    const text = cells[column];
    if (/^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) return Number(text);
    // The kWh is still good: keep it and name the bad cost cell.
    fail(this.columns?.names[column] ?? '', `not a number of pence: ${JSON.stringify(text)}`);
    return undefined;
  }
}

/**
 * Parses the consumption CSV that the Octopus Energy dashboard downloads:
 *
 * ```text
 *  Consumption (kwh), Estimated Cost Inc. Tax (p), Standing Charge Inc. Tax (p), Start, End
 * 0.123, 2.05, 0.99, 2023-03-26T00:00:00+00:00, 2023-03-26T00:30:00+00:00
 * ```
 *
 * Older downloads have only `Consumption (kWh), Start, End`; the two pence columns, when present,
 * become `costP` and `standingP` (a blank cell gives none).
 *
 * Columns are found by header name (in any order), cells are trimmed, a UTF-8 BOM and CRLF line
 * ends are accepted, blank lines skipped. Rows that cannot be used (a bad number, a time without
 * offset, a missing column, a repeated interval) are returned in `errors` with their line numbers;
 * the remaining rows are still returned, sorted by start. Streams are read line by line.
 *
 * @throws BadRequestError when the header lacks one of the three columns, or there is no header.
 * @example
 * ```ts
 * const { readings, errors } = await parseConsumptionCsv(createReadStream('consumption.csv'));
 * for (const e of errors) console.warn(`${e.path}: ${e.message}`);
 * gaps(readings, 30 * 60_000);
 * ```
 */
export async function parseConsumptionCsv(input: string | Uint8Array | Readable): Promise<ConsumptionParse> {
  const csv = new CsvLines();
  if (typeof input === 'string') csv.write(input);
  else if (input instanceof Uint8Array) csv.write(new TextDecoder().decode(input));
  else {
    const decoder = new TextDecoder();
    for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
      csv.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    }
    csv.write(decoder.decode());
  }
  return csv.end();
}
