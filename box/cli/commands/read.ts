import { BadRequestError } from '../../errors.ts';
import { AGGREGATES, type Aggregate } from '../../store/types.ts';
import { BOX_READ_RESOLUTIONS, type BoxReadResolution, readForPerson } from '../../time/calendar-read.ts';
import { LocalTime } from '../../time/local-time.ts';
import { readTimeSettings } from '../../time/time-settings.ts';
import { checkTimeZone } from '../../time/zone-offsets.ts';
import { type Command, HOME_OPTION, stringOption, URL_OPTION } from '../command.ts';
import { openBoxStore } from '../find-box.ts';
import { parseTimeArg } from '../time-arg.ts';

export const readCommand: Command = {
  name: 'read',
  summary: 'Read a datasource: raw readings, or one aggregate per bucket at a resolution.',
  usage:
    'read ID [--from T] [--to T] [--resolution R] [--agg A] [--tz ZONE] [--limit N] [--format table|csv|jsonl]',
  options: {
    home: HOME_OPTION,
    url: URL_OPTION,
    from: {
      type: 'string',
      description:
        'start (now, -24h, -7d, a date or date-time in the box zone, ISO with offset, ms); default -24h',
      placeholder: 'TIME',
    },
    to: { type: 'string', description: 'end, exclusive; default now', placeholder: 'TIME' },
    resolution: {
      type: 'string',
      description: `${BOX_READ_RESOLUTIONS.join('|')} (default raw; 1d, 1w, 1mo, 1y are local calendar buckets)`,
      placeholder: 'RES',
    },
    agg: {
      type: 'string',
      description: `${AGGREGATES.join('|')} (default: kWh used for a register, sum for interval energy, else mean)`,
      placeholder: 'AGG',
    },
    tz: {
      type: 'string',
      description: 'IANA zone of dates and local buckets (default the box zone)',
      placeholder: 'ZONE',
    },
    limit: { type: 'string', description: 'at most N rows (raw default 10000)', placeholder: 'N' },
    format: { type: 'string', description: 'table (default), csv or jsonl', placeholder: 'FMT' },
  },
  details: [
    'Examples:',
    '  databox read meter.power --from -7d --resolution 30min --agg mean',
    '  databox read meter.energy --from 2026-01-01 --resolution 1d --format csv',
    '  databox read meter.energy --from 2026-10-01 --to 2026-11-01 --resolution 1d --tz Europe/Amsterdam',
    'Times are printed as ISO 8601 in the box zone with its offset (2026-10-25T02:30:00+02:00).',
  ],
  async run({ values, positionals }) {
    const [id] = positionals;
    if (!id) throw new BadRequestError('read needs a datasource ID; see --help');
    const resolution = (stringOption(values, 'resolution') ?? 'raw') as BoxReadResolution;
    if (!BOX_READ_RESOLUTIONS.includes(resolution)) {
      throw new BadRequestError(
        `--resolution must be one of ${BOX_READ_RESOLUTIONS.join(', ')}, got "${resolution}"`,
      );
    }
    const aggregate = stringOption(values, 'agg') as Aggregate | undefined;
    if (aggregate !== undefined && !AGGREGATES.includes(aggregate))
      throw new BadRequestError(`--agg must be one of ${AGGREGATES.join(', ')}, got "${aggregate}"`);
    const format = stringOption(values, 'format') ?? 'table';
    if (!['table', 'csv', 'jsonl'].includes(format))
      throw new BadRequestError(`--format must be table, csv or jsonl, got "${format}"`);
    const limitText = stringOption(values, 'limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new BadRequestError(`--limit must be a positive whole number, got "${limitText}"`);
    const store = await openBoxStore(values, { mustExist: true });
    try {
      const tzText = stringOption(values, 'tz');
      const settings = readTimeSettings(store);
      const lt = new LocalTime({
        ...settings,
        timeZone: tzText ? checkTimeZone(tzText, '--tz') : settings.timeZone,
      });
      const now = Date.now();
      // a date or date-time without an offset is on the box's clock, not the shell's
      const time = (text: string, name: string) => lt.parseWall(text) ?? parseTimeArg(text, name, now);
      const to = time(stringOption(values, 'to') ?? 'now', 'to');
      const from = time(stringOption(values, 'from') ?? '-24h', 'from');
      const { rows } = readForPerson(
        store,
        id,
        { from, to, resolution, aggregate, limit, tz: lt.timeZone },
        { actor: 'user', details: { via: 'cli' } },
      );
      if (format === 'jsonl') for (const r of rows) console.log(JSON.stringify(r));
      else if (format === 'csv') {
        console.log('time,value');
        for (const r of rows) console.log(`${lt.iso(r.t)},${r.v}`);
      } else {
        if (rows.length === 0) console.log(`no readings for ${id} between ${lt.iso(from)} and ${lt.iso(to)}`);
        for (const r of rows) console.log(`${lt.iso(r.t)}  ${r.v}`);
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
