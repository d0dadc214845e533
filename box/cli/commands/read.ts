import { BadRequestError } from '../../errors.ts';
import { AGGREGATES, type Aggregate, READ_RESOLUTIONS, type ReadResolution } from '../../store/types.ts';
import { type Command, HOME_OPTION, stringOption, URL_OPTION } from '../command.ts';
import { openBoxStore } from '../find-box.ts';
import { parseTimeArg } from '../time-arg.ts';

export const readCommand: Command = {
  name: 'read',
  summary: 'Read a datasource: raw readings, or one aggregate per bucket at a resolution.',
  usage: 'read ID [--from T] [--to T] [--resolution R] [--agg A] [--limit N] [--format table|csv|jsonl]',
  options: {
    home: HOME_OPTION,
    url: URL_OPTION,
    from: {
      type: 'string',
      description: 'start (now, -24h, -7d, ISO date, ms); default -24h',
      placeholder: 'TIME',
    },
    to: { type: 'string', description: 'end, exclusive; default now', placeholder: 'TIME' },
    resolution: {
      type: 'string',
      description: `${READ_RESOLUTIONS.join('|')} (default raw)`,
      placeholder: 'RES',
    },
    agg: { type: 'string', description: `${AGGREGATES.join('|')} (default mean)`, placeholder: 'AGG' },
    limit: { type: 'string', description: 'at most N rows (raw default 10000)', placeholder: 'N' },
    format: { type: 'string', description: 'table (default), csv or jsonl', placeholder: 'FMT' },
  },
  details: [
    'Examples:',
    '  databox read meter.power --from -7d --resolution 30min --agg mean',
    '  databox read meter.energy --from 2026-01-01 --resolution 1d --agg delta --format csv',
  ],
  async run({ values, positionals }) {
    const [id] = positionals;
    if (!id) throw new BadRequestError('read needs a datasource ID; see --help');
    const resolution = (stringOption(values, 'resolution') ?? 'raw') as ReadResolution;
    if (!READ_RESOLUTIONS.includes(resolution)) {
      throw new BadRequestError(
        `--resolution must be one of ${READ_RESOLUTIONS.join(', ')}, got "${resolution}"`,
      );
    }
    const aggregate = (stringOption(values, 'agg') ?? 'mean') as Aggregate;
    if (!AGGREGATES.includes(aggregate))
      throw new BadRequestError(`--agg must be one of ${AGGREGATES.join(', ')}, got "${aggregate}"`);
    const format = stringOption(values, 'format') ?? 'table';
    if (!['table', 'csv', 'jsonl'].includes(format))
      throw new BadRequestError(`--format must be table, csv or jsonl, got "${format}"`);
    const now = Date.now();
    const to = parseTimeArg(stringOption(values, 'to') ?? 'now', 'to', now);
    const from = parseTimeArg(stringOption(values, 'from') ?? '-24h', 'from', now);
    const limitText = stringOption(values, 'limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new BadRequestError(`--limit must be a positive whole number, got "${limitText}"`);
    const store = await openBoxStore(values, { mustExist: true });
    try {
      const rows = store.read(
        id,
        { from, to, resolution, aggregate, limit },
        { actor: 'user', details: { via: 'cli' } },
      );
      if (format === 'jsonl') for (const r of rows) console.log(JSON.stringify(r));
      else if (format === 'csv') {
        console.log('time,value');
        for (const r of rows) console.log(`${new Date(r.t).toISOString()},${r.v}`);
      } else {
        if (rows.length === 0)
          console.log(
            `no readings for ${id} between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}`,
          );
        for (const r of rows) console.log(`${new Date(r.t).toISOString()}  ${r.v}`);
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
