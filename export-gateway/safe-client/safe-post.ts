import http from 'node:http';
import https from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { SafeClientError, type SafeClientErrorCode } from './errors.ts';
import { type Resolver, resolveVetted, systemResolver, type VettedAddress } from './resolve-address.ts';
import { checkDestinationUrl } from './url-policy.ts';

/** One POST through the SSRF-proof client. */
export interface SafePostRequest {
  /** Where to send; must equal `approvedUrl` in scheme, host, port, path and query. */
  url: string;
  /** The destination the householder approved. */
  approvedUrl: string;
  body: string | Buffer;
  /** `GET` for a fetch that sends no body (the box's app-store client, see `safe-get.ts`); default `POST`. */
  method?: 'POST' | 'GET';
  /** Extra request headers (e.g. `idempotency-key`); `host`, `content-length` are set here. */
  headers?: Record<string, string>;
  /** Approved as on the home network: private addresses (RFC 1918, fc00::/7) allowed. */
  allowPrivate: boolean;
  signal?: AbortSignal;
}

/** Client settings shared by every request. */
export interface SafeClientOptions {
  /** Dev/test mode: loopback addresses allowed, and plain `http:` to loopback. */
  devMode: boolean;
  /** TCP connect + TLS handshake limit (ms). */
  connectTimeoutMs: number;
  /** Whole request limit, from DNS to the last response byte read (ms). */
  totalTimeoutMs: number;
  /** Response bytes read at most; the rest is not read (the connection is destroyed). */
  maxResponseBytes: number;
  /** DNS; tests inject one. Default: `dns.lookup(name, { all: true })`. */
  resolver?: Resolver;
  /** Trusted CAs instead of Node's bundled ones (tests); `NODE_EXTRA_CA_CERTS` works as well. */
  ca?: string | Buffer | Array<string | Buffer>;
}

/** What the receiver answered. 3xx answers are returned as they are: redirects are never followed. */
export interface SafePostResponse {
  status: number;
  /** At most `maxResponseBytes` of the response body. */
  body: Buffer;
  /** The body was longer than the cap and was cut off. */
  truncated: boolean;
  /** Bytes of request body sent. */
  bytesSent: number;
  /** The vetted address the connection went to. */
  address: string;
  /** The `location` header of a 3xx, for the error message. */
  location?: string;
  /** The `retry-after` header, if any (for 429 and 503). */
  retryAfter?: string;
}

function networkCode(error: NodeJS.ErrnoException): SafeClientErrorCode {
  const code = error.code ?? '';
  return /^ERR_(TLS|SSL)|CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code) ? 'tls' : 'network';
}

/** A `lookup` that answers every query with the vetted address, so no second DNS answer is used. */
function pinnedLookup(vetted: VettedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    const cb = callback as (...args: unknown[]) => void;
    if ((options as { all?: boolean }).all) cb(null, [{ address: vetted.address, family: vetted.family }]);
    else cb(null, vetted.address, vetted.family);
  };
}

/**
 * POSTs `body` to an approved destination without letting the request go anywhere else: checks
 * the URL ({@link checkDestinationUrl}), resolves and vets every address ({@link resolveVetted}),
 * then connects to that vetted address only (pinned `lookup`), verifies TLS against the host
 * name, never follows redirects, ignores proxy variables (plain node:http/https, no keep-alive
 * agent), enforces connect and total timeouts and reads at most `maxResponseBytes` of the answer.
 * Rejects with a {@link SafeClientError}; any HTTP status is a resolved response.
 *
 * @example
 * const res = await safePost(
 *   { url, approvedUrl: url, body: '{"kwh":3}', headers: { 'idempotency-key': 'e1' }, allowPrivate: false },
 *   { devMode: false, connectTimeoutMs: 5000, totalTimeoutMs: 15000, maxResponseBytes: 65536 },
 * );
 */
export async function safePost(
  request: SafePostRequest,
  options: SafeClientOptions,
): Promise<SafePostResponse> {
  const started = Date.now();
  const checked = checkDestinationUrl(request.url, request.approvedUrl, options);
  const policy = { allowPrivate: request.allowPrivate, devMode: options.devMode };
  const vetted = await withTimeout(
    resolveVetted(checked, options.resolver ?? systemResolver, policy),
    options.totalTimeoutMs,
    `resolving "${checked.host}"`,
  );
  const body = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
  const isTls = checked.url.protocol === 'https:';
  const method = request.method ?? 'POST';
  const requestOptions: https.RequestOptions = {
    method,
    hostname: checked.host,
    port: checked.port,
    path: `${checked.url.pathname}${checked.url.search}`,
    headers: {
      ...request.headers,
      host: checked.url.host,
      ...(method === 'POST'
        ? { 'content-type': 'application/json', 'content-length': String(body.length) }
        : {}),
    },
    agent: false,
    ...(checked.ipVersion === 0 ? { lookup: pinnedLookup(vetted), servername: checked.host } : {}),
    ...(isTls ? { ca: options.ca, rejectUnauthorized: true } : {}),
  };

  return new Promise<SafePostResponse>((resolve, reject) => {
    let settled = false;
    const chunks: Buffer[] = [];
    let received = 0;
    const timers: NodeJS.Timeout[] = [];
    const finish = (error: Error | undefined, response?: SafePostResponse) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(response!);
    };
    const fail = (code: SafeClientErrorCode, message: string, cause?: unknown) =>
      finish(new SafeClientError(code, message, { cause }));
    const onAbort = () => fail('aborted', 'the attempt was aborted (gateway stopping)');

    const req = (isTls ? https : http).request(requestOptions, (res) => {
      const status = res.statusCode ?? 0;
      const location = status >= 300 && status < 400 ? res.headers.location : undefined;
      const retryAfter = res.headers['retry-after'];
      const done = (truncated: boolean) =>
        finish(undefined, {
          status,
          body: Buffer.concat(chunks),
          truncated,
          bytesSent: body.length,
          address: vetted.address,
          ...(location !== undefined ? { location } : {}),
          ...(retryAfter !== undefined ? { retryAfter } : {}),
        });
      res.on('data', (chunk: Buffer) => {
        const room = options.maxResponseBytes - received;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          received += room;
          done(true);
          res.destroy();
          req.destroy();
          return;
        }
        chunks.push(chunk);
        received += chunk.length;
      });
      res.on('end', () => done(false));
      res.on('error', (error) => fail('network', `reading the response failed: ${error.message}`, error));
      res.on('close', () => {
        if (!res.complete) fail('network', 'the connection closed before the response ended');
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      fail(networkCode(error), `${error.code ?? 'error'}: ${error.message}`, error);
    });
    req.on('socket', (socket: Socket) => {
      socket.once(isTls ? 'secureConnect' : 'connect', () => clearTimeout(timers[0]));
    });
    timers.push(
      setTimeout(
        () =>
          fail(
            'connect_timeout',
            `no connection to ${vetted.address}:${checked.port} within ${options.connectTimeoutMs} ms`,
          ),
        options.connectTimeoutMs,
      ),
      setTimeout(
        () => fail('total_timeout', `no complete response within ${options.totalTimeoutMs} ms`),
        Math.max(0, options.totalTimeoutMs - (Date.now() - started)),
      ),
    );
    if (request.signal?.aborted) return onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    req.end(body);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SafeClientError('total_timeout', `${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
