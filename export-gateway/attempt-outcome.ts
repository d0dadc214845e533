import { type BackoffOptions, backoffDelay, retryAfterMs } from './backoff.ts';
import type { AttemptOutcome } from './outbox.ts';
import { SafeClientError } from './safe-client/errors.ts';
import type { SafePostResponse } from './safe-client/safe-post.ts';

/** What decides an attempt's outcome besides its result. */
export interface OutcomeContext {
  /** This attempt's number (1-based). */
  attempt: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  now: number;
  bytes: number;
}

/**
 * Turns what one attempt got into an outbox outcome: 2xx delivered; 3xx failed at once (a
 * redirect is never followed, and asking again gets the same redirect); 408, 429 and 5xx retried
 * (after `Retry-After` when the receiver sent one, at most `backoff.maxMs`); any other status
 * failed at once; network trouble retried; policy refusals failed at once. A retryable outcome
 * on the last attempt is `failed`.
 *
 * @example
 * attemptOutcome({ status: 503, ... }, { attempt: 1, maxAttempts: 8, ... }); // { type: 'retry', ... }
 */
export function attemptOutcome(result: SafePostResponse | Error, context: OutcomeContext): AttemptOutcome {
  const { now, bytes } = context;
  let error: string;
  let responseStatus: number | undefined;
  let retryable: boolean;
  let waitAtLeast = 0;
  if (result instanceof Error) {
    error =
      result instanceof SafeClientError ? `${result.code}: ${result.message}` : `error: ${result.message}`;
    retryable = result instanceof SafeClientError ? result.retryable : true;
  } else {
    responseStatus = result.status;
    if (result.status >= 200 && result.status < 300)
      return { type: 'delivered', at: now, responseStatus, bytes };
    if (result.status >= 300 && result.status < 400) {
      error = `redirect ${result.status}${result.location ? ` to ${result.location}` : ''} not followed`;
      retryable = false;
    } else {
      retryable = result.status === 408 || result.status === 429 || result.status >= 500;
      error = `receiver answered ${result.status}${retryable ? '' : ' (not retried)'}`;
      waitAtLeast = retryAfterMs(result.retryAfter, now) ?? 0;
    }
  }
  const optional = responseStatus !== undefined ? { responseStatus } : {};
  if (!retryable || context.attempt >= context.maxAttempts) {
    const suffix = retryable ? `; gave up after ${context.attempt} attempts` : '';
    return { type: 'failed', at: now, error: `${error}${suffix}`, bytes, ...optional };
  }
  const delay = Math.min(
    context.backoff.maxMs,
    Math.max(waitAtLeast, backoffDelay(context.attempt, context.backoff)),
  );
  return { type: 'retry', at: now, nextAttemptAt: now + delay, error, bytes, ...optional };
}
