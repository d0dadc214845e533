import { BadRequestError } from '../../box/errors.ts';
import type { Store } from '../../box/store/store.ts';
import type { ImportProgress, ImportSummary } from './import-writer.ts';

/** The file formats `databox import` knows, in the order its help lists them. */
export const IMPORT_FORMATS = [
  'greenbutton',
  'octopus',
  'octopus-prices',
  'homeassistant',
  'apple-health',
] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Options every importer takes; each uses the ones that apply to it. */
export interface RunImportOptions {
  id?: string;
  /** Home Assistant: entity or statistic id globs to import (default all numeric ones). */
  entities?: string[];
  onProgress?: (progress: ImportProgress) => void;
}

/**
 * Runs the importer of `format` on `file`. Importers are loaded on first use, so the CLI does
 * not load the XML or SQLite readers for a format it is not asked for.
 *
 * @throws BadRequestError when the file is not of that format (every importer refuses a file it
 *   can import nothing from, naming what it found) or a row cannot be stored.
 * @example
 * ```ts
 * const summary = await runImport('octopus-prices', store, 'agile.json', { onProgress });
 * ```
 */
export async function runImport(
  format: ImportFormat,
  store: Store,
  file: string,
  options: RunImportOptions,
): Promise<ImportSummary> {
  switch (format) {
    case 'greenbutton':
      return (await import('./greenbutton-import.ts')).importGreenButton(store, file, options);
    case 'octopus':
      return (await import('./octopus-import.ts')).importOctopus(store, file, options);
    case 'octopus-prices':
      return (await import('./octopus-prices-import.ts')).importOctopusPrices(store, file, options);
    case 'homeassistant':
      if (options.id !== undefined)
        throw new BadRequestError(
          'import homeassistant names its own datasources (hass.<entity_id>); use --entity to choose entities, not --id',
        );
      return (await import('./homeassistant-import.ts')).importHomeAssistant(store, file, options);
    case 'apple-health':
      if (options.id !== undefined)
        throw new BadRequestError(
          'import apple-health names its own datasources (health.<kind>.<source>); --id does not apply',
        );
      return (await import('./apple-health-import.ts')).importAppleHealth(store, file, options);
  }
}
