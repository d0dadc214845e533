import { readFile, stat } from 'node:fs/promises';
import { BadRequestError } from '../../box/errors.ts';
import type { Store } from '../../box/store/store.ts';
import { DATASOURCE_ID_PATTERN, type DatasourceSpec } from '../../box/store/types.ts';
import { penceToPounds } from '../octopus/consumption.ts';
import type { ConsumptionGap } from '../octopus/gaps.ts';
import {
  parseUnitRatesCsv,
  parseUnitRatesJson,
  type UnitRate,
  type UnitRatesParse,
} from '../octopus/unit-rates.ts';
import { type ImportProgress, type ImportSummary, ImportWriter } from './import-writer.ts';

export const OCTOPUS_PRICE_DEFAULT_ID = 'octopus.price.electricity.import';
/** Unit-rate files are small (five years of Agile half-hours is ~15 MB of JSON); refuse anything far larger. */
const MAX_BYTES = 256 * 1024 * 1024;

export interface OctopusPricesImportOptions {
  /** Datasource id (default `octopus.price.electricity.import`). */
  id?: string;
  /** Which `payment_method` to keep when the file lists several (default `DIRECT_DEBIT`). */
  paymentMethod?: string;
  onProgress?: (progress: ImportProgress) => void;
}

export interface OctopusPricesImportSummary extends ImportSummary {
  format: 'api-json' | 'csv';
  /** Times between two rates that no rate covers. */
  gaps: ConsumptionGap[];
}

function datasource(id: string): DatasourceSpec {
  return {
    id,
    kind: 'price.electricity.import',
    unit: 'GBP/kWh',
    valueType: 'gauge',
    description:
      'Electricity unit rate inc. VAT, one reading at the start of each rate period (holds until the next), from Octopus Energy',
    vendor: 'Octopus Energy',
    driver: 'import',
  };
}

/** Keeps one payment method when the file lists the same periods for several. */
function choosePaymentMethod(rates: UnitRate[], wanted: string, notes: string[]): UnitRate[] {
  const methods = new Set(rates.map((r) => r.paymentMethod).filter((m) => m !== null));
  if (methods.size <= 1) return rates;
  const kept = rates.filter((r) => r.paymentMethod === null || r.paymentMethod === wanted);
  const others = [...methods].filter((m) => m !== wanted).join(', ');
  notes.push(`kept the ${wanted} rates; ${rates.length - kept.length} rates for ${others} were left out`);
  return kept;
}

function coverageGaps(sorted: UnitRate[]): ConsumptionGap[] {
  const out: ConsumptionGap[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (prev.end === null || sorted[i].start <= prev.end) continue;
    const length = prev.end - prev.start;
    out.push({
      start: prev.end,
      end: sorted[i].start,
      missing: Math.ceil((sorted[i].start - prev.end) / length),
    });
  }
  return out;
}

/**
 * Imports Octopus Energy unit rates (Agile, Go, Cosy, fixed: any tariff's
 * `standard-unit-rates` API answer, or its CSV form; see `drivers/octopus/unit-rates.ts`) as a
 * price series: one reading per rate period at its start, valued the rate inc. VAT in GBP/kWh
 * (pence / 100). An open-ended rate (`valid_to: null`) is one reading at its start. Re-importing
 * adds nothing (first write wins). A file with no usable rate is refused, naming what it holds.
 *
 * @example
 * ```ts
 * const summary = await importOctopusPrices(store, 'agile-2024-01.json');
 * summary.written; // 48 for one day of Agile half-hours
 * ```
 */
export async function importOctopusPrices(
  store: Store,
  file: string,
  options: OctopusPricesImportOptions = {},
): Promise<OctopusPricesImportSummary> {
  const id = options.id ?? OCTOPUS_PRICE_DEFAULT_ID;
  if (!DATASOURCE_ID_PATTERN.test(id)) {
    throw new BadRequestError(`--id "${id}" is not a datasource id (${DATASOURCE_ID_PATTERN.source})`);
  }
  const { size } = await stat(file);
  if (size > MAX_BYTES)
    throw new BadRequestError(`${file}: ${size} bytes is too large for a unit-rates file`);
  const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  const head = text.trimStart()[0];
  const format = head === '{' || head === '[' ? 'api-json' : 'csv';
  let parsed: UnitRatesParse;
  try {
    parsed = format === 'api-json' ? parseUnitRatesJson(text) : parseUnitRatesCsv(text);
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    throw new BadRequestError(`${file}: ${error.message} (is this an Octopus unit-rates file?)`, {
      code: error.code,
      details: error.details,
      cause: error,
    });
  }
  const notes: string[] = [];
  if (parsed.next) {
    notes.push(
      `this is one page of ${parsed.count ?? 'more'} rates; fetch ${parsed.next} (and the pages after it) for the rest`,
    );
  }
  const rates = choosePaymentMethod(parsed.rates, options.paymentMethod ?? 'DIRECT_DEBIT', notes);
  const sorted = [...rates].sort((a, b) => a.start - b.start);
  const errors = [...parsed.errors];
  const unique = sorted.filter((r, i) => {
    if (i === 0 || sorted[i - 1].start !== r.start) return true;
    errors.push({
      line: -1,
      path: `valid_from ${new Date(r.start).toISOString()}`,
      message: 'two rates start at this time; the first is kept',
    });
    return false;
  });
  if (unique.length === 0) {
    const why =
      errors.length > 0
        ? `${errors.length} rates, none usable (${errors[0].path}: ${errors[0].message})`
        : 'no rates';
    throw new BadRequestError(`${file}: nothing to import: the file has ${why}`);
  }
  const open = unique.filter((r) => r.end === null).length;
  if (open > 0)
    notes.push(`${open} rate${open === 1 ? ' is' : 's are'} open-ended (valid_to null): stored at its start`);
  const writer = new ImportWriter(store, options.onProgress, size);
  const spec = datasource(id);
  unique.forEach((r, i) => {
    writer.bytesRead = Math.round(((i + 1) / unique.length) * size);
    writer.add(spec, { t: r.start, v: penceToPounds(r.incVatP) });
  });
  writer.flush();
  return {
    format,
    datasources: writer.datasources,
    ...writer.totals(),
    errors,
    notes,
    gaps: coverageGaps(unique),
  };
}
