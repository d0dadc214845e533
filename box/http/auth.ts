import type { MiddlewareHandler } from 'hono';
import { tokenMatches } from '../config/admin-token.ts';
import { UnauthorizedError } from '../errors.ts';
import type { Store } from '../store/store.ts';

/**
 * Requires `Authorization: Bearer <admin token>`. Each failure is audited (`auth.failure`, with
 * the path and why), at most `maxAuditsPerMinute` a minute so a flood cannot bloat the log.
 */
export function requireAdminToken(store: Store, token: string, maxAuditsPerMinute = 60): MiddlewareHandler {
  let windowStart = 0;
  let logged = 0;
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (match && tokenMatches(match[1], token)) return next();
    const reason = header === '' ? 'no Authorization header' : match ? 'wrong token' : 'not a Bearer token';
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
    throw new UnauthorizedError(
      `a valid admin token is required (${reason}); send "Authorization: Bearer <token>"`,
    );
  };
}
