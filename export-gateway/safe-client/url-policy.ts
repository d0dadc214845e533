import { isIP } from 'node:net';
import { SafeClientError } from './errors.ts';

/** A destination URL that passed {@link checkDestinationUrl}. */
export interface CheckedUrl {
  url: URL;
  /** `url.hostname` without IPv6 brackets: what DNS resolves or what the socket connects to. */
  host: string;
  /** 4 or 6 for an IP-literal host, 0 for a name. */
  ipVersion: 0 | 4 | 6;
  port: number;
}

const refuse = (message: string) => new SafeClientError('refused_url', message);

/**
 * The host as written in the URL text (lowercased, brackets kept), or a refusal when the
 * authority carries userinfo. WHATWG parsing would silently drop `user@` or rewrite `\` to `/`,
 * so the raw text is checked before it is parsed.
 */
function rawHost(text: string): string {
  const start = text.indexOf('//');
  if (start < 0) throw refuse(`"${text}" has no authority (expected scheme://host/...)`);
  const rest = text.slice(start + 2);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  if (authority.includes('@')) throw refuse(`"${text}" carries userinfo before "@"; not allowed`);
  const host = authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : authority;
  const colon = authority.startsWith('[') ? -1 : host.lastIndexOf(':');
  return (colon < 0 ? host : host.slice(0, colon)).toLowerCase();
}

/** Checks one URL string on its own: ASCII, no backslashes, no userinfo, canonical host. */
function parseStrict(text: string, what: string): URL {
  if (/[^\x21-\x7e]/.test(text)) {
    throw refuse(`${what} "${text}" contains whitespace, control or non-ASCII characters (IDN look-alike?)`);
  }
  if (text.includes('\\')) throw refuse(`${what} "${text}" contains a backslash`);
  const raw = rawHost(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new SafeClientError('refused_url', `${what} "${text}" is not a valid URL`, { cause });
  }
  if (url.username !== '' || url.password !== '') throw refuse(`${what} "${text}" carries userinfo`);
  if (url.hostname === '') throw refuse(`${what} "${text}" has no host`);
  if (url.hostname.endsWith('.')) throw refuse(`${what} host "${url.hostname}" ends with a dot`);
  if (raw !== url.hostname) {
    // e.g. 2130706433, 0x7f.1 and 127.1 all become 127.0.0.1: refuse anything not written canonically
    throw refuse(`${what} host "${raw}" is not canonical (a URL parser reads it as "${url.hostname}")`);
  }
  return url;
}

/**
 * Checks that `target` may be contacted as the approved destination `approved`: both parse
 * strictly (WHATWG URL, printable ASCII only — punycode `xn--` is fine because it is what was
 * approved, a Unicode look-alike is not —, no backslashes, no userinfo, no trailing dot, IP
 * literals only in canonical form), the scheme is `https:` (or `http:` in dev mode, where the
 * address check later also demands loopback), and scheme, host, port, path and query are equal.
 * Throws a {@link SafeClientError} `refused_url` that names what was wrong.
 *
 * @example
 * checkDestinationUrl('https://ok.example/in', 'https://ok.example/in', { devMode: false });
 * checkDestinationUrl('https://ok.example@evil.example/', 'https://ok.example/', { devMode: false }); // throws
 */
export function checkDestinationUrl(
  target: string,
  approved: string,
  options: { devMode: boolean },
): CheckedUrl {
  const url = parseStrict(target, 'URL');
  const approvedUrl = target === approved ? url : parseStrict(approved, 'approved URL');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.devMode)) {
    throw refuse(
      `scheme "${url.protocol}" is not allowed (https: only${options.devMode ? ', or http: to loopback' : ''})`,
    );
  }
  for (const part of ['protocol', 'hostname', 'port', 'pathname', 'search'] as const) {
    if (url[part] !== approvedUrl[part]) {
      throw refuse(`${part} "${url[part]}" differs from the approved destination's "${approvedUrl[part]}"`);
    }
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { url, host, ipVersion: isIP(host) as 0 | 4 | 6, port };
}
