import { z } from 'zod';
import { BadRequestError, issuesToDetails } from '../../box/errors.ts';
import {
  type ConsumptionParse,
  type ConsumptionReading,
  type ConsumptionRowError,
  parseOffsetTime,
  sortUnique,
} from './consumption.ts';

const pageSchema = z.object({
  count: z.number().int().nonnegative().optional(),
  next: z.string().nullable().optional(),
  previous: z.string().nullable().optional(),
  results: z.array(z.unknown()),
});

const resultSchema = z.object({
  consumption: z.number().nonnegative(),
  interval_start: z.string(),
  interval_end: z.string(),
});

/** One page of `GET /v1/electricity-meter-points/{mpan}/meters/{serial}/consumption/` (or gas). */
export interface ConsumptionApiPage extends ConsumptionParse {
  /** URL of the next page, `null` on the last one. */
  next: string | null;
  /** Total results over all pages, when the API says. */
  count: number | null;
}

/**
 * Parses one page of the Octopus Energy REST API consumption endpoint (`results[]` of
 * `{ consumption, interval_start, interval_end }`, newest first by default). Readings come back
 * sorted oldest first; results that are not valid are listed in `errors` by index
 * (`results[3].interval_start: …`), never dropped silently. Follow `next` to get the remaining
 * pages (this function does no I/O).
 *
 * @throws BadRequestError when the body is not JSON or has no `results` array.
 * @example
 * ```ts
 * let url: string | null = firstPageUrl;
 * while (url) {
 *   const page = parseConsumptionApiJson(await (await fetch(url, { headers })).text());
 *   all.push(...page.readings);
 *   url = page.next;
 * }
 * ```
 */
export function parseConsumptionApiJson(json: unknown): ConsumptionApiPage {
  let body = json;
  if (typeof json === 'string') {
    try {
      body = JSON.parse(json);
    } catch (error) {
      throw new BadRequestError(`Octopus API page is not JSON: ${(error as Error).message}`, {
        code: 'octopus_bad_json',
        cause: error,
      });
    }
  }
  const page = pageSchema.safeParse(body);
  if (!page.success) {
    throw new BadRequestError('Octopus API page does not look like a consumption page', {
      code: 'octopus_bad_json',
      details: issuesToDetails(page.error.issues),
    });
  }
  const rows: ConsumptionReading[] = [];
  const indexes: number[] = [];
  const errors: ConsumptionRowError[] = [];
  page.data.results.forEach((item, i) => {
    const fail = (field: string, message: string) =>
      errors.push({ line: i, path: `results[${i}]${field ? `.${field}` : ''}`, message });
    const result = resultSchema.safeParse(item);
    if (!result.success) {
      for (const d of issuesToDetails(result.error.issues, `results[${i}]`)) errors.push({ line: i, ...d });
      return;
    }
    const start = parseOffsetTime(result.data.interval_start);
    const end = parseOffsetTime(result.data.interval_end);
    if (typeof start === 'string') fail('interval_start', start);
    if (typeof end === 'string') fail('interval_end', end);
    if (typeof start === 'string' || typeof end === 'string') return;
    if (end <= start) {
      fail('interval_end', 'interval ends before it starts');
      return;
    }
    rows.push({ start, end, kWh: result.data.consumption });
    indexes.push(i);
  });
  const readings = sortUnique(rows, (k) =>
    errors.push({ line: indexes[k], path: `results[${indexes[k]}]`, message: 'duplicate interval start' }),
  );
  errors.sort((a, b) => a.line - b.line);
  return { readings, errors, next: page.data.next ?? null, count: page.data.count ?? null };
}
