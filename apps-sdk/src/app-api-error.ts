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
 * An error an app API call rejects with. Over HTTP it travels as `{ error: { code, message } }`;
 * in an isolate only the message crosses. Rules shared with the box (`planRead`) throw it.
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
