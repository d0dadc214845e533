import { AppApiError } from './app-api-error.ts';

/**
 * The rules for reading event and key-value datasources, shared by the box's arbiter and
 * `runLocally` (as `planRead` is for numeric ones). Events have no buckets, so no closed-bucket
 * rule: the grant's history window and a row cap per read are what bound them.
 */

/** Most events one `data.events` returns; page on with the result's `next` cursor. */
export const MAX_EVENTS_PER_READ = 1000;
/** Most entries one `data.kv` list returns; page on with the result's `next` cursor (a key). */
export const MAX_KV_ENTRIES_PER_READ = 1000;

/** Where a page of events resumes: after the event at `t` with arrival number `seq`. */
export interface EventCursor {
  t: number;
  seq: number;
}

/** An event read the grant allows: events with `from <= t < to`, after `after`, at most `limit`. */
export interface EventPlan {
  from: number;
  to: number;
  limit: number;
  after: EventCursor | null;
}

const CURSOR = /^(\d{1,16}):(\d{1,16})$/;

/**
 * The cursor text for "after this event" (opaque to apps: they pass back what they were given).
 *
 * @example
 * ```ts
 * formatEventCursor({ t: 1_700_000_000_000, seq: 42 }); // '1700000000000:42'
 * ```
 */
export function formatEventCursor(cursor: EventCursor): string {
  return `${cursor.t}:${cursor.seq}`;
}

/**
 * Plans one `data.events` read: the window defaults to the whole history `[now - historyMs, now)`
 * and is clipped to it (events written at or after `now` are not served, as a numeric read stops
 * at `now`); `limit` defaults to and is capped at {@link MAX_EVENTS_PER_READ}.
 *
 * @example
 * ```ts
 * planEventRead({ historyMs: 86_400_000 }, { limit: 10 }, Date.UTC(2024, 0, 2));
 * // { from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 0, 2), limit: 10, after: null }
 * ```
 * @throws AppApiError `bad_request` for `from > to` or a cursor this function did not make.
 */
export function planEventRead(
  grant: { historyMs: number },
  params: { from?: number; to?: number; limit?: number; cursor?: string },
  now: number,
): EventPlan {
  if (params.from !== undefined && params.to !== undefined && params.from > params.to)
    throw new AppApiError('bad_request', `from (${params.from}) is after to (${params.to})`);
  let after: EventCursor | null = null;
  if (params.cursor !== undefined) {
    const match = CURSOR.exec(params.cursor);
    if (!match)
      throw new AppApiError(
        'bad_request',
        'cursor is not one a data.events result gave (pass back its "next" as it is)',
      );
    after = { t: Number(match[1]), seq: Number(match[2]) };
  }
  const windowStart = Math.max(0, now - grant.historyMs);
  const from = Math.max(params.from ?? windowStart, windowStart);
  const to = Math.max(Math.min(params.to ?? now, now), 0);
  const limit = Math.min(params.limit ?? MAX_EVENTS_PER_READ, MAX_EVENTS_PER_READ);
  return { from: Math.min(from, to), to, limit, after };
}

/**
 * True when a kv entry last set at `updatedAt` is inside the grant's history window: an entry
 * set before the window is served as absent, as a reading before it would be.
 *
 * @example
 * ```ts
 * kvEntryVisible(Date.UTC(2024, 0, 1), { historyMs: 86_400_000 }, Date.UTC(2024, 0, 3)); // false
 * ```
 */
export function kvEntryVisible(updatedAt: number, grant: { historyMs: number }, now: number): boolean {
  return updatedAt >= now - grant.historyMs && updatedAt <= now;
}
