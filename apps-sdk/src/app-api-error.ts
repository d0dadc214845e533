/** Stable codes of app API errors; the box maps them to HTTP statuses (400, 401, 403, 404, 429, 507, 500). */
export type AppApiErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'internal';

/**
 * The error every app API refusal rejects with, in every runtime and in `runLocally`: the same
 * class, `code` and message. Over HTTP (containers) it travels as `{ error: { code, message } }`;
 * in an isolate the host answers `{ message, code }` as data and the SDK rebuilds it. Rules
 * shared with the box (`planRead`, `planEventRead`) throw it.
 *
 * @example
 * ```ts
 * try {
 *   await ctx.data.read('power', { resolution: '1min' });
 * } catch (error) {
 *   if (error instanceof AppApiError && error.code === 'forbidden') console.log(error.message);
 * }
 * ```
 */
export class AppApiError extends Error {
  readonly code: AppApiErrorCode;

  constructor(code: AppApiErrorCode, message: string) {
    super(message);
    this.name = 'AppApiError';
    this.code = code;
  }
}
