import { failureCode, type RunFailure } from '../../../apps-sdk/src/run-failure.ts';

/**
 * The app API method a container app calls just before it exits non-zero, with
 * `{ "message": string, "code"?: string }`: what it threw, so the run's error reads as the same
 * failure does in an isolate or `runLocally` (`the app exited with code 1: …` otherwise). The SDK's
 * `defineApp` sends it; any language can (examples/python-daily-summary).
 */
export const RUN_FAIL_METHOD = 'run.fail';

const MAX_MESSAGE_CHARS = 2000;

/**
 * Reads a `run.fail` report: the message (cut at 2,000 characters) and the code when it is one of
 * the app API's, else `app_error`. A report that is not `{ message: string }` still fails the run,
 * with a message saying so.
 *
 * @example
 * reportedFailure({ message: 'request "power" was not granted', code: 'forbidden' });
 * // { status: 'error', code: 'forbidden', message: 'request "power" was not granted' }
 */
export function reportedFailure(params: unknown): RunFailure {
  const { message, code } = (typeof params === 'object' && params !== null ? params : {}) as {
    message?: unknown;
    code?: unknown;
  };
  const text =
    typeof message === 'string' && message.trim() !== ''
      ? message.slice(0, MAX_MESSAGE_CHARS)
      : 'the app reported a failure without a message';
  return { status: 'error', code: failureCode(code), message: text };
}
