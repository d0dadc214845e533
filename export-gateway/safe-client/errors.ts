/**
 * Why a delivery attempt did not reach the receiver, as a stable code. Codes under `refused_*`
 * are policy decisions (the gateway chose not to connect); the others are what the network did.
 */
export type SafeClientErrorCode =
  | 'refused_url'
  | 'refused_address'
  | 'dns_failed'
  | 'connect_timeout'
  | 'total_timeout'
  | 'tls'
  | 'network'
  | 'aborted';

/**
 * One failed attempt of the SSRF-proof client: `code` says what kind, `message` names what was
 * wrong (e.g. `host "127.0.0.1" is loopback`), `retryable` says whether trying again later can help.
 */
export class SafeClientError extends Error {
  readonly code: SafeClientErrorCode;
  readonly retryable: boolean;

  constructor(
    code: SafeClientErrorCode,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, { cause: options?.cause });
    this.name = 'SafeClientError';
    this.code = code;
    // policy refusals do not change by waiting; network trouble may
    this.retryable = options?.retryable ?? !code.startsWith('refused_');
  }
}
