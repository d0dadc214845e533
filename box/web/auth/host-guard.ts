import { isIPv6 } from 'node:net';
import { networkInterfaces, hostname as osHostname } from 'node:os';
import type { MiddlewareHandler } from 'hono';

export interface HostGuardOptions {
  /** The address the box listens on (`--host` or `http.host`); `0.0.0.0` and `::` mean every interface. */
  bindHost: string;
  /** Further names the box answers to (`http.allowedHosts` in config.json), without port. */
  allowedHosts?: readonly string[];
  /** The machine's host name (default `os.hostname()`; tests pass their own). */
  hostname?: string;
  /** The addresses of the machine's interfaces (default from `os.networkInterfaces()`). */
  interfaceAddresses?: () => string[];
}

const WILDCARDS = new Set(['0.0.0.0', '[::]']);
/** Interface addresses are read again on a miss, at most this often (DHCP may change them). */
const REFRESH_MS = 1_000;

/** A host (name, IPv4 or IPv6 address, with or without port) in the form `new URL()` gives it, or undefined. */
export function normalizeHost(host: string): string | undefined {
  const bare = isIPv6(host) ? `[${host}]` : host;
  try {
    const url = new URL(`http://${bare}/`);
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return undefined;
    return url.hostname.replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

function isLoopbackHost(host: string): boolean {
  return (
    /^127\.\d+\.\d+\.\d+$/.test(host) ||
    host === '[::1]' ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host)
  );
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .map((i) => i?.address ?? '');
}

/**
 * Which names the box answers to. A web page can point its own DNS name at the box's address
 * (DNS rebinding) and would then be "same origin" with the box; its requests carry the page's
 * name in `Host`, so refusing unknown names stops it. Allowed: `localhost`, loopback addresses,
 * the bind address, the machine's host name and `<name>.local`, the addresses of the machine's
 * interfaces when the box listens on all of them, and `http.allowedHosts`.
 *
 * @example
 * const guard = new HostGuard({ bindHost: '127.0.0.1' });
 * guard.allows('127.0.0.1:7330'); // true
 * guard.allows('attacker.example:7330'); // false
 */
export class HostGuard {
  readonly #names = new Set<string>(['localhost']);
  readonly #interfaces: (() => string[]) | undefined;
  #addresses = new Set<string>();
  #readAt = Number.NEGATIVE_INFINITY;

  constructor(options: HostGuardOptions) {
    const bind = normalizeHost(options.bindHost);
    const name = (options.hostname ?? osHostname()).toLowerCase().replace(/\.$/, '');
    const short = name.split('.')[0];
    for (const n of [bind, name, `${name}.local`, short, `${short}.local`, ...(options.allowedHosts ?? [])]) {
      const host = n && normalizeHost(n);
      if (host && !WILDCARDS.has(host)) this.#names.add(host);
    }
    // the box's own printed URL may be http://0.0.0.0:port; an address literal cannot be rebound
    if (bind && WILDCARDS.has(bind)) {
      this.#names.add(bind);
      this.#interfaces = options.interfaceAddresses ?? interfaceAddresses;
    }
  }

  /** True when `host` (a `Host` header: name or address, optional port) is one of the box's own. */
  allows(host: string): boolean {
    const name = normalizeHost(host);
    if (name === undefined) return false;
    if (this.#names.has(name) || isLoopbackHost(name)) return true;
    if (!this.#interfaces) return false;
    if (!this.#addresses.has(name) && Date.now() - this.#readAt > REFRESH_MS) {
      this.#readAt = Date.now();
      this.#addresses = new Set(
        this.#interfaces()
          .map((a) => normalizeHost(a.replace(/%.*$/, '')))
          .filter((a) => a !== undefined),
      );
    }
    return this.#addresses.has(name);
  }
}

/** The name as it may be quoted back in a refusal: printable ASCII, at most 100 characters. */
function quoted(host: string): string {
  return host.replace(/[^\x21-\x7e]/g, '?').slice(0, 100);
}

/**
 * Hono middleware: answers `421 Misdirected Request` to any request whose `Host` header (or URL
 * host, for an absolute request target) is not one of the box's names. `json(path)` says which
 * requests get a JSON error body (the API) instead of plain text (the dashboard).
 */
export function hostCheck(guard: HostGuard, json: (path: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('host');
    const hosts = [new URL(c.req.url).host, ...(header === undefined ? [] : [header])];
    const refused = hosts.find((h) => !guard.allows(h));
    if (refused === undefined) return next();
    const message =
      `refused: this box does not answer to the name "${quoted(refused)}" (the Host header of the request), ` +
      'so that a web page cannot reach it by pointing its own name at the box (DNS rebinding). ' +
      `If "${quoted(refused)}" is a name of this box, add it to "http.allowedHosts" in config.json and restart the box.`;
    c.header('cache-control', 'no-store');
    c.header('x-content-type-options', 'nosniff');
    if (json(c.req.path)) return c.json({ error: { code: 'unknown_host', message, details: [] } }, 421);
    return c.text(message, 421);
  };
}
