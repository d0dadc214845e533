import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { BadRequestError } from '../../box/errors.ts';
import type { Store } from '../../box/store/store.ts';
import { DATASOURCE_ID_PATTERN, type DatasourceSpec } from '../../box/store/types.ts';
import { type ConsumptionParse, type ConsumptionReading, penceToPounds } from '../octopus/consumption.ts';
import { parseConsumptionApiJson } from '../octopus/consumption-api.ts';
import { parseConsumptionCsv } from '../octopus/consumption-csv.ts';
import { type ConsumptionGap, gaps } from '../octopus/gaps.ts';
import { type ImportProgress, type ImportSummary, ImportWriter } from './import-writer.ts';

export const OCTOPUS_DEFAULT_ID = 'octopus.electricity.import.interval';

export interface OctopusImportOptions {
  /** Datasource id (default `octopus.electricity.import.interval`). */
  id?: string;
  onProgress?: (progress: ImportProgress) => void;
}

export interface OctopusImportSummary extends ImportSummary {
  /** `csv` (dashboard download) or `api-json` (one page of the REST API). */
  format: 'csv' | 'api-json';
  /** Most common interval length in the file, ms (30 minutes for half-hourly data). */
  intervalMs: number | null;
  /** Runs of missing intervals between the first and last reading of the file. */
  gaps: ConsumptionGap[];
}

/** The most common interval length, so one odd row does not change what counts as a gap. */
function typicalInterval(readings: readonly ConsumptionReading[]): number | null {
  const counts = new Map<number, number>();
  for (const r of readings) counts.set(r.end - r.start, (counts.get(r.end - r.start) ?? 0) + 1);
  let best: number | null = null;
  for (const [ms, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = ms;
  return best;
}

/** JSON when the first non-blank character is `{`, CSV otherwise. */
async function sniff(file: string): Promise<'csv' | 'api-json'> {
  const handle = await open(file);
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0);
    const head = buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    return head.startsWith('{') ? 'api-json' : 'csv';
  } finally {
    await handle.close();
  }
}

function datasource(id: string, intervalMs: number | null): DatasourceSpec {
  const minutes = intervalMs ? ` (${intervalMs / 60_000}-minute intervals)` : '';
  return {
    id,
    kind: 'electricity.import.energy.interval',
    unit: 'kWh',
    valueType: 'gauge',
    description: `Electricity used per interval${minutes}, from Octopus Energy consumption data`,
    vendor: 'Octopus Energy',
    driver: 'import',
  };
}

/** The refusal for a file with no usable reading, naming what it had (and the importer it may be for). */
function nothingToImport(
  file: string,
  format: 'csv' | 'api-json',
  parsed: ConsumptionParse,
): BadRequestError {
  const first = parsed.errors[0];
  const rates = parsed.errors.some((e) => /value_inc_vat|consumption/.test(e.path)) && format === 'api-json';
  const what = first
    ? `${new Set(parsed.errors.map((e) => e.line)).size} ${format === 'csv' ? 'rows' : 'results'}, none usable (${first.path}: ${first.message})`
    : `no ${format === 'csv' ? 'rows' : 'results'}`;
  return new BadRequestError(
    `${file}: nothing to import: the Octopus ${format === 'csv' ? 'CSV' : 'API page'} has ${what}${rates ? '; if it holds unit rates, use "databox import octopus-prices"' : ''}`,
  );
}

/**
 * The CSV's pence columns as GBP gauges beside the energy series, in the Green Button cost
 * layout (`<series>.cost`, kind `cost.<series kind>`), so cost features read both alike.
 */
function costDatasources(id: string): { cost: DatasourceSpec; standing: DatasourceSpec } {
  const common = { unit: 'GBP', valueType: 'gauge', vendor: 'Octopus Energy', driver: 'import' } as const;
  return {
    cost: {
      ...common,
      id: `${id}.cost`,
      kind: 'cost.electricity.import.energy.interval',
      description: `Estimated cost inc. tax of each interval of ${id} (the CSV's pence as GBP), from Octopus Energy`,
    },
    standing: {
      ...common,
      id: `${id}.standing-charge`,
      kind: 'cost.electricity.standing-charge.interval',
      description: `Standing charge inc. tax the Octopus CSV puts on each interval of ${id} (pence as GBP)`,
    },
  };
}

/**
 * Imports Octopus Energy consumption: the dashboard's CSV (`Consumption (kWh), Start, End`) or a
 * page of the REST API's JSON (`results[]`), told apart by the first character. Each interval
 * becomes one reading (kWh used in the interval, at its start) of a gauge datasource, created if
 * needed, written in batches as `driver:import`; a timestamp already stored is left alone, so
 * importing the same file twice adds nothing. Rows that cannot be used are listed in `errors`
 * with their line (CSV) or `results` index (JSON); the rest is imported. Gaps in the file's
 * intervals are listed too (the supplier had no data, or a page is missing).
 *
 * The dashboard CSV's `Estimated Cost Inc. Tax (p)` and `Standing Charge Inc. Tax (p)` columns,
 * when present, go to `<id>.cost` and `<id>.standing-charge`, gauges in GBP (pence / 100) at
 * the interval's start.
 *
 * @example
 * ```ts
 * const summary = await importOctopus(store, 'consumption.csv');
 * console.log(`${summary.written} stored, ${summary.duplicates} already there, ${summary.gaps.length} gaps`);
 * ```
 */
export async function importOctopus(
  store: Store,
  file: string,
  options: OctopusImportOptions = {},
): Promise<OctopusImportSummary> {
  const id = options.id ?? OCTOPUS_DEFAULT_ID;
  if (!DATASOURCE_ID_PATTERN.test(id)) {
    throw new BadRequestError(`--id "${id}" is not a datasource id (${DATASOURCE_ID_PATTERN.source})`);
  }
  const { size } = await stat(file);
  const format = await sniff(file);
  const notes: string[] = [];
  let parsed: ConsumptionParse;
  if (format === 'api-json') {
    const page = parseConsumptionApiJson(await readFile(file, 'utf8'));
    if (page.next) {
      notes.push(
        `this is one page of ${page.count ?? 'more'} results; fetch ${page.next} (and the pages after it) for the rest`,
      );
    }
    parsed = page;
  } else {
    parsed = await parseConsumptionCsv(createReadStream(file));
  }
  if (parsed.readings.length === 0) throw nothingToImport(file, format, parsed);
  const intervalMs = typicalInterval(parsed.readings);
  const writer = new ImportWriter(store, options.onProgress, size);
  const spec = datasource(id, intervalMs);
  const costs = costDatasources(id);
  writer.ensure(spec);
  parsed.readings.forEach((r, i) => {
    writer.bytesRead = Math.round(((i + 1) / parsed.readings.length) * size);
    writer.add(spec, { t: r.start, v: r.kWh });
    if (r.costP !== undefined) writer.add(costs.cost, { t: r.start, v: penceToPounds(r.costP) });
    if (r.standingP !== undefined) writer.add(costs.standing, { t: r.start, v: penceToPounds(r.standingP) });
  });
  writer.flush();
  return {
    format,
    datasources: writer.datasources,
    ...writer.totals(),
    errors: parsed.errors,
    notes,
    intervalMs,
    gaps: intervalMs ? gaps(parsed.readings, intervalMs) : [],
  };
}
