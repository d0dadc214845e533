import { type SafeClientOptions, type SafePostResponse, safePost } from './safe-post.ts';

/** One GET through the SSRF-proof client. */
export interface SafeGetRequest {
  /** What to fetch; must equal `approvedUrl` in scheme, host, port, path and query. */
  url: string;
  /** The URL the householder approved (or one the caller derived from an approved origin). */
  approvedUrl: string;
  /** Approved as on the home network: private addresses (RFC 1918, fc00::/7) allowed. */
  allowPrivate: boolean;
  /** Extra request headers (e.g. `accept`). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * GETs `url` with every rule of {@link safePost}: strict URL check, DNS answers vetted and the
 * connection pinned to the vetted address, TLS verified against the host name, no redirects
 * followed (a 3xx comes back as it is, with its `location`), no proxy, connect and total
 * timeouts, at most `maxResponseBytes` read (`truncated` says the body was longer). The box uses
 * it to fetch app-store indexes and bundles, so inbound fetches obey the export gateway's rules.
 *
 * @example
 * const res = await safeGet(
 *   { url: 'https://apps.example/index.json', approvedUrl: 'https://apps.example/index.json', allowPrivate: false },
 *   { devMode: false, connectTimeoutMs: 5000, totalTimeoutMs: 15000, maxResponseBytes: 262144 },
 * );
 */
export function safeGet(request: SafeGetRequest, options: SafeClientOptions): Promise<SafePostResponse> {
  return safePost({ ...request, method: 'GET', body: Buffer.alloc(0) }, options);
}
