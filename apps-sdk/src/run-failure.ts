import { AppApiError, type AppApiErrorCode } from './app-api-error.ts';

/**
 * Why a run failed, as a stable code: a limit the box enforced, the app's own error, a cancel,
 * or the code of an app API refusal the app let through (`forbidden`, `bad_request`, …).
 */
export type RunFailureCode =
  | 'time_limit'
  | 'cpu_limit'
  | 'memory_limit'
  | 'app_error'
  | 'cancelled'
  | AppApiErrorCode;

/** A failed run's status, code and message: the same words in `runLocally`, isolates and containers. */
export interface RunFailure {
  status: 'error' | 'timeout' | 'killed';
  code: RunFailureCode;
  message: string;
}

const API_CODES: ReadonlySet<string> = new Set<AppApiErrorCode>([
  'bad_request',
  'unauthorized',
  'forbidden',
  'destination_declined',
  'not_found',
  'rate_limited',
  'quota_exceeded',
  'internal',
]);
const MAX_MESSAGE_CHARS = 2000;

/**
 * The run went past its wall-clock limit.
 *
 * @example
 * timeLimitFailure(30_000).message; // 'the app went over its time limit of 30000 ms'
 */
export function timeLimitFailure(timeoutMs: number): RunFailure {
  return {
    status: 'timeout',
    code: 'time_limit',
    message: `the app went over its time limit of ${timeoutMs} ms`,
  };
}

/** The run used more CPU time than its limit (isolates and containers watch it). */
export function cpuLimitFailure(cpuMs: number): RunFailure {
  return {
    status: 'timeout',
    code: 'cpu_limit',
    message: `the app used more than its CPU time limit of ${cpuMs} ms`,
  };
}

/** The run went over its memory limit (the isolate's heap, or the container's cgroup). */
export function memoryLimitFailure(memoryMb: number): RunFailure {
  return {
    status: 'killed',
    code: 'memory_limit',
    message: `the app went over its memory limit of ${memoryMb} MB`,
  };
}

/** The box (or the householder) ended the run. */
export function cancelledFailure(): RunFailure {
  return { status: 'killed', code: 'cancelled', message: 'the run was cancelled' };
}

/** A code the app reported with its error, kept when it is one of the app API's, else `app_error`. */
export function failureCode(code: unknown): RunFailureCode {
  return typeof code === 'string' && API_CODES.has(code) ? (code as AppApiErrorCode) : 'app_error';
}

/**
 * What the app threw, worded as every runtime words it: an Error's message (an `AppApiError` keeps
 * its code), or a description of a thrown non-Error value.
 *
 * @example
 * thrownFailure(new AppApiError('forbidden', 'request "power" was not granted'));
 * // { status: 'error', code: 'forbidden', message: 'request "power" was not granted' }
 */
export function thrownFailure(thrown: unknown): RunFailure {
  const message =
    thrown instanceof Error
      ? String(thrown.message)
      : `the app threw a non-Error value: ${describeValue(thrown)}`;
  const code =
    thrown instanceof AppApiError ? thrown.code : failureCode((thrown as { code?: unknown } | null)?.code);
  return { status: 'error', code: thrown instanceof Error ? code : 'app_error', message: clip(message) };
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}
