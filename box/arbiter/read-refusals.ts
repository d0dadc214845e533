import { AGGREGATES } from '../../apps-sdk/src/aggregates.ts';
import { AppApiError } from '../../apps-sdk/src/app-api-error.ts';
import { type ReadRule, ReadRuleError } from '../../apps-sdk/src/read-rules.ts';
import { GRANT_RESOLUTIONS } from '../../apps-sdk/src/resolution.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { DataboxError } from '../errors.ts';

/**
 * Audit entries of refused reads one run may write; later refusals are only counted, in one
 * `readings.refuse.summary` entry at the end of the run. So a hostile app that refuses itself
 * 10,000 times leaves 21 entries, not 10,000, and the trail still shows what it tried.
 */
export const MAX_REFUSAL_ENTRIES_PER_RUN = 20;

/** Why a read was refused: a fixed list, so no app-supplied text enters the audit trail. */
export type RefusalReason =
  | 'run_not_live'
  | 'bad_params'
  | 'not_installed'
  | 'undeclared_request'
  | 'not_granted'
  | 'revoked'
  | 'expired'
  | 'datasource_missing'
  | 'kind_changed'
  | 'wrong_value_type'
  | 'rate_limited'
  | ReadRule;

/** The app API codes a read refusal carries, with their HTTP statuses (as in `appError`). */
const REFUSAL_STATUS = { bad_request: 400, forbidden: 403, not_found: 404, rate_limited: 429 } as const;
type RefusalCode = keyof typeof REFUSAL_STATUS;

/** A read refusal as the arbiter throws it: an app API error that knows its {@link RefusalReason}. */
export class ReadRefusedError extends DataboxError {
  readonly reason: RefusalReason;
  /** The datasource concerned, when the refusal got as far as a grant. */
  readonly datasource: string | null;
  readonly grantId: number | null;

  constructor(
    reason: RefusalReason,
    code: RefusalCode,
    message: string,
    where: { datasource?: string; grantId?: number } = {},
  ) {
    super(REFUSAL_STATUS[code], code, message);
    this.reason = reason;
    this.datasource = where.datasource ?? null;
    this.grantId = where.grantId ?? null;
  }
}

/** Per-run tally of refused reads (kept on the run's ReadContext). */
export interface RefusalTally {
  total: number;
  logged: number;
  byReason: Partial<Record<RefusalReason, number>>;
  /** Set once the run's summary is written: later refusals are not audited. */
  closed: boolean;
}

/** What the audit entry of one refused read records; every field is bounded and box-checked. */
export interface RefusalInput {
  appId: string;
  runId: string;
  /**
   * The request name when the manifest declares it, else null (app text stays out of the trail);
   * called only when an entry is written, so a flood of refusals past the cap costs little.
   */
  request: () => string | null;
  params: unknown;
  error: unknown;
}

function asked(params: unknown): Record<string, unknown> {
  const p = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
  const time = (v: unknown) => (Number.isSafeInteger(v) ? (v as number) : null);
  const oneOf = (list: readonly string[], v: unknown) =>
    typeof v === 'string' && list.includes(v) ? v : null;
  return {
    from: time(p.from),
    to: time(p.to),
    resolution: oneOf(GRANT_RESOLUTIONS, p.resolution),
    aggregate: oneOf(AGGREGATES, p.aggregate),
  };
}

/** The reason of any error met on the read path (refusals from outside the arbiter get a coarse one). */
export function refusalReason(error: unknown): RefusalReason {
  if (error instanceof ReadRefusedError) return error.reason;
  if (error instanceof ReadRuleError) return error.rule;
  const code = error instanceof DataboxError || error instanceof AppApiError ? error.code : 'internal';
  return code === 'bad_request' ? 'bad_params' : code === 'rate_limited' ? 'rate_limited' : 'run_not_live';
}

/**
 * Audits refused `data.read` calls as `readings.refuse` by `app:<id>`, with the reason code, the
 * run, the request (declared names only), the window and resolution asked for, and the grant and
 * datasource when known; at most {@link MAX_REFUSAL_ENTRIES_PER_RUN} a run, the rest summed up by
 * reason in one `readings.refuse.summary` entry when the run ends ({@link close}).
 *
 * @example
 * const refusals = new ReadRefusals(store.audit);
 * refusals.record(tally, { appId, runId, request: () => 'power', params, error });
 * refusals.close(tally, appId, runId);
 */
export class ReadRefusals {
  readonly #audit: AuditLog;
  // an error refused inside the arbiter is seen again by the run session: count it once
  readonly #seen = new WeakSet<object>();

  constructor(audit: AuditLog) {
    this.#audit = audit;
  }

  /** Counts one refusal and audits it while the run has entries left. */
  record(tally: RefusalTally, input: RefusalInput): void {
    if (tally.closed) return;
    if (typeof input.error === 'object' && input.error !== null) {
      if (this.#seen.has(input.error)) return;
      this.#seen.add(input.error);
    }
    const reason = refusalReason(input.error);
    tally.total++;
    tally.byReason[reason] = (tally.byReason[reason] ?? 0) + 1;
    if (tally.logged >= MAX_REFUSAL_ENTRIES_PER_RUN) return;
    tally.logged++;
    const refused = input.error instanceof ReadRefusedError ? input.error : undefined;
    const code =
      input.error instanceof DataboxError || input.error instanceof AppApiError
        ? input.error.code
        : 'internal';
    this.#audit.append({
      actor: `app:${input.appId}`,
      action: 'readings.refuse',
      subject: refused?.datasource ?? '',
      details: {
        run: input.runId,
        request: input.request(),
        reason,
        code,
        grant: refused?.grantId ?? null,
        asked: asked(input.params),
        ...(tally.logged === MAX_REFUSAL_ENTRIES_PER_RUN
          ? { note: `last refusal audited one by one in this run; later ones are summed up at its end` }
          : {}),
      },
    });
  }

  /** Ends the run's tally: writes one summary entry when refusals went unaudited. */
  close(tally: RefusalTally, appId: string, runId: string): void {
    if (tally.closed) return;
    tally.closed = true;
    if (tally.total <= tally.logged) return;
    this.#audit.append({
      actor: `app:${appId}`,
      action: 'readings.refuse.summary',
      subject: '',
      details: {
        run: runId,
        refused: tally.total,
        audited: tally.logged,
        notAudited: tally.total - tally.logged,
        byReason: tally.byReason,
      },
    });
  }
}
