import { AppApiError, type AppApiErrorCode } from '../../apps-sdk/src/app-api-error.ts';
import { DataboxError, type ErrorDetail } from '../errors.ts';

const STATUS: Record<AppApiErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  /** The householder did not approve this export destination: their choice, not the app's fault. */
  destination_declined: 403,
  not_found: 404,
  rate_limited: 429,
  /** A storage quota of the app (kv, insights) is full: 507 Insufficient Storage. */
  quota_exceeded: 507,
  internal: 500,
};

/**
 * An error of the app API as the box throws it: a DataboxError (so HTTP maps it to its status)
 * whose `code` is one of the SDK's {@link AppApiErrorCode}s (so the app sees the same codes in
 * every runtime and in `runLocally`).
 *
 * @example
 * throw appError('forbidden', 'resolution 1min is finer than the granted 30min');
 */
export function appError(code: AppApiErrorCode, message: string, details?: ErrorDetail[]): DataboxError {
  return new DataboxError(STATUS[code], code, message, { details });
}

/** Maps any error met while handling an app call to an app API error (others become `internal`). */
export function toAppError(error: unknown): DataboxError {
  if (error instanceof AppApiError) return appError(error.code, error.message);
  if (error instanceof DataboxError) {
    // codes the status alone cannot tell apart keep their code
    if (error.code === 'quota_exceeded' || error.code === 'destination_declined') return error;
    const code: AppApiErrorCode =
      error.status === 403
        ? 'forbidden'
        : error.status === 404
          ? 'not_found'
          : error.status === 429
            ? 'rate_limited'
            : error.status < 500
              ? 'bad_request'
              : 'internal';
    return error.code === code ? error : appError(code, error.message, error.details);
  }
  // Never leak host internals (paths, stack) to app code.
  return appError('internal', 'the box failed to handle the call');
}
