import type Database from 'better-sqlite3';
import { BadRequestError, type ErrorDetail } from '../errors.ts';
import type { CatalogueEntry } from './catalogue.ts';
import { DEFAULT_RAW_LIMIT, MAX_READ_ROWS } from './numeric-reader.ts';
import { type EventRecord, MAX_TIMESTAMP, MIN_TIMESTAMP, type RangeQuery } from './types.ts';

/** Largest JSON text one event may take. */
export const MAX_EVENT_BYTES = 64 * 1024;

/** Validates a batch of events `[{ t, data }]` and returns them with their JSON text. */
export function validateEvents(input: unknown): Array<{ t: number; json: string }> {
  if (!Array.isArray(input)) throw new BadRequestError('events must be an array of { t, data }');
  const details: ErrorDetail[] = [];
  const out: Array<{ t: number; json: string }> = [];
  input.forEach((item: { t?: unknown; data?: unknown } | null, i) => {
    if (typeof item !== 'object' || item === null) {
      details.push({ path: `events[${i}]`, message: 'must be an object { t, data }' });
      return;
    }
    const { t, data } = item;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < MIN_TIMESTAMP || t > MAX_TIMESTAMP) {
      details.push({
        path: `events[${i}].t`,
        message: `must be an integer of ms between 1970 and 9999, got ${String(t)}`,
      });
    }
    const json = data === undefined ? undefined : JSON.stringify(data);
    if (json === undefined)
      details.push({ path: `events[${i}].data`, message: 'is required (any JSON value)' });
    else if (Buffer.byteLength(json) > MAX_EVENT_BYTES) {
      details.push({ path: `events[${i}].data`, message: `is larger than ${MAX_EVENT_BYTES} bytes of JSON` });
    }
    if (details.length === 0) out.push({ t: t as number, json: json as string });
  });
  if (details.length > 0)
    throw new BadRequestError('invalid events; nothing was stored', { details: details.slice(0, 20) });
  return out;
}

/** Event (JSON) series: many events may share a timestamp; they keep arrival order. */
export class EventSeries {
  readonly #insert: Database.Statement;
  readonly #range: Database.Statement<[number, number, number, number], { t: number; data: string }>;
  readonly #page: Database.Statement<
    [number, number, number, number, number, number, number],
    { seq: number; t: number; data: string }
  >;

  constructor(db: Database.Database) {
    this.#insert = db.prepare('INSERT INTO events (sid, t, data) VALUES (?, ?, ?)');
    this.#range = db.prepare(
      'SELECT t, data FROM events WHERE sid = ? AND t >= ? AND t < ? ORDER BY t, seq LIMIT ?',
    );
    // (t, seq) after the cursor: events sharing a timestamp are paged without loss or repeat
    this.#page = db.prepare(
      'SELECT seq, t, data FROM events WHERE sid = ? AND t >= ? AND t < ? AND (t > ? OR (t = ? AND seq > ?)) ORDER BY t, seq LIMIT ?',
    );
  }

  write(entry: CatalogueEntry, events: ReadonlyArray<{ t: number; json: string }>): number {
    for (const event of events) this.#insert.run(entry.sid, event.t, event.json);
    return events.length;
  }

  read(entry: CatalogueEntry, query: RangeQuery): EventRecord[] {
    const limit = Math.min(query.limit ?? DEFAULT_RAW_LIMIT, MAX_READ_ROWS);
    return this.#range
      .all(entry.sid, Math.max(query.from, entry.rawHorizon), query.to, limit)
      .map((row) => ({ t: row.t, data: JSON.parse(row.data) }));
  }

  /** Up to `limit` events in `[from, to)` after `(t, seq)` of `after`, with their arrival number `seq`. */
  page(
    entry: CatalogueEntry,
    query: RangeQuery & { limit: number; after: { t: number; seq: number } | null },
  ): Array<EventRecord & { seq: number }> {
    const after = query.after ?? { t: -1, seq: -1 };
    return this.#page
      .all(
        entry.sid,
        Math.max(query.from, entry.rawHorizon),
        query.to,
        after.t,
        after.t,
        after.seq,
        query.limit,
      )
      .map((row) => ({ seq: row.seq, t: row.t, data: JSON.parse(row.data) }));
  }
}
