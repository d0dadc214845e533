import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { BadRequestError } from '../../box/errors.ts';
import type { Store } from '../../box/store/store.ts';
import { DATASOURCE_ID_PATTERN, type DatasourceSpec } from '../../box/store/types.ts';
import { espiDatasource, espiSample } from '../greenbutton/espi-map.ts';
import { parseEspiFeed } from '../greenbutton/espi-parser.ts';
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
 * reading becomes one reading of a kWh-per-interval gauge at the interval's start (see
 * `espiDatasource` for why not a counter). The datasource is created if needed; readings go to
 * the store in batches as `driver:import`, and a timestamp already stored is left alone, so
 * importing the same file twice adds nothing.
 *
 * Readings that are not energy in Wh (uom other than 72) are not imported and are counted in
 * `notes`. XML that is not well formed stops the import with its line and column; batches before
 * it stay stored (re-running after a fix is safe).
 *
 * @example
 * ```ts
 * const summary = await importGreenButton(store, 'green-button.xml', { onProgress: (p) => console.error(p.written) });
 * summary.written; // 216 the first time, 0 the second (216 duplicates)
 * ```
 */
export async function importGreenButton(
  store: Store,
  file: string,
  options: GreenButtonImportOptions = {},
): Promise<ImportSummary> {
  if (options.id !== undefined && !DATASOURCE_ID_PATTERN.test(options.id)) {
    throw new BadRequestError(
      `--id "${options.id}" is not a datasource id (${DATASOURCE_ID_PATTERN.source})`,
    );
  }
  const { size } = await stat(file);
  const writer = new ImportWriter(store, options.onProgress, size);
  const feed = parseEspiFeed(counted(file, writer));
  const specs = new Map<string, DatasourceSpec>();
  const otherUnits = new Map<number | null, number>();
  const mapOptions = { prefix: options.prefix ?? 'greenbutton', driver: 'import' };
  for await (const reading of feed) {
    const sample = espiSample(reading, mapOptions);
    if (!sample) {
      otherUnits.set(reading.uom, (otherUnits.get(reading.uom) ?? 0) + 1);
      continue;
    }
    let spec = specs.get(sample.sourceId);
    if (!spec) {
      spec = espiDatasource(reading.readingType, mapOptions);
      if (options.id && spec.kind === 'electricity.import.energy.interval')
        spec = { ...spec, id: options.id };
      specs.set(sample.sourceId, spec);
    }
    writer.add(spec, { t: sample.t, v: sample.v });
  }
  writer.flush();
  const notes = [...feed.metadata.warnings];
  for (const [uom, n] of otherUnits) {
    notes.push(`${n} readings in uom ${uom ?? 'unknown'} (not Wh) were not imported`);
  }
  return { datasources: writer.datasources, ...writer.totals(), errors: [], notes };
}
