import { AppRegistry } from '../apps/app-registry.ts';
import { boundText } from '../audit/bounded-text.ts';
import type { Store } from '../store/store.ts';
import { EXPORTS_KV } from './export-service.ts';
import { describe, type GatewayClient } from './gateway-client.ts';
import type { ExportLedger } from './ledger.ts';
import type { GatewayEvent, LedgerEntry } from './types.ts';

/** kv key (namespace `exports`) of the last gateway event seq the ledger has taken in. */
export const EVENT_CURSOR_KEY = 'gateway.events.seq';
const BATCH = 200;

export interface GatewaySyncOptions {
  store: Store;
  ledger: ExportLedger;
  client: GatewayClient;
}

/** What one {@link GatewaySync.tick} did. */
export interface SyncResult {
  forwarded: number;
  events: number;
}

/**
 * Moves exports between the ledger and the gateway, one `tick()` at a time:
 * 1. forwards `pending` rows (`POST /v1/exports`, idempotent by id, so a box that died between the
 *    gateway's 202 and its own write just forwards again) and `retrying` rows (`POST …/retry`);
 * 2. reads the gateway's delivery events after the stored cursor and applies them to the ledger,
 *    auditing `export.delivered` / `export.failed` (actor `gateway`) in the same transaction that
 *    advances the cursor, so after any crash each event is taken in exactly once.
 * A gateway that does not answer makes `tick()` reject; nothing is lost, the next tick tries again.
 *
 * @example
 * const sync = new GatewaySync({ store, ledger: exports.ledger, client: new GatewayClient(socket) });
 * await sync.tick(); // { forwarded: 1, events: 2 }
 */
export class GatewaySync {
  readonly #options: GatewaySyncOptions;

  readonly #apps: AppRegistry;

  constructor(options: GatewaySyncOptions) {
    this.#options = options;
    this.#apps = new AppRegistry(options.store.db);
  }

  /**
   * Whether the householder marked this export's destination as on the home network in the app's
   * current consent; only then may the gateway connect to a private address for it.
   */
  #onHomeNetwork(entry: LedgerEntry): boolean {
    const receipt = this.#apps.currentConsent(entry.appId)?.receipt as
      | { destinations?: Array<{ id?: string; homeNetwork?: boolean }> }
      | undefined;
    return receipt?.destinations?.some((d) => d.id === entry.destination && d.homeNetwork === true) ?? false;
  }

  get cursor(): number {
    return Number(this.#options.store.kv.get(EXPORTS_KV, EVENT_CURSOR_KEY) ?? 0);
  }

  async tick(): Promise<SyncResult> {
    const forwarded = (await this.#forward()) + (await this.#retry());
    const events = await this.#takeEvents();
    return { forwarded, events };
  }

  async #forward(): Promise<number> {
    const { store, ledger, client } = this.#options;
    let count = 0;
    for (const entry of ledger.withStatus('pending')) {
      const payloadText = ledger.payloadText(entry.id);
      const reply = await client.submit({
        id: entry.id,
        appId: entry.appId,
        runId: entry.runId,
        destination: { id: entry.destination, url: entry.url, allowPrivate: this.#onHomeNetwork(entry) },
        payload: JSON.parse(payloadText),
        payloadSha256: entry.sha256,
        createdAt: entry.createdAt,
      });
      if (reply.status === 202 || reply.status === 200) {
        store.transaction(() => {
          // only if still pending: events may have moved it on already
          if (ledger.get(entry.id).status === 'pending')
            ledger.update(entry.id, 'queued', store.now(), { forwardedAt: store.now() });
        });
        count++;
      } else if (reply.status >= 400 && reply.status < 500) {
        // the gateway refuses it outright (e.g. a destination its checks reject): it cannot leave
        this.#fail(entry, `refused by the gateway: ${describe(reply.body)}`, null);
      } else {
        throw new Error(
          `the gateway answered ${reply.status} to export ${entry.id}: ${describe(reply.body)}`,
        );
      }
    }
    return count;
  }

  async #retry(): Promise<number> {
    const { store, ledger, client } = this.#options;
    let count = 0;
    for (const entry of ledger.withStatus('retrying')) {
      const reply = await client.retry(entry.id);
      // 404: the gateway does not have it (a new outbox): forward it again
      const next =
        reply.status === 404 ? 'pending' : reply.status < 300 || reply.status === 409 ? 'queued' : undefined;
      if (!next)
        throw new Error(`the gateway answered ${reply.status} to retry ${entry.id}: ${describe(reply.body)}`);
      store.transaction(() => {
        if (ledger.get(entry.id).status === 'retrying') ledger.update(entry.id, next, store.now());
      });
      count++;
    }
    return count;
  }

  #fail(entry: LedgerEntry, error: string, responseStatus: number | null, attempt = entry.attempts): void {
    const { store, ledger } = this.#options;
    store.transaction(() => {
      ledger.update(entry.id, 'failed', store.now(), { lastError: error, responseStatus, attempts: attempt });
      store.audit.append({
        actor: 'gateway',
        action: 'export.failed',
        subject: entry.appId,
        details: {
          export: entry.id,
          destination: entry.destination,
          url: entry.url,
          attempts: attempt,
          responseStatus,
          // the receiver's answer is not the box's text: bounded (the log value keeps all of it)
          error: boundText(error),
        },
      });
    });
  }

  async #takeEvents(): Promise<number> {
    const { store, client } = this.#options;
    let total = 0;
    for (;;) {
      const events = await client.events(this.cursor, BATCH);
      if (events.length === 0) return total;
      store.transaction(() => {
        // re-read inside the write lock: a second box process must not apply a batch twice
        const cursor = this.cursor;
        let last = cursor;
        for (const event of events) {
          if (event.seq <= last) continue;
          this.#apply(event);
          last = event.seq;
        }
        store.kv.set(EXPORTS_KV, EVENT_CURSOR_KEY, last, store.now());
      });
      total += events.length;
      if (events.length < BATCH) return total;
    }
  }

  #apply(event: GatewayEvent): void {
    const { store, ledger } = this.#options;
    const entry = ledger.find(event.id);
    if (!entry) return; // not an export of this box's ledger
    const now = store.now();
    const attempts = Math.max(entry.attempts, event.attempt);
    const responseStatus = event.responseStatus ?? null;
    const forwardedAt = entry.forwardedAt ?? event.at;
    if (event.type === 'attempt') {
      const status = entry.status === 'pending' || entry.status === 'retrying' ? 'queued' : entry.status;
      ledger.update(entry.id, status, now, {
        attempts,
        responseStatus,
        lastError: event.error ?? null,
        forwardedAt,
      });
      return;
    }
    const details = {
      export: entry.id,
      destination: entry.destination,
      url: entry.url,
      attempts,
      responseStatus,
      bytes: event.bytes,
      commitment: ledger.commitment(entry),
    };
    if (event.type === 'delivered') {
      ledger.update(entry.id, 'delivered', now, {
        attempts,
        responseStatus,
        lastError: null,
        deliveredAt: event.at,
        forwardedAt,
      });
      store.audit.append({ actor: 'gateway', action: 'export.delivered', subject: entry.appId, details });
    } else {
      const error = event.error ?? 'delivery failed';
      ledger.update(entry.id, 'failed', now, { attempts, responseStatus, lastError: error, forwardedAt });
      store.audit.append({
        actor: 'gateway',
        action: 'export.failed',
        subject: entry.appId,
        details: { ...details, error: boundText(error) },
      });
    }
  }
}
