import type { MiddlewareHandler } from 'hono';
import { tokenMatches } from '../config/admin-token.ts';
import { UnauthorizedError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { authFailureAuditor } from './auth.ts';

/**
 * The token an InfluxDB client presents, in any of the forms InfluxDB accepts:
 * `Authorization: Token <t>` (2.x, and 1.8's `Token <user>:<t>`), `Bearer <t>`,
 * `Basic base64(<user>:<t>)` (Telegraf's and influxdb-python's username/password) and the
 * 1.x query parameters `?u=<user>&p=<t>`. The user name is ignored; the password is the token.
 */
export function presentedInfluxToken(header: string, password: string | undefined): string | undefined {
  const match = /^(Token|Bearer|Basic)\s+(\S+)$/i.exec(header);
  if (match) {
    const scheme = match[1].toLowerCase();
    if (scheme === 'bearer') return match[2];
    if (scheme === 'token') {
      const colon = match[2].indexOf(':');
      return colon === -1 ? match[2] : match[2].slice(colon + 1);
    }
    const decoded = Buffer.from(match[2], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  return header === '' ? password : undefined;
}

/**
 * Requires the admin token on InfluxDB-compatible routes, in any form {@link presentedInfluxToken}
 * reads. A failure is audited (`auth.failure`, at most `maxAuditsPerMinute`) like the API's.
 */
export function requireInfluxToken(store: Store, token: string, maxAuditsPerMinute = 60): MiddlewareHandler {
  const audit = authFailureAuditor(store, maxAuditsPerMinute);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const presented = presentedInfluxToken(header, c.req.query('p'));
    if (presented !== undefined && tokenMatches(presented, token)) return next();
    const reason =
      presented === undefined
        ? header === ''
          ? 'no credentials'
          : 'unreadable Authorization header'
        : 'wrong token';
    audit(c, reason);
    throw new UnauthorizedError(
      `a valid admin token is required (${reason}); send "Authorization: Token <token>", "Bearer <token>", Basic auth with the token as password, or ?u=<any>&p=<token>`,
    );
  };
}
