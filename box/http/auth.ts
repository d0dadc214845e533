import type { Context, MiddlewareHandler } from 'hono';
import { tokenMatches } from '../config/admin-token.ts';
import { UnauthorizedError } from '../errors.ts';
import type { Store } from '../store/store.ts';

/**
 * Audits failed authentications as `auth.failure` (method, path and why), at most
 * `maxAuditsPerMinute` a minute so a flood cannot bloat the log. Shared by every token check.
 */
export function authFailureAuditor(
  store: Store,
  maxAuditsPerMinute = 60,
): (c: Context, reason: string) => void {
  let windowStart = 0;
  let logged = 0;
  return (c, reason) => {
    const now = store.now();
    if (now - windowStart > 60_000) {
      windowStart = now;
      logged = 0;
    }
    if (logged++ < maxAuditsPerMinute) {
      store.audit.append({
        actor: 'box',
        action: 'auth.failure',
        subject: '',
        details: { method: c.req.method, path: c.req.path, reason },
      });
    }
  };
}

/**
 * Requires `Authorization: Bearer <admin token>`. Each failure is audited (`auth.failure`, with
 * the path and why), at most `maxAuditsPerMinute` a minute so a flood cannot bloat the log.
 */
export function requireAdminToken(store: Store, token: string, maxAuditsPerMinute = 60): MiddlewareHandler {
  const audit = authFailureAuditor(store, maxAuditsPerMinute);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (match && tokenMatches(match[1], token)) return next();
    const reason = header === '' ? 'no Authorization header' : match ? 'wrong token' : 'not a Bearer token';
    audit(c, reason);
    throw new UnauthorizedError(
      `a valid admin token is required (${reason}); send "Authorization: Bearer <token>"`,
    );
  };
}
