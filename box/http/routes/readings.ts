import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { z } from 'zod';
import { naturalAggregate } from '../../energy/natural-aggregate.ts';
import { BadRequestError } from '../../errors.ts';
import type { ColumnsRead } from '../../store/numeric-reader.ts';
import type { Store } from '../../store/store.ts';
import { AGGREGATES, type AggregatePoint, type ReadResolution } from '../../store/types.ts';
import { isCalendarResolution } from '../../time/calendar.ts';
import { BOX_READ_RESOLUTIONS, readForPerson } from '../../time/calendar-read.ts';
import { jsonBody, parseJsonBody, validationHook } from '../error-handler.ts';
import { readingColumnsFromJson } from '../readings-json.ts';
import { timeParam } from '../time-param.ts';
import { f64Answer } from './readings-f64.ts';

const readQuery = z.strictObject({
  from: timeParam.optional(),
  to: timeParam.optional(),
  /** `1d`, `1w`, `1mo`, `1y`: local calendar buckets in `tz` (default the box's zone). */
  resolution: z.enum(BOX_READ_RESOLUTIONS).default('raw'),
  /** Default: the datasource's natural aggregate (kWh used, interval energy summed, power mean). */
  agg: z.enum(AGGREGATES).optional(),
  tz: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1_000_000).optional(),
  last: z.coerce.number().int().min(1).max(1_000_000).optional(),
  /** `columns`: JSON columns; `f64`: binary columns (`readings-f64.ts`, docs/store.md). */
  format: z.enum(['rows', 'columns', 'f64']).default('rows'),
});

const eventQuery = z.strictObject({
  from: timeParam.optional(),
  to: timeParam.optional(),
  limit: z.coerce.number().int().min(1).max(1_000_000).optional(),
});

/**
 * The `format=columns` answer, written as text around SQLite's number lists:
 * `{ …, "count", "t0", "step", "v": [...], "n": [...] }` when the buckets are evenly spaced
 * (bucket i starts at t0 + i·step), with a `"t": [...]` column instead of `t0`/`step` otherwise.
 */
function columnsJson(
  id: string,
  q: { from: number; to: number; resolution: ReadResolution; aggregate: string },
  columns: ColumnsRead,
): string {
  const head = `{"datasource":${JSON.stringify(id)},"from":${q.from},"to":${q.to},"resolution":"${q.resolution}","aggregate":${q.resolution === 'raw' ? 'null' : `"${q.aggregate}"`},"format":"columns","count":${columns.count}`;
  const time =
    columns.t !== undefined
      ? `,"t":[${columns.t}]`
      : columns.first !== undefined
        ? `,"t0":${columns.first},"step":${columns.step}`
        : ',"t":[]';
  const n = columns.n !== undefined ? `,"n":[${columns.n}]` : '';
  return `${head}${time},"v":[${columns.v}]${n}}`;
}

