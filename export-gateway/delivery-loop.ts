import { attemptOutcome } from './attempt-outcome.ts';
import type { BackoffOptions } from './backoff.ts';
import type { Outbox, OutboxEntry } from './outbox.ts';
import { SafeClientError, type SafeClientErrorCode } from './safe-client/errors.ts';
import { type SafeClientOptions, type SafePostResponse, safePost } from './safe-client/safe-post.ts';

/** Settings of the delivery loop. */
export interface DeliveryLoopOptions {
  maxAttempts: number;
  /** Deliveries in flight at once. */
  concurrency: number;
  backoff: BackoffOptions;
  client: SafeClientOptions;
  /** How long `stop()` lets in-flight attempts finish before aborting them (ms). Default 2000. */
  stopGraceMs?: number;
  now?: () => number;
  log?: (message: string) => void;
}

/** Failures that happen before any request byte is written. */
const NOTHING_SENT = new Set<SafeClientErrorCode>([
  'refused_url',
  'refused_address',
  'dns_failed',
  'connect_timeout',
  'tls',
]);
/** Longest sleep between looks at the outbox, so a clock jump cannot stall delivery. */
const MAX_SLEEP_MS = 60_000;

/**
 * Delivers queued exports: claims due ones from the outbox (at most `concurrency` in flight),
 * POSTs each through the SSRF-proof client with its `Idempotency-Key`, and records the outcome
 * (delivered, retry after backoff, or failed) with its event. Sleeps until the next export is
 * due or `wake()` says a new one arrived.
 *
 * @example
 * const loop = new DeliveryLoop(outbox, { maxAttempts: 8, concurrency: 4, backoff, client });
 * loop.start();
 * // after each accepted export: loop.wake();
 * await loop.stop();
 */
export class DeliveryLoop {
  readonly #outbox: Outbox;
  readonly #options: DeliveryLoopOptions;
  readonly #now: () => number;
  readonly #inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(outbox: Outbox, options: DeliveryLoopOptions) {
    this.#outbox = outbox;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Starts delivering (call after `outbox.reclaimInterrupted`). */
  start(): void {
    this.#running = true;
    this.wake();
  }

  /** Looks for due exports now (a new one was accepted, or a householder retried one). */
  wake(): void {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const free = this.#options.concurrency - this.#inFlight.size;
    if (free > 0) {
      for (const entry of this.#outbox.claimDue(this.#now(), free)) this.#begin(entry);
    }
    if (this.#inFlight.size >= this.#options.concurrency) return; // a finishing attempt wakes us
    const next = this.#outbox.nextDueAt();
    if (next === undefined) return;
    const delay = Math.min(MAX_SLEEP_MS, Math.max(0, next - this.#now()));
    this.#timer = setTimeout(() => this.wake(), delay);
  }

  /**
   * Stops claiming, waits up to `stopGraceMs` for attempts in flight, then aborts the rest; an
   * aborted attempt goes back to the queue (due at once on the next start).
   */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    const all = () => Promise.all([...this.#inFlight.values()].map((f) => f.done));
    let grace: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      grace = setTimeout(resolve, this.#options.stopGraceMs ?? 2000);
    });
    await Promise.race([all(), graceOver]);
    clearTimeout(grace);
    for (const flight of this.#inFlight.values()) flight.controller.abort();
    await all();
  }

  #begin(entry: OutboxEntry): void {
    const controller = new AbortController();
    const done = this.#attempt(entry, controller.signal)
      .catch((error: unknown) =>
        this.#options.log?.(`export ${entry.id}: recording the attempt failed: ${error}`),
      )
      .finally(() => {
        this.#inFlight.delete(entry.id);
        this.wake();
      });
    this.#inFlight.set(entry.id, { controller, done });
  }

  async #attempt(entry: OutboxEntry, signal: AbortSignal): Promise<void> {
    let result: SafePostResponse | Error;
    try {
      result = await safePost(
        {
          url: entry.url,
          approvedUrl: entry.url,
          body: entry.body,
          headers: { 'idempotency-key': entry.id },
          allowPrivate: entry.allowPrivate,
          signal,
        },
        this.#options.client,
      );
    } catch (error) {
      result = error instanceof Error ? error : new Error(String(error));
    }
    const now = this.#now();
    const bodyBytes = Buffer.byteLength(entry.body);
    if (result instanceof SafeClientError && result.code === 'aborted') {
      const error = 'interrupted: the gateway stopped during this attempt';
      this.#outbox.finish(entry.id, entry.attempts, {
        type: 'retry',
        at: now,
        nextAttemptAt: now,
        error,
        bytes: bodyBytes,
      });
      return;
    }
    const bytes =
      result instanceof Error
        ? result instanceof SafeClientError && NOTHING_SENT.has(result.code)
          ? 0
          : bodyBytes
        : result.bytesSent;
    const outcome = attemptOutcome(result, {
      attempt: entry.attempts,
      maxAttempts: this.#options.maxAttempts,
      backoff: this.#options.backoff,
      now,
      bytes,
    });
    this.#outbox.finish(entry.id, entry.attempts, outcome);
    const what =
      outcome.type === 'delivered'
        ? `delivered (${outcome.responseStatus})`
        : `${outcome.type}: ${outcome.error}`;
    this.#options.log?.(`export ${entry.id} attempt ${entry.attempts}: ${what}`);
  }
}
