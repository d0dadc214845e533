import type { AuditLog } from '../audit/audit-log.ts';
import type { IngestWindows } from '../audit/ingest-window.ts';
import { BadRequestError } from '../errors.ts';
import { type Catalogue, datasourceKvNamespace } from './catalogue.ts';
import { type EventSeries, validateEvents } from './event-series.ts';
import type { KvStore } from './kv-store.ts';
import { validateRange } from './reading-validation.ts';
import type { Actor, EventRecord, RangeQuery, ReadAudit } from './types.ts';

/** What {@link AuditedEvents} works with: the store's parts, its clock and its transaction. */
export interface AuditedEventsParts {
  events: EventSeries;
  catalogue: Catalogue;
  kv: KvStore;
  ingest: IngestWindows;
  audit: AuditLog;
  now: () => number;
  transaction: <T>(fn: () => T) => T;
}

/**
 * The store's writes and reads of event and key-value datasources, each with its audit entry
 * (`events.write`, `events.read`, `kv.set`) in the same transaction. {@link Store} delegates its
 * event and state methods here (store.ts had reached 408 lines), as it does its numeric reads to
 * `AuditedReads`.
 *
 * @example
 * const events = new AuditedEvents({ events, catalogue, kv, ingest, audit, now: Date.now, transaction });
 * events.writeEvents('door.front', [{ t: Date.now(), data: { open: true } }], 'driver:zigbee');
 */
export class AuditedEvents {
  readonly #p: AuditedEventsParts;

  constructor(parts: AuditedEventsParts) {
    this.#p = parts;
  }

  writeEvents(id: string, input: unknown, actor: Actor): number {
    const events = validateEvents(input);
    const p = this.#p;
    return p.transaction(() => {
      const entry = p.catalogue.get(id);
      if (entry.valueType !== 'event')
        throw new BadRequestError(`datasource "${id}" is ${entry.valueType}, not event`);
      const count = p.events.write(entry, events);
      p.ingest.touch(id);
      p.audit.append({ actor, action: 'events.write', subject: id, details: { count } });
      return count;
    });
  }

  readEvents(id: string, query: RangeQuery, audit?: ReadAudit): EventRecord[] {
    validateRange(query.from, query.to);
    const p = this.#p;
    const rows = p.events.read(p.catalogue.get(id), query);
    if (audit) {
      p.audit.append({
        actor: audit.actor,
        action: 'events.read',
        subject: id,
        details: { from: query.from, to: query.to, rows: rows.length, ...audit.details },
      });
    }
    return rows;
  }

  /** See `Store.eventPage`. */
  eventPage(
    id: string,
    query: RangeQuery & { limit: number; after: { t: number; seq: number } | null },
  ): Array<EventRecord & { seq: number }> {
    validateRange(query.from, query.to);
    return this.#p.events.page(this.#p.catalogue.get(id), query);
  }

  /** Sets a key of a `kv` datasource, audited. */
  setState(id: string, key: string, value: unknown, actor: Actor): void {
    const p = this.#p;
    p.transaction(() => {
      const entry = p.catalogue.get(id);
      if (entry.valueType !== 'kv')
        throw new BadRequestError(`datasource "${id}" is ${entry.valueType}, not kv`);
      p.kv.set(datasourceKvNamespace(id), key, value, p.now());
      p.ingest.touch(id);
      p.audit.append({ actor, action: 'kv.set', subject: id, details: { key } });
    });
  }
}
