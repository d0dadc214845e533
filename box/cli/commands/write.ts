import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BadRequestError } from '../../errors.ts';
import type { Reading } from '../../store/types.ts';
import { type Command, HOME_OPTION, stringOption, URL_OPTION } from '../command.ts';
import { openBoxStore } from '../find-box.ts';
import { Progress } from '../progress.ts';
import { type LineFormat, parseReadingLine } from '../reading-lines.ts';
import { writeRecords } from './write-records.ts';

const BATCH = 10_000;

export const writeCommand: Command = {
  name: 'write',
  summary:
    'Write readings (CSV time,value or JSON Lines {"t","v"}), events or kv entries (JSON Lines) to a datasource, from a file or stdin.',
  usage: 'write ID [FILE] [--format csv|jsonl] [--home DIR]',
  options: {
    home: HOME_OPTION,
    url: URL_OPTION,
    format: {
      type: 'string',
      description: 'csv or jsonl (default: from the file name, else from the first line)',
      placeholder: 'FMT',
    },
  },
  details: [
    'Time is ms since 1970 or ISO 8601. Readings go in batches of 10,000; a bad line stops the',
    'import with its line number, and the batches before it stay stored (re-running is safe:',
    'a timestamp already stored is skipped as a duplicate).',
    'An event datasource takes JSON Lines {"t": ms or ISO 8601, "data": any JSON}; a kv datasource',
    '{"key": "...", "value": any JSON} (each key set is audited, never its value).',
    'Examples:',
    '  databox write meter.power readings.csv',
    '  echo \'{"t":"2024-05-01T10:00:00Z","data":{"door":"open"}}\' | databox write front.door',
    '  cat readings.jsonl | databox write meter.power --format jsonl',
  ],
  async run({ values, positionals }) {
    const [id, file] = positionals;
    if (!id) throw new BadRequestError('write needs a datasource ID; see --help');
    let format = stringOption(values, 'format') as LineFormat | undefined;
    if (format !== undefined && format !== 'csv' && format !== 'jsonl') {
      throw new BadRequestError(`--format must be csv or jsonl, got "${format}"`);
    }
    if (!format && file)
      format = file.endsWith('.csv')
        ? 'csv'
        : file.endsWith('.jsonl') || file.endsWith('.ndjson')
          ? 'jsonl'
          : undefined;
    const total = file && file !== '-' ? statSync(file).size : undefined;
    const input = file && file !== '-' ? createReadStream(file) : process.stdin;
    const store = await openBoxStore(values);
    const progress = new Progress(`write ${id}`);
    let bytes = 0;
    let written = 0;
    let duplicates = 0;
    let batch: Reading[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      const result = store.writeReadings(id, batch, 'user');
      written += result.written;
      duplicates += result.duplicates;
      batch = [];
      const share = total ? ` (${Math.round((bytes / total) * 100)}% of ${(total / 1e6).toFixed(1)} MB)` : '';
      progress.update(`${written.toLocaleString('en')} readings stored${share}`);
    };
    try {
      const source = store.getDatasource(id);
      if (source.valueType === 'event' || source.valueType === 'kv') {
        if (format === 'csv')
          throw new BadRequestError(`datasource "${id}" holds ${source.valueType} values: write JSON Lines`);
        const { written: count, unit } = await writeRecords(store, source, input, progress);
        progress.done(`${count.toLocaleString('en')} ${unit} stored`);
        return 0;
      }
      let line = 0;
      for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
        line++;
        bytes += text.length + 1;
        if (!format) format = text.trim().startsWith('{') ? 'jsonl' : 'csv';
        const reading = parseReadingLine(text, format, line);
        if (reading) batch.push(reading);
        if (batch.length >= BATCH) flush();
      }
      flush();
      progress.done(
        `${written.toLocaleString('en')} readings stored, ${duplicates.toLocaleString('en')} duplicates skipped`,
      );
      return 0;
    } catch (error) {
      if (written > 0)
        console.error(`(${written} readings from earlier batches were stored before the error)`);
      throw error;
    } finally {
      store.close();
    }
  },
};
