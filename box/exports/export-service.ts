import { createHash, randomUUID } from 'node:crypto';
import type { AppApiErrorCode } from '../../apps-sdk/src/app-api-error.ts';
import type { ExportDeclaration } from '../../apps-sdk/src/manifest.ts';
import { quotasFor } from '../apps/app-quotas.ts';
import { AppRegistry } from '../apps/app-registry.ts';
import { checkJsonSchema } from '../apps/json-schema-check.ts';
import { appError } from '../arbiter/app-error.ts';
import { boundText, textDigest } from '../audit/bounded-text.ts';
import { newPayloadSalt, payloadCommitment } from '../audit/payload-commitment.ts';
import { ConflictError, type ErrorDetail } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { sameDestination } from './destination-match.ts';
import { ExportLedger } from './ledger.ts';
import type { ExportMode, LedgerEntry } from './types.ts';

const DAY_MS = 86_400_000;
export const DEFAULT_BOX_WIDE_PER_DAY = 200;
/** kv namespace of the export settings (per-app mode) and the gateway event cursor. */
export const EXPORTS_KV = 'exports';

export interface ExportServiceOptions {
  store: Store;
  registry?: AppRegistry;
  /**
   * Requests a day across all apps (`gateway.boxWidePerDay`). Without it, the value the box
   * recorded from config.json at its last start, else 200.
   */
  boxWidePerDay?: number;
}

export interface ExportRequestInput {
  appId: string;
  runId: string;
  destination: string;
  payload: unknown;
}

/** Which check refused a request (in the `export.refuse` audit entry). */
type Check = 'run' | 'destination' | 'grant' | 'schema' | 'size' | 'rate' | 'box-rate';

/**
 * The box side of exports: the checks before anything is queued, the ledger entry, and the audit
 * entry with the payload's SHA-256. A refusal rejects with the reason (the app's `export.request`
 * call fails with it) and is audited as `export.refuse`. Accepted requests wait as `review` (app in
 * review mode) or `pending` (the `GatewaySupervisor` forwards them to the export gateway).
 *
 * @example
 * const exports = new ExportService({ store, boxWidePerDay: 200 });
 * const { id } = exports.request({ appId, runId, destination: 'summary', payload: { kwh: 1.5 } });
 */
export class ExportService {
  readonly ledger: ExportLedger;
  readonly registry: AppRegistry;
  readonly #store: Store;
  readonly #boxWidePerDay: number | undefined;
  /** Per live run: refusals audited one by one so far, and those only counted (by check). */
  readonly #refusals = new Map<
    string,
    { audited: number; limit: number; counted: Partial<Record<Check, number>> }
  >();

  constructor(options: ExportServiceOptions) {
    this.#store = options.store;
    this.registry = options.registry ?? new AppRegistry(options.store.db);
    this.ledger = new ExportLedger(options.store.db);
    this.#boxWidePerDay = options.boxWidePerDay;
  }

