import { naturalAggregate } from '../energy/natural-aggregate.ts';
import { readCalendar } from '../store/local-calendar.ts';
import type { Store } from '../store/store.ts';
import {
  type Aggregate,
  type AggregatePoint,
  READ_RESOLUTIONS,
  type ReadAudit,
  type Reading,
  type ReadResolution,
} from '../store/types.ts';
import { type CalendarResolution, isCalendarResolution } from './calendar.ts';
import { readTimeSettings } from './time-settings.ts';
import { checkTimeZone } from './zone-offsets.ts';

/** Every resolution a householder's read takes: raw, the UTC rollups and the local calendar. */
export const BOX_READ_RESOLUTIONS = [...READ_RESOLUTIONS, '1w', '1mo', '1y'] as const;
export type BoxReadResolution = ReadResolution | CalendarResolution;

export interface BoxRead {
  from: number;
  to: number;
  resolution: BoxReadResolution;
  /** Default: the datasource's natural aggregate ({@link naturalAggregate}). */
  aggregate?: Aggregate;
  limit?: number;
  /** Zone of `1d`/`1w`/`1mo`/`1y` buckets; default the box's. */
  tz?: string;
}

export interface BoxReadResult {
  rows: Reading[] | AggregatePoint[];
  aggregate: Aggregate | null;
  /** The zone of the buckets, for calendar resolutions. */
  timeZone?: string;
}

/**
 * A read as the householder means it (API, CLI, dashboard): `1d`, `1w`, `1mo` and `1y` are local
 * calendar buckets in `tz` or the box's zone (a UTC `1d` is the stored daily rollup itself);
 * sub-day resolutions are the store's epoch-aligned rollups; the aggregate defaults to the
 * datasource's natural one (kWh used for a register, summed interval energy, mean power).
 *
 * @example
 * ```ts
 * readForPerson(store, 'meter.energy', { from, to, resolution: '1d' }); // local days, kWh used
 * ```
 */
export function readForPerson(store: Store, id: string, query: BoxRead, audit?: ReadAudit): BoxReadResult {
  const source = store.getDatasource(id);
  const aggregate = query.aggregate ?? naturalAggregate(source.kind, source.valueType);
  const base = { from: query.from, to: query.to, aggregate, limit: query.limit };
  if (!isCalendarResolution(query.resolution))
    return {
      rows: store.read(id, { ...base, resolution: query.resolution }, audit),
      aggregate: query.resolution === 'raw' ? null : aggregate,
    };
  const timeZone = query.tz ? checkTimeZone(query.tz, 'tz') : readTimeSettings(store).timeZone;
  if (query.resolution === '1d' && timeZone === 'UTC')
    return { rows: store.read(id, { ...base, resolution: '1d' }, audit), aggregate, timeZone };
  return {
    rows: readCalendar(store, id, { ...base, resolution: query.resolution, timeZone }, audit),
    aggregate,
    timeZone,
  };
}
