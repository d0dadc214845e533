/**
 * Stable codes of app API errors; the box maps them to HTTP statuses (400, 401, 403, 404, 429,
 * 507, 500). `destination_declined` (403) is the householder's choice, not a fault: the app asked
 * to export to a destination it declares but the householder did not approve (or withdrew), so
 * the app should skip that export and finish its run.
 */
export type AppApiErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'destination_declined'
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
 * // a destination the householder declined: skip the export, the run still ends ok
 * try {
 *   await ctx.export.request('monthly-summary', { month: '2026-10', kWh: 312 });
 * } catch (error) {
 *   if (!(error instanceof AppApiError && error.code === 'destination_declined')) throw error;
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
