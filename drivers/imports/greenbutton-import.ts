import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { BadRequestError } from '../../box/errors.ts';
import type { Store } from '../../box/store/store.ts';
import { DATASOURCE_ID_PATTERN, type DatasourceSpec } from '../../box/store/types.ts';
import { espiCostDatasource, espiSamples, espiSeries } from '../greenbutton/espi-map.ts';
import { parseEspiFeed } from '../greenbutton/espi-parser.ts';
import type { EspiReadingType } from '../greenbutton/espi-types.ts';
import { type ConsumptionGap, gaps } from '../octopus/gaps.ts';
import { type ImportProgress, type ImportSummary, ImportWriter } from './import-writer.ts';

export interface GreenButtonImportOptions {
  /**
   * Datasource id for the energy used (forward flow); default
   * `<prefix>.electricity.import.interval`. Energy fed back (reverse flow) always goes to
   * `<prefix>.electricity.export.interval`.
   */
  id?: string;
  /** Prefix of the default datasource ids (default `greenbutton`). */
  prefix?: string;
  onProgress?: (progress: ImportProgress) => void;
}

/** What a Green Button import did, with the missing intervals of each series. */
export interface GreenButtonImportSummary extends ImportSummary {
  /** Runs of missing intervals (between the first and the last reading of each series). */
  gaps: Array<ConsumptionGap & { datasource: string }>;
}

/** Reads a file chunk by chunk, counting bytes for progress. */
async function* counted(path: string, writer: ImportWriter): AsyncGenerator<Buffer> {
  writer.bytesRead = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    writer.bytesRead += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
}

/**
 * Imports a Green Button "Download My Data" file (NAESB ESPI XML), streaming: each interval
 * reading becomes one reading of a per-interval gauge at the interval's start (electricity in kWh,
 * gas in kWh from therms or in m³, water in m³: see `espiSeries`), and its `cost`, when the feed has
 * one, a reading of a `<series>.cost` gauge in the feed's currency. Datasources are created if
 * needed; readings go to the store in batches as `driver:import`, and a timestamp already stored is
 * left alone, so importing the same file twice adds nothing. Missing intervals are reported as gaps.
 *
 * Readings in other units (W, VAr, …) are counted in `notes`. A file with no reading this mapping
 * imports (not a Green Button feed, or only other units) is refused with a `BadRequestError`
 * saying what was found, so the CLI exits non-zero. XML that is not well formed stops the import
 * with its line and column; batches before it stay stored (re-running after a fix is safe).
 *
 * @example
 * ```ts
 * const summary = await importGreenButton(store, 'green-button.xml', { onProgress: (p) => console.error(p.written) });
 * summary.written; // 432 the first time (216 kWh + 216 costs), 0 the second
 * ```
 */
export async function importGreenButton(
  store: Store,
  file: string,
  options: GreenButtonImportOptions = {},
): Promise<GreenButtonImportSummary> {
  if (options.id !== undefined && !DATASOURCE_ID_PATTERN.test(options.id)) {
    throw new BadRequestError(
      `--id "${options.id}" is not a datasource id (${DATASOURCE_ID_PATTERN.source})`,
    );
  }
  const { size } = await stat(file);
  const writer = new ImportWriter(store, options.onProgress, size);
  const feed = parseEspiFeed(counted(file, writer));
  const specs = new Map<string, DatasourceSpec>();
  const intervals = new Map<string, Array<{ start: number; end: number }>>();
  const otherUnits = new Map<number | null, number>();
  const mapOptions = { prefix: options.prefix ?? 'greenbutton', driver: 'import' };
  const rename = (id: string) => {
    const main = `${mapOptions.prefix}.electricity.import.interval`;
    if (!options.id) return id;
    return id === main ? options.id : id === `${main}.cost` ? `${options.id}.cost` : id;
  };
  for await (const reading of feed) {
    const samples = espiSamples(reading, mapOptions);
    if (samples.length === 0) {
      otherUnits.set(reading.uom, (otherUnits.get(reading.uom) ?? 0) + 1);
      continue;
    }
    for (const sample of samples) {
      const id = rename(sample.sourceId);
      let spec = specs.get(id);
      if (!spec) {
        spec = { ...specFor(sample.sourceId, reading.readingType, reading.uom, mapOptions), id };
        specs.set(id, spec);
        intervals.set(id, []);
      }
      writer.add(spec, { t: sample.t, v: sample.v });
    }
    const main = rename(samples[0].sourceId);
    intervals.get(main)?.push({ start: reading.start, end: reading.start + reading.durationS * 1000 });
  }
  writer.flush();
  const notes = [...feed.metadata.warnings];
  for (const [uom, n] of otherUnits) {
    notes.push(`${n} readings in uom ${uom ?? 'unknown'} (not Wh, therm or m³) were not imported`);
  }
  const found: GreenButtonImportSummary['gaps'] = [];
  for (const [id, list] of intervals) {
    const interval = list[0] ? list[0].end - list[0].start : 0;
    if (interval <= 0) continue;
    const missing = gaps(list, interval);
    for (const gap of missing) found.push({ datasource: id, ...gap });
  }
  const totals = writer.totals();
  if (totals.readings === 0) {
    const what =
      feed.metadata.readingCount === 0
        ? 'no IntervalReading at all: is this a Green Button (ESPI) file?'
        : `${feed.metadata.readingCount} readings, none in a unit this import handles (${notes.join('; ')})`;
    throw new BadRequestError(`${file}: nothing to import: the file has ${what}`);
  }
  return { datasources: writer.datasources, ...totals, errors: [], notes, gaps: found };
}

function specFor(
  sourceId: string,
  readingType: EspiReadingType | null,
  uom: number | null,
  opts: { prefix: string; driver: string },
): DatasourceSpec {
  const type = readingType ?? ({ uom } as EspiReadingType);
  const series = espiSeries(type, opts);
  if (!series) throw new Error(`unreachable: ${sourceId} has samples but no series`);
  return sourceId.endsWith('.cost') ? espiCostDatasource(series.spec, readingType) : series.spec;
}