/** `/api/v1/datasources/:id/readings` and `/events`: write batches and read them back. */
export function readingRoutes(store: Store): Hono {
  const app = new Hono();

  /** Body: `[{ "t": ms, "v": number }, …]` or `{ "readings": [...] }`. */
  app.post('/:id/readings', async (c) => {
    const text = await c.req.text();
    // `[{"t":…,"v":…},…]` as clients write it goes straight into columns; anything else (and every
    // error) is the general path's
    const columns = readingColumnsFromJson(text);
    if (columns !== undefined) return c.json(store.writeReadingColumns(c.req.param('id'), columns, 'user'));
    const body = parseJsonBody(text);
    const readings = Array.isArray(body) ? body : (body as { readings?: unknown } | null)?.readings;
    if (readings === undefined) {
      throw new BadRequestError(
        'send an array of readings [{ "t": ms, "v": number }] or { "readings": [...] }',
      );
    }
    return c.json(store.writeReadings(c.req.param('id'), readings, 'user'));
  });

  /**
   * `?from&to` (ms or ISO 8601; default the last 24 h), `resolution` (raw|1min…1d), `agg`, `limit`,
   * or `last=N`; `format=columns` answers `{ t0, step, v, n }` (or `t`) instead of one object per row,
   * `format=f64` the same columns as little-endian binary (`readings-f64.ts`).
   */
  app.get('/:id/readings', zValidator('query', readQuery, validationHook('query')), (c) => {
    const id = c.req.param('id');
    const q = c.req.valid('query');
    const audit = { actor: 'user' };
    if (q.last !== undefined) return c.json({ datasource: id, readings: store.lastN(id, q.last, audit) });
    const to = q.to ?? store.now();
    const from = q.from ?? to - 86_400_000;
    if (isCalendarResolution(q.resolution)) {
      // local calendar buckets: the box's read for people (box/time/calendar-read.ts)
      const query = { from, to, resolution: q.resolution, aggregate: q.agg, limit: q.limit, tz: q.tz };
      const read = readForPerson(store, id, query, audit);
      const head = {
        datasource: id,
        from,
        to,
        resolution: q.resolution,
        aggregate: read.aggregate,
        ...(read.timeZone ? { tz: read.timeZone } : {}),
      };
      if (q.format === 'f64') {
        const rows = read.rows as AggregatePoint[];
        const { body, headers } = f64Answer(
          { ...head, aggregate: read.aggregate },
          { count: rows.length, t: rows.map((r) => r.t), v: rows.map((r) => r.v), n: rows.map((r) => r.n) },
        );
        return c.body(body, 200, headers);
      }
      if (q.format === 'columns')
        return c.json({
          ...head,
          format: 'columns',
          count: read.rows.length,
          t: read.rows.map((r) => r.t),
          v: read.rows.map((r) => r.v),
          n: read.rows.map((r) => (r as AggregatePoint).n),
        });
      return c.json({ ...head, readings: read.rows });
    }
    // the natural aggregate of the datasource's kind when none is asked for (kWh used, interval sums)
    const source = store.getDatasource(id);
    const agg = q.agg ?? naturalAggregate(source.kind, source.valueType);
    if (q.format === 'f64') {
      const query = { from, to, resolution: q.resolution, aggregate: agg, limit: q.limit };
      const head = {
        datasource: id,
        from,
        to,
        resolution: q.resolution,
        aggregate: q.resolution === 'raw' ? null : agg,
      };
      const { body, headers } = f64Answer(head, store.readBinary(id, query, audit));
      return c.body(body, 200, headers);
    }
    if (q.format === 'columns') {
      const query = { from, to, resolution: q.resolution, aggregate: agg, limit: q.limit };
      return c.body(columnsJson(id, query, store.readColumns(id, query, audit)), 200, {
        'content-type': 'application/json',
      });
    }
    // the rows' JSON comes from SQLite as text (readJson): no object per row on this side
    const rows = store.readJson(
      id,
      { from, to, resolution: q.resolution, aggregate: agg, limit: q.limit },
      audit,
    );
    const head = JSON.stringify({
      datasource: id,
      from,
      to,
      resolution: q.resolution,
      // the aggregate used, the natural one when none was asked for
      aggregate: q.resolution === 'raw' ? null : agg,
    });
    return c.body(`${head.slice(0, -1)},"readings":${rows.json}}`, 200, {
      'content-type': 'application/json',
    });
  });

  app.get('/:id/latest', (c) => {
    const id = c.req.param('id');
    return c.json({ datasource: id, reading: store.latest(id, { actor: 'user' }) ?? null });
  });

  /** Body: `[{ "t": ms, "data": any JSON }, …]` or `{ "events": [...] }`. */
  app.post('/:id/events', async (c) => {
    const body = await jsonBody(c);
    const events = Array.isArray(body) ? body : (body as { events?: unknown } | null)?.events;
    return c.json({ written: store.writeEvents(c.req.param('id'), events, 'user') });
  });

  app.get('/:id/events', zValidator('query', eventQuery, validationHook('query')), (c) => {
    const id = c.req.param('id');
    const q = c.req.valid('query');
    const to = q.to ?? store.now();
    const from = q.from ?? to - 86_400_000;
    return c.json({
      datasource: id,
      from,
      to,
      events: store.readEvents(id, { from, to, limit: q.limit }, { actor: 'user' }),
    });
  });

  return app;
}
