/**
 * True when two export URLs name the same place: equal scheme, host, port and path under WHATWG
 * URL parsing (so `HTTPS://Example.org:443/a` matches `https://example.org/a`). Userinfo, a query
 * or a fragment on either side is a mismatch: an approved destination is exactly one endpoint.
 *
 * @example
 * sameDestination('https://example.org/upload', 'https://example.org:443/upload'); // true
 * sameDestination('https://example.org/upload', 'https://example.org/upload/'); // false
 */
export function sameDestination(approved: string, actual: string): boolean {
  const a = parse(approved);
  const b = parse(actual);
  if (!a || !b) return false;
  const plain = (u: URL) => u.username === '' && u.password === '' && u.search === '' && u.hash === '';
  return (
    plain(a) &&
    plain(b) &&
    a.protocol === b.protocol &&
    a.hostname === b.hostname &&
    a.port === b.port &&
    a.pathname === b.pathname
  );
}

function parse(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
