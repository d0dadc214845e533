import { SafeClientError } from '../../../export-gateway/safe-client/errors.ts';
import type { Resolver } from '../../../export-gateway/safe-client/resolve-address.ts';
import type { safeGet } from '../../../export-gateway/safe-client/safe-get.ts';
import { checkDestinationUrl } from '../../../export-gateway/safe-client/url-policy.ts';
import { BadRequestError, DataboxError } from '../../errors.ts';

/** How the box reaches app stores: the export gateway's rules (`config.json` key `gateway`). */
export interface StoreClientOptions {
  /** The gateway's dev mode: loopback stores, and plain http: to loopback, allowed. */
  devMode: boolean;
  connectTimeoutMs: number;
  /** Whole-request limit for an index; a bundle gets `bundleTimeoutMs`. */
  totalTimeoutMs: number;
  bundleTimeoutMs?: number;
  /** DNS (tests inject one); trusted CAs instead of Node's (tests). */
  resolver?: Resolver;
  ca?: string | Buffer | Array<string | Buffer>;
}

/** What is fetched, for messages: `index` or `bundle energy-insights 1.0.0`. */
export interface StoreFetch {
  url: string;
  what: string;
  /** Origins (`scheme://host:port`) the householder approved by adding the store. */
  approvedOrigins: string[];
  /** The store was added as on the home network: private addresses allowed. */
  homeNetwork: boolean;
  maxBytes: number;
}

/** Why a fetch was refused, as a short code for the audit trail (never the store's own text). */
export type StoreRefusal = 'host' | 'url' | 'address' | 'redirect' | 'status' | 'size' | 'network';

/** A refused or failed store fetch: 400 for a policy refusal, 502 for what the network or store did. */
export class StoreFetchError extends DataboxError {
  readonly check: StoreRefusal;
  constructor(check: StoreRefusal, message: string, cause?: unknown) {
    const policy = check === 'host' || check === 'url' || check === 'address';
    super(policy ? 400 : 502, policy ? 'store_refused' : 'store_failed', message, { cause });
    this.check = check;
  }
}

/** The origin of a URL the way approvals store it, or a refusal naming the URL. */
export function originOf(url: string, options: { devMode: boolean }): string {
  try {
    return checkDestinationUrl(url, url, options).url.origin;
  } catch (error) {
    if (error instanceof SafeClientError) throw new BadRequestError(`refused: ${error.message}`);
    throw error;
  }
}

/**
 * Fetches one index or bundle from an added store through the export gateway's SSRF-safe client:
 * only a URL on one of the store's approved origins (anything else is refused before any
 * connection), then the client's own rules (strict URL, vetted and pinned addresses, loopback only
 * in dev mode, no proxy, timeouts). A redirect is refused, not followed; only a 200 counts; a body
 * longer than `maxBytes` is refused (the rest is never read).
 *
 * @example
 * const bytes = await fetchFromStore(
 *   { url, what: 'index', approvedOrigins: ['https://apps.example'], homeNetwork: false, maxBytes: 262144 },
 *   { devMode: false, connectTimeoutMs: 5000, totalTimeoutMs: 15000 },
 * );
 */
export async function fetchFromStore(fetch: StoreFetch, options: StoreClientOptions): Promise<Buffer> {
  const { url, what } = fetch;
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    throw new StoreFetchError('url', `refused: the ${what} URL "${url}" is not a URL`);
  }
  if (!fetch.approvedOrigins.includes(origin))
    throw new StoreFetchError(
      'host',
      `refused: the ${what} is at ${origin}, which is not the store's approved ${fetch.approvedOrigins.join(', ')}; nothing was fetched`,
    );
  let res: Awaited<ReturnType<typeof safeGet>>;
  try {
    // loaded on first use: the https client and its TLS are ~6 MB the idle daemon need not hold
    const { safeGet } = await import('../../../export-gateway/safe-client/safe-get.ts');
    res = await safeGet(
      { url, approvedUrl: url, allowPrivate: fetch.homeNetwork, headers: { accept: '*/*' } },
      {
        devMode: options.devMode,
        connectTimeoutMs: options.connectTimeoutMs,
        totalTimeoutMs: what === 'index' ? options.totalTimeoutMs : (options.bundleTimeoutMs ?? 120_000),
        maxResponseBytes: fetch.maxBytes,
        resolver: options.resolver,
        ca: options.ca,
      },
    );
  } catch (error) {
    if (!(error instanceof SafeClientError)) throw error;
    const check =
      error.code === 'refused_url' ? 'url' : error.code === 'refused_address' ? 'address' : 'network';
    throw new StoreFetchError(
      check,
      `${check === 'network' ? 'failed' : 'refused'}: the ${what} at ${url}: ${error.message}`,
      error,
    );
  }
  if (res.status >= 300 && res.status < 400)
    throw new StoreFetchError(
      'redirect',
      `refused: the store answered ${res.status} for the ${what} at ${url}, redirecting to ${JSON.stringify((res.location ?? '').slice(0, 200))}; redirects are never followed (give the final URL)`,
    );
  if (res.status !== 200)
    throw new StoreFetchError(
      'status',
      `failed: the store answered HTTP ${res.status} for the ${what} at ${url}`,
    );
  if (res.truncated)
    throw new StoreFetchError(
      'size',
      `refused: the ${what} at ${url} is larger than ${fetch.maxBytes} bytes; the rest was not read`,
    );
  return res.body;
}