  get boxWidePerDay(): number {
    if (this.#boxWidePerDay !== undefined) return this.#boxWidePerDay;
    const config = this.#store.kv.get('box', 'config') as
      | { gateway?: { boxWidePerDay?: number } }
      | undefined;
    return config?.gateway?.boxWidePerDay ?? DEFAULT_BOX_WIDE_PER_DAY;
  }

  /**
   * Checks and records an app's export request; resolves with the new ledger entry. Async because
   * the payload's schema check runs off the main thread (app schemas are untrusted code).
   */
  async request(input: ExportRequestInput): Promise<LedgerEntry> {
    const store = this.#store;
    const { appId, runId, destination } = input;
    const refuse = (check: Check, code: AppApiErrorCode, message: string, details?: ErrorDetail[]) => {
      this.#auditRefusal(
        appId,
        runId,
        () => refusalDetails(runId, destination, declared, check, message),
        check,
      );
      return appError(code, message, details);
    };
    const now = store.now();
    let declared: ExportDeclaration | undefined;

    const run = this.#liveRun(runId, appId);
    if (!run) throw refuse('run', 'forbidden', `export refused: run ${runId} of app "${appId}" is not live`);
    const app = this.registry.findInstall(appId);
    declared = app?.manifest.exports.find((e) => e.id === destination);
    if (!declared)
      throw refuse(
        'destination',
        'not_found',
        `export destination "${destination}" is not declared in the manifest of "${appId}"`,
      );
    const consent = this.registry.currentConsent(appId);
    const approved = (consent?.receipt.destinations as Array<Partial<ExportDeclaration>> | undefined)?.find(
      (d) => d.id === destination,
    );
    // a typed refusal: the householder's choice, which an app handles and still finishes ok
    if (!consent?.destinations.includes(destination) || !approved?.url)
      throw refuse(
        'destination',
        'destination_declined',
        `the householder has not approved export destination "${destination}"`,
      );
    if (!sameDestination(approved.url, declared.url))
      throw refuse(
        'destination',
        'forbidden',
        `destination "${destination}" is now ${declared.url}, but the householder approved ${approved.url}: consent again to change it`,
      );
    if (consent.expiresAt <= now)
      throw refuse('grant', 'forbidden', `the consent for app "${appId}" has expired`);
    const grants = this.registry.currentGrants(appId);
    if (grants.length > 0 && grants.every((g) => g.revokedAt !== null || g.expiresAt <= now))
      throw refuse('grant', 'forbidden', `the grants of app "${appId}" are revoked or expired`);

    const payload = input.payload === undefined ? null : input.payload;
    let problems: ErrorDetail[];
    try {
      problems = await checkJsonSchema(declared.schema, payload, 'payload');
    } catch (error) {
      throw refuse('schema', 'bad_request', (error as Error).message);
    }
    // the check took time: the run may have ended meanwhile
    if (!this.#liveRun(runId, appId))
      throw refuse('run', 'forbidden', `export refused: run ${runId} of app "${appId}" is not live`);
    if (problems.length > 0)
      throw refuse(
        'schema',
        'bad_request',
        `the payload for "${destination}" does not match its schema`,
        problems,
      );
    const text = JSON.stringify(payload);
    const bytes = Buffer.byteLength(text);
    const maxBytes = Math.min(declared.maxBytes, approved.maxBytes ?? declared.maxBytes);
    if (bytes > maxBytes)
      throw refuse(
        'size',
        'bad_request',
        `the payload for "${destination}" is ${bytes} bytes, over its limit of ${maxBytes}`,
      );

    // counts and insert in one IMMEDIATE transaction: two runs cannot both take the last slot
    const result = store.transaction(() => {
      const maxPerDay = Math.min(declared.maxPerDay, approved.maxPerDay ?? declared.maxPerDay);
      const today = this.ledger.countForDestination(appId, destination, now - DAY_MS);
      if (today >= maxPerDay)
        return {
          refused: ['rate', `"${destination}" allows ${maxPerDay} exports a day; ${today} in the last 24 h`],
        };
      const cap = this.boxWidePerDay;
      const all = this.ledger.countAll(now - DAY_MS);
      if (all >= cap)
        return {
          refused: [
            'box-rate',
            `the box allows ${cap} exports a day across all apps; ${all} in the last 24 h`,
          ],
        };
      const mode = this.mode(appId);
      const salt = newPayloadSalt();
      const entry: LedgerEntry = {
        id: randomUUID(),
        appId,
        runId,
        destination,
        url: approved.url as string,
        payload,
        sha256: createHash('sha256').update(text).digest('hex'),
        salt,
        bytes,
        status: mode === 'review' ? 'review' : 'pending',
        attempts: 0,
        responseStatus: null,
        lastError: null,
        createdAt: now,
        decidedAt: mode === 'review' ? null : now,
        decidedBy: mode === 'review' ? null : 'auto',
        reason: null,
        forwardedAt: null,
        deliveredAt: null,
        updatedAt: now,
      };
      this.ledger.insert(entry);
      store.audit.append({
        actor: `app:${appId}`,
        action: 'export.request',
        subject: appId,
        details: {
          export: entry.id,
          run: runId,
          destination,
          url: entry.url,
          bytes,
          // salted: a plain SHA-256 of a small payload can be guessed back (payload-commitment.ts)
          commitment: payloadCommitment(salt, text),
          mode,
        },
      });
      return { entry };
    });
    if ('refused' in result) {
      const [check, message] = result.refused as [Check, string];
      throw refuse(check, 'rate_limited', message);
    }
    return result.entry;
  }

  /**
   * Audits a refusal as `export.refuse`, unless the run already had its quota of those
   * (`exportRefusalsAudited`, default 20): then it is only counted, for {@link endRun}'s summary.
   * 20,000 refused requests must not write 20,000 entries into a trail that is never erased.
   */
  #auditRefusal(appId: string, runId: string, details: () => Record<string, unknown>, check: Check): void {
    let run = this.#refusals.get(runId);
    if (!run) {
      run = { audited: 0, limit: quotasFor(this.#store, appId).exportRefusalsAudited, counted: {} };
      this.#refusals.set(runId, run);
    }
    if (run.audited < run.limit) {
      run.audited++;
      this.#store.audit.append({
        actor: `app:${appId}`,
        action: 'export.refuse',
        subject: appId,
        details: details(),
      });
    } else run.counted[check] = (run.counted[check] ?? 0) + 1;
  }

