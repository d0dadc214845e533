import type { ImportProgress, ImportSummary } from '../../../drivers/imports/import-writer.ts';
import type { OctopusImportSummary } from '../../../drivers/imports/octopus-import.ts';
import { IMPORT_FORMATS, type ImportFormat, runImport } from '../../../drivers/imports/run-import.ts';
import { BadRequestError } from '../../errors.ts';
import type { LocalTime } from '../../time/local-time.ts';
import { boxLocalTime } from '../../time/time-settings.ts';
import { type Command, HOME_OPTION, stringOption, URL_OPTION } from '../command.ts';
import { openBoxStore } from '../find-box.ts';
import { localDate } from '../local-date.ts';
import { Progress } from '../progress.ts';

const FORMATS: readonly string[] = IMPORT_FORMATS;
/** Bad rows printed in full; the rest are only counted. */
const SHOW_ERRORS = 20;

function progressText(p: ImportProgress): string {
  const share =
    p.bytesRead !== undefined && p.totalBytes
      ? ` (${Math.round((p.bytesRead / p.totalBytes) * 100)}% of ${(p.totalBytes / 1e6).toFixed(1)} MB)`
      : '';
  return `${p.written.toLocaleString('en')} readings stored, ${p.duplicates.toLocaleString('en')} duplicates${share}`;
}

/** The summary printed on stdout, one fact per line; gap times in the box's zone (`lt`). */
export function summaryLines(summary: ImportSummary | OctopusImportSummary, lt: LocalTime): string[] {
  const lines = [
    `datasource${summary.datasources.length === 1 ? '' : 's'}: ${summary.datasources.join(', ') || '(none)'}`,
    `readings in file: ${summary.readings}`,
    `written: ${summary.written}`,
    `duplicates (already stored): ${summary.duplicates}`,
  ];
  if (summary.skipped > 0) lines.push(`skipped (older than the retention horizon): ${summary.skipped}`);
  lines.push(`bad rows: ${summary.errors.length}`);
  if ('gaps' in summary) {
    const missing = summary.gaps.reduce((s, g) => s + g.missing, 0);
    lines.push(`gaps found: ${summary.gaps.length}${missing ? ` (${missing} intervals missing)` : ''}`);
    for (const g of summary.gaps)
      lines.push(`  gap ${localDate(lt, g.start)} to ${localDate(lt, g.end)}: ${g.missing} missing`);
  }
  for (const note of summary.notes) lines.push(`note: ${note}`);
  return lines;
}

export const importCommand: Command = {
  name: 'import',
  summary:
    'Import a file: Green Button (ESPI XML), Octopus Energy consumption or unit rates, Home Assistant history, Apple Health.',
  usage: `import ${IMPORT_FORMATS.join('|')} FILE [--id ID] [--home DIR]`,
  options: {
    home: HOME_OPTION,
    url: URL_OPTION,
    id: {
      type: 'string',
      description:
        'datasource id (default greenbutton.electricity.import.interval / octopus.electricity.import.interval / octopus.price.electricity.import)',
      placeholder: 'ID',
    },
    entity: {
      type: 'string',
      multiple: true,
      description:
        'homeassistant: an entity or statistic id glob to import, e.g. "sensor.*_energy" (repeatable; default all numeric ones)',
      placeholder: 'GLOB',
    },
  },
  details: [
    'Each interval becomes one reading (kWh used in it, at its start) of a kWh gauge; the',
    'datasource is created if needed. Importing a file again adds nothing (stored timestamps are',
    'kept), so overlapping downloads are safe. Bad rows are listed with their line numbers and the',
    'rest is imported; for Octopus files, gaps in the intervals are listed too.',
    "octopus-prices reads a tariff's standard-unit-rates API answer (JSON, or CSV with its field",
    'names as header): one reading per rate period at its start, inc. VAT, in GBP/kWh.',
    'homeassistant reads a recorder database (home-assistant_v2.db, schema 41 or later) read-only:',
    'states into hass.<entity_id>, long-term statistics into hass.<statistic_id>.mean / .sum.',
    'apple-health streams export.xml (Health app, "Export All Health Data"): steps, heart rate, sleep',
    'and workouts, one series per kind and source (iPhone, Watch, manual), as health.<kind>.<source>.',
    'A file the chosen importer can import nothing from is refused and the command exits 1.',
    'Examples:',
    '  databox import greenbutton ~/Downloads/DownloadMyData.xml',
    '  databox import octopus consumption.csv --id octopus.electricity.import.interval',
    '  databox import octopus-prices agile-rates.json',
    '  databox import homeassistant home-assistant_v2.db --entity "sensor.*energy*"',
    '  databox import apple-health apple_health_export/export.xml',
  ],
  async run({ values, positionals }) {
    const [format, file, ...extra] = positionals;
    if (!format || !FORMATS.includes(format)) {
      throw new BadRequestError(
        `import needs a format, ${FORMATS.join(', ')}, got ${format ? `"${format}"` : 'none'}; see --help`,
      );
    }
    if (!file) throw new BadRequestError(`import ${format} needs a FILE; see --help`);
    if (extra.length > 0) throw new BadRequestError(`import takes one FILE, got also: ${extra.join(' ')}`);
    const id = stringOption(values, 'id');
    const entities = Array.isArray(values.entity) ? values.entity : undefined;
    if (entities && format !== 'homeassistant')
      throw new BadRequestError('--entity applies to import homeassistant only');
    const store = await openBoxStore(values);
    const progress = new Progress(`import ${format}`);
    const onProgress = (p: ImportProgress) => progress.update(progressText(p));
    try {
      const summary = await runImport(format as ImportFormat, store, file, { id, entities, onProgress });
      progress.done(progressText({ ...summary }));
      for (const error of summary.errors.slice(0, SHOW_ERRORS))
        console.error(`${error.path}: ${error.message}`);
      if (summary.errors.length > SHOW_ERRORS) {
        console.error(`… and ${summary.errors.length - SHOW_ERRORS} more bad rows`);
      }
      console.log(summaryLines(summary, boxLocalTime(store)).join('\n'));
      return 0;
    } finally {
      store.close();
    }
  },
};
