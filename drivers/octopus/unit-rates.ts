import { z } from 'zod';
import { BadRequestError, issuesToDetails } from '../../box/errors.ts';
import { parseOffsetTime } from './consumption.ts';

/** One unit rate: valid from `start` (ms UTC) until `end` (`null`: open-ended), in pence per kWh. */
export interface UnitRate {
  start: number;
  end: number | null;
  incVatP: number;
  excVatP: number;
  /** `DIRECT_DEBIT`, `NON_DIRECT_DEBIT`, …; `null` when the tariff has one price for all. */
  paymentMethod: string | null;
}

/** A rate that could not be used, by `results` index (JSON) or 1-based line (CSV). */
export interface UnitRateError {
  line: number;
  path: string;
  message: string;
}

export interface UnitRatesParse {
  /** Usable rates in file order (the API lists newest first). */
  rates: UnitRate[];
  errors: UnitRateError[];
  /** The page's `next` URL when the file is one page of several. */
  next: string | null;
  count: number | null;
}

const resultSchema = z.object({
  value_exc_vat: z.number(),
  value_inc_vat: z.number(),
  valid_from: z.string(),
  valid_to: z.string().nullable(),
  payment_method: z.string().nullable().optional(),
});

const pageSchema = z.union([
  z.object({
    count: z.number().int().nonnegative().optional(),
    next: z.string().nullable().optional(),
    results: z.array(z.unknown()),
  }),
  z.array(z.unknown()),
]);

/** Checks one rate's times; returns the rate or an error message with the field at fault. */
function toRate(
  r: { valid_from: string; valid_to: string | null; value_inc_vat: number; value_exc_vat: number },
  paymentMethod: string | null,
): UnitRate | { field: string; message: string } {
  const start = parseOffsetTime(r.valid_from);
  if (typeof start === 'string') return { field: 'valid_from', message: start };
  const end = r.valid_to === null ? null : parseOffsetTime(r.valid_to);
  if (typeof end === 'string') return { field: 'valid_to', message: end };
  if (end !== null && end <= start) return { field: 'valid_to', message: 'rate ends before it starts' };
  return { start, end, incVatP: r.value_inc_vat, excVatP: r.value_exc_vat, paymentMethod };
}

/**
 * Parses an answer of Octopus Energy's unit-rates API
 * (`GET /v1/products/<product>/electricity-tariffs/<tariff>/standard-unit-rates/`): a page
 * `{ count, next, previous, results: [{ value_exc_vat, value_inc_vat, valid_from, valid_to,
 * payment_method }] }` in pence per kWh, or a bare array of such results (what scripts that
 * collect every page save). Bad results are listed by index; the rest are returned.
 *
 * @throws BadRequestError when the text is not JSON or holds no `results` array.
 * @example
 * ```ts
 * const { rates, next } = parseUnitRatesJson(await readFile('agile.json', 'utf8'));
 * rates[0]; // { start: 1704497400000, end: 1704499200000, incVatP: 18.3015, excVatP: 17.43, paymentMethod: null }
 * ```
 */
export function parseUnitRatesJson(text: string): UnitRatesParse {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`not JSON: ${(error as Error).message}`, {
      code: 'octopus_bad_json',
      cause: error,
    });
  }
  const page = pageSchema.safeParse(body);
  if (!page.success) {
    throw new BadRequestError('not an Octopus unit-rates answer: no results array', {
      code: 'octopus_bad_json',
      details: issuesToDetails(page.error.issues),
    });
  }
  const results = Array.isArray(page.data) ? page.data : page.data.results;
  const rates: UnitRate[] = [];
  const errors: UnitRateError[] = [];
  results.forEach((item, i) => {
    const parsed = resultSchema.safeParse(item);
    if (!parsed.success) {
      for (const d of issuesToDetails(parsed.error.issues, `results[${i}]`)) errors.push({ line: i, ...d });
      return;
    }
    const rate = toRate(parsed.data, parsed.data.payment_method ?? null);
    if ('field' in rate) errors.push({ line: i, path: `results[${i}].${rate.field}`, message: rate.message });
    else rates.push(rate);
  });
  const meta = Array.isArray(page.data) ? { next: null, count: null } : page.data;
  return { rates, errors, next: meta.next ?? null, count: meta.count ?? null };
}

const CSV_COLUMNS = ['valid_from', 'valid_to', 'value_exc_vat', 'value_inc_vat'] as const;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * Parses the CSV form of the same answer: a header naming the API's fields (`valid_from`,
 * `valid_to`, `value_exc_vat`, `value_inc_vat`, optionally `payment_method`, in any order) and one
 * rate a line; an empty `valid_to` is open-ended. Octopus documents no CSV of unit rates of its
 * own, so this is the API's field names as columns, which is what flattening its JSON gives.
 *
 * @throws BadRequestError when the header lacks one of the four columns.
 * @example
 * ```ts
 * parseUnitRatesCsv('valid_from,valid_to,value_exc_vat,value_inc_vat\n2024-01-05T23:30:00Z,2024-01-06T00:00:00Z,17.43,18.3015\n');
 * ```
 */
export function parseUnitRatesCsv(text: string): UnitRatesParse {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const names = (lines[0] ?? '').split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
  const missing = CSV_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    throw new BadRequestError(
      `not an Octopus unit-rates CSV: the header has no ${missing.join(', ')} column`,
      {
        code: 'octopus_bad_csv',
        details: [{ path: 'line 1', message: `header ${JSON.stringify(lines[0] ?? '')}` }],
      },
    );
  }
  const at = (c: string) => names.indexOf(c);
  const rates: UnitRate[] = [];
  const errors: UnitRateError[] = [];
  lines.slice(1).forEach((raw, i) => {
    const line = i + 2;
    if (raw.trim() === '') return;
    const cells = raw.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    const fail = (path: string, message: string) =>
      errors.push({ line, path: `line ${line}${path}`, message });
    if (cells.length !== names.length) {
      fail('', `expected ${names.length} columns, found ${cells.length}`);
      return;
    }
    const value = (c: string) => (NUMBER.test(cells[at(c)]) ? Number(cells[at(c)]) : Number.NaN);
    const inc = value('value_inc_vat');
    const exc = value('value_exc_vat');
    if (Number.isNaN(inc) || Number.isNaN(exc)) {
      const bad = Number.isNaN(inc) ? 'value_inc_vat' : 'value_exc_vat';
      fail(`: ${bad}`, `not a number: ${JSON.stringify(cells[at(bad)])}`);
      return;
    }
    const to = cells[at('valid_to')];
    const method = at('payment_method') >= 0 ? cells[at('payment_method')] || null : null;
    const rate = toRate(
      {
        valid_from: cells[at('valid_from')],
        valid_to: to === '' || to === 'null' ? null : to,
        value_inc_vat: inc,
        value_exc_vat: exc,
      },
      method,
    );
    if ('field' in rate) fail(`: ${rate.field}`, rate.message);
    else rates.push(rate);
  });
  return { rates, errors, next: null, count: null };
}