  /**
   * The run is over: if some of its refusals were only counted, one `export.refuse.summary` entry
   * records how many, by check. Called by the run's session when it ends.
   */
  endRun(runId: string, appId: string): void {
    const run = this.#refusals.get(runId);
    this.#refusals.delete(runId);
    if (!run) return;
    const counted = Object.values(run.counted).reduce((sum, n) => sum + (n ?? 0), 0);
    if (counted === 0) return;
    this.#store.audit.append({
      actor: `app:${appId}`,
      action: 'export.refuse.summary',
      subject: appId,
      details: { run: runId, audited: run.audited, notAudited: counted, byCheck: run.counted },
    });
  }

  #liveRun(runId: string, appId: string): boolean {
    try {
      const run = this.registry.getRun(runId);
      return run.appId === appId && run.status === 'running';
    } catch {
      return false;
    }
  }

  /** The app's export mode (`auto` unless the householder chose `review`). */
  mode(appId: string): ExportMode {
    return this.#store.kv.get(EXPORTS_KV, `mode:${appId}`) === 'review' ? 'review' : 'auto';
  }

  /** Sets the app's export mode (audited `export.mode` by the user). Requests already made keep their state. */
  setMode(appId: string, mode: ExportMode): ExportMode {
    this.registry.getInstall(appId);
    const store = this.#store;
    store.transaction(() => {
      const from = this.mode(appId);
      store.kv.set(EXPORTS_KV, `mode:${appId}`, mode, store.now());
      if (from !== mode)
        store.audit.append({
          actor: 'user',
          action: 'export.mode',
          subject: appId,
          details: { from, to: mode },
        });
    });
    return mode;
  }

  /** Householder approves a request waiting for review: it goes to the gateway (`export.approve`). */
  approve(id: string): LedgerEntry {
    return this.#decide(id, 'approve', (entry, now) => {
      this.ledger.update(id, 'pending', now, { decidedAt: now, decidedBy: 'user' });
      return { export: id, destination: entry.destination, commitment: this.ledger.commitment(entry) };
    });
  }

  /** Householder rejects a request waiting for review: it never leaves; the payload stays on record. */
  reject(id: string, reason?: string): LedgerEntry {
    return this.#decide(id, 'reject', (entry, now) => {
      this.ledger.update(id, 'rejected', now, { decidedAt: now, decidedBy: 'user', reason: reason ?? null });
      return {
        export: id,
        destination: entry.destination,
        commitment: this.ledger.commitment(entry),
        reason: reason ?? null,
      };
    });
  }

  #decide(
    id: string,
    verb: 'approve' | 'reject',
    apply: (entry: LedgerEntry, now: number) => Record<string, unknown>,
  ): LedgerEntry {
    const store = this.#store;
    store.transaction(() => {
      const entry = this.ledger.get(id);
      if (entry.status !== 'review')
        throw new ConflictError(`export ${id} is ${entry.status}, not waiting for review: cannot ${verb} it`);
      const details = apply(entry, store.now());
      store.audit.append({ actor: 'user', action: `export.${verb}`, subject: entry.appId, details });
    });
    return this.ledger.get(id);
  }

  /** Householder asks for another try of a failed export (`export.retry`); the supervisor tells the gateway. */
  retry(id: string): LedgerEntry {
    const store = this.#store;
    store.transaction(() => {
      const entry = this.ledger.get(id);
      if (entry.status !== 'failed')
        throw new ConflictError(`export ${id} is ${entry.status}; only a failed export can be retried`);
      // the gateway's outbox has it once it accepted it; before that, forwarding starts over
      this.ledger.update(id, entry.forwardedAt === null ? 'pending' : 'retrying', store.now(), {
        lastError: null,
      });
      store.audit.append({
        actor: 'user',
        action: 'export.retry',
        subject: entry.appId,
        details: { export: id, destination: entry.destination, attempts: entry.attempts },
      });
    });
    return this.ledger.get(id);
  }
}

/**
 * The `export.refuse` details. The destination id and the message are the app's text: an id the
 * manifest does not declare is recorded only as a digest (also inside the message), and the
 * message is bounded, so a refusal cannot carry readings into the trail.
 */
function refusalDetails(
  run: string,
  destination: string,
  declared: ExportDeclaration | undefined,
  check: Check,
  message: string,
): Record<string, unknown> {
  const shown = declared ? destination : textDigest(destination);
  const reason = declared || destination === '' ? message : message.replaceAll(destination, shown);
  return { run, destination: shown, check, reason: boundText(reason) };
}
