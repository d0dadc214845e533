/**
 * One error hierarchy for the whole box (hono `HTTPException`, CSS `util/errors`): every error a
 * householder or client can cause carries an HTTP status, a stable machine code and, optionally,
 * a list of `{ path, message }` details. `box/http` maps them to `{ error: { code, message, details } }`;
 * the CLI prints `message` and each detail as `path: message`.
 */
export interface ErrorDetail {
  /** Where the problem is, e.g. `readings[3].v` or `http.port`. */
  path: string;
  message: string;
}

export class DataboxError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];

  constructor(
    status: number,
    code: string,
    message: string,
    options?: { details?: ErrorDetail[]; cause?: unknown },
  ) {
    super(message, { cause: options?.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = options?.details ?? [];
  }
}

/** 400: the input is malformed or fails validation. */
export class BadRequestError extends DataboxError {
  constructor(message: string, options?: { details?: ErrorDetail[]; cause?: unknown; code?: string }) {
    super(400, options?.code ?? 'bad_request', message, options);
  }
}

/** 401: no or wrong credentials. */
export class UnauthorizedError extends DataboxError {
  constructor(message = 'a valid bearer token is required') {
    super(401, 'unauthorized', message);
  }
}

/** 403: authenticated, but not allowed (e.g. outside a grant). */
export class ForbiddenError extends DataboxError {
  constructor(message: string, options?: { details?: ErrorDetail[]; code?: string }) {
    super(403, options?.code ?? 'forbidden', message, options);
  }
}

/** 404: the named thing does not exist. */
export class NotFoundError extends DataboxError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

/** 409: the request conflicts with what is stored (e.g. a datasource id already taken). */
export class ConflictError extends DataboxError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

/** 413: the body is over the configured limit. */
export class PayloadTooLargeError extends DataboxError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `request body is larger than the limit of ${limitBytes} bytes`);
  }
}

/** 429: too many requests. */
export class TooManyRequestsError extends DataboxError {
  constructor(message: string) {
    super(429, 'too_many_requests', message);
  }
}

/** Turns zod issues into `{ path, message }` details (path prefixed with `prefix`). */
export function issuesToDetails(
  issues: ReadonlyArray<{
    path: ReadonlyArray<PropertyKey>;
    message: string;
    code?: string;
    keys?: string[];
  }>,
  prefix = '',
): ErrorDetail[] {
  const format = (parts: ReadonlyArray<PropertyKey>) => {
    let path = prefix;
    for (const part of parts) {
      if (typeof part === 'number') path += `[${part}]`;
      else path += path === '' ? String(part) : `.${String(part)}`;
    }
    return path === '' ? '(root)' : path;
  };
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.keys
      ? issue.keys.map((key) => ({ path: format([...issue.path, key]), message: 'unknown field' }))
      : [{ path: format(issue.path), message: issue.message }],
  );
}

/** Formats an error for a terminal: the message, then one `path: message` line per detail. */
export function formatError(error: unknown): string {
  if (error instanceof DataboxError) {
    return [error.message, ...error.details.map((d) => `  ${d.path}: ${d.message}`)].join('\n');
  }
  return error instanceof Error ? error.message : String(error);
}
