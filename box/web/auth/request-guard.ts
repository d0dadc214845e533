import { timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { DataboxError } from '../../errors.ts';

export const SESSION_COOKIE = 'databox_session';
/** Double-submit token for the forms shown before sign-in (sign-in, first-run setup). */
export const PRE_COOKIE = 'databox_pre';

export class ForbiddenRequestError extends DataboxError {
  constructor(message: string) {
    super(403, 'csrf', message);
  }
}

export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:';
}

/** The client's address, or `unknown` (in-process requests have none). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function isLoopback(address: string): boolean {
  return (
    address === '127.0.0.1' ||
    address === '::1' ||
    address.startsWith('::ffff:127.') ||
    address.startsWith('127.')
  );
}

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The first half of CSRF protection: a state-changing request must come from a page of this box.
 * Browsers send `Origin` on every POST; it must equal the box's own origin (scheme and host of
 * the request). No `Origin` at all (a non-browser client) falls back to `Referer`; neither is refused.
 */
export function checkOrigin(c: Context): void {
  const own = new URL(c.req.url).origin;
  const origin = c.req.header('origin');
  if (origin !== undefined) {
    if (origin !== own)
      throw new ForbiddenRequestError(`refused: the request came from ${origin}, not from this box (${own})`);
    return;
  }
  const referer = c.req.header('referer');
  if (referer === undefined)
    throw new ForbiddenRequestError('refused: the request has neither an Origin nor a Referer header');
  let from = '';
  try {
    from = new URL(referer).origin;
  } catch {
    // unparsable: refused below
  }
  if (from !== own)
    throw new ForbiddenRequestError(
      `refused: the request came from ${from || 'an unknown page'}, not from this box`,
    );
}

export function setSessionCookie(c: Context, id: string, maxAgeS: number, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, id, {
    httpOnly: true,
    sameSite: 'Strict',
    secure,
    path: '/',
    maxAge: maxAgeS,
  });
}

export function sessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}
