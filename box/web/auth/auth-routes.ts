import { randomBytes } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { DataboxError } from '../../errors.ts';
import { csrfField, type Html, page } from '../html/page.ts';
import type { WebEnv } from '../web-env.ts';
import { MIN_PASSWORD_LENGTH } from './password.ts';
import {
  checkOrigin,
  clientAddress,
  ForbiddenRequestError,
  isHttps,
  isLoopback,
  PRE_COOKIE,
  SESSION_COOKIE,
  sameToken,
  sessionCookie,
  setSessionCookie,
} from './request-guard.ts';
import { SESSION_MAX_AGE_MS } from './sessions.ts';
import type { SignInWait } from './sign-in-limiter.ts';

type C = Context<WebEnv>;

function preToken(c: C): string {
  const existing = getCookie(c, PRE_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  setCookie(c, PRE_COOKIE, token, { httpOnly: true, sameSite: 'Strict', secure: isHttps(c), path: '/' });
  return token;
}

function checkPreToken(c: C, form: Record<string, unknown>): void {
  checkOrigin(c);
  if (!sameToken(getCookie(c, PRE_COOKIE), typeof form._csrf === 'string' ? form._csrf : undefined))
    throw new ForbiddenRequestError(
      'refused: the form token is missing or does not match; reload the page and try again',
    );
}

function signInForm(c: C, token: string, problem?: string, status: 200 | 401 | 429 = 200) {
  const error = problem ?? (c.req.query('expired') ? 'Your session has ended; sign in again.' : undefined);
  const body = html`
<form method="post" action="/signin" class="card narrow">
  ${csrfField(token)}
  ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
  <input type="hidden" name="next" value="${safeNext(c.req.query('next'))}">
  <button type="submit">Sign in</button>
</form>`;
  return c.html(page({ title: 'Sign in' }, body), status);
}

function setupForm(token: string, error?: string): Html {
  return page(
    { title: 'Set up your Databox' },
    html`
<form method="post" action="/setup" class="card narrow">
  ${csrfField(token)}
  <p>Choose the password for this box's dashboard. This page is only shown once, on the box itself (loopback).</p>
  ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
  <label for="password">New password (at least ${MIN_PASSWORD_LENGTH} characters)</label>
  <input id="password" name="password" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required autofocus>
  <label for="confirm">Repeat it</label>
  <input id="confirm" name="confirm" type="password" autocomplete="new-password" required>
  <button type="submit">Set password</button>
</form>`,
  );
}

function waitMessage(wait: SignInWait): string {
  const s = Math.ceil(wait.ms / 1000);
  const when = s < 120 ? `${s} seconds` : `${Math.ceil(s / 60)} minutes`;
  return wait.reason === 'client'
    ? `Too many failed attempts from this device. Try again in ${when}.`
    : `Too many failed sign-ins from several devices. Try again in ${when}, or sign in on the box itself (http://127.0.0.1 or http://[::1]), which is never held back by them.`;
}

/** Only same-site paths, so the sign-in redirect cannot be used to send people elsewhere. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : '/';
}

function startSession(c: C, next: string): Response {
  const { sessions } = c.var.parts;
  const { id } = sessions.create();
  setSessionCookie(c, id, SESSION_MAX_AGE_MS / 1000, isHttps(c) || !!c.var.parts.secureCookies);
  deleteCookie(c, PRE_COOKIE, { path: '/' });
  return c.redirect(safeNext(next), 303);
}

/**
 * `/signin`, `/signout` and the first-run `/setup` (only before a password exists, only from
 * loopback). Every attempt is audited (`user.signin` with `ok` and the client address); failures
 * back off per client, with a ceiling over all clients that never holds the box's own loopback.
 */
export function authRoutes(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.get('/signin', (c) => {
    if (!c.var.parts.passwords.isSet()) return c.redirect('/setup', 303);
    return signInForm(c, preToken(c));
  });

  app.post('/signin', async (c) => {
    const form = await c.req.parseBody();
    checkPreToken(c, form);
    const { store, passwords, limiter } = c.var.parts;
    const client = clientAddress(c);
    const now = store.now();
    const wait = limiter.retryAfter(client, now);
    if (wait) {
      if (limiter.refuse(client))
        store.audit.append({
          actor: 'user',
          action: 'user.signin',
          details: {
            ok: false,
            client,
            reason: wait.reason === 'client' ? 'rate limited' : 'rate limited (all clients)',
          },
        });
      c.header('retry-after', String(Math.ceil(wait.ms / 1000)));
      return signInForm(c, preToken(c), waitMessage(wait), 429);
    }
    // counted before the (slow) check, so parallel guesses cannot all pass the limiter at once
    limiter.fail(client, now);
    // refused attempts since the last counted one are summed here instead of audited one by one
    const refused = limiter.takeRefused(client);
    const ok = typeof form.password === 'string' && (await passwords.verify(form.password));
    store.audit.append({
      actor: 'user',
      action: 'user.signin',
      details: {
        ok,
        client,
        ...(ok ? {} : { reason: 'wrong password' }),
        ...(refused > 1 ? { refusedBefore: refused } : {}),
      },
    });
    if (!ok) return signInForm(c, preToken(c), 'That password is not right.', 401);
    limiter.succeed(client);
    return startSession(c, String(form.next ?? '/'));
  });

  app.post('/signout', async (c) => {
    const form = await c.req.parseBody();
    checkOrigin(c);
    const id = sessionCookie(c);
    const session = c.var.parts.sessions.get(id);
    if (!session || !sameToken(session.csrf, typeof form._csrf === 'string' ? form._csrf : undefined))
      throw new ForbiddenRequestError('refused: the form token is missing or does not match');
    if (id) c.var.parts.sessions.delete(id);
    c.var.parts.store.audit.append({
      actor: 'user',
      action: 'user.signout',
      details: { client: clientAddress(c) },
    });
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/signin', 303);
  });

  const setupAllowed = (c: C) => {
    if (c.var.parts.passwords.isSet()) return c.redirect('/signin', 303);
    if (!isLoopback(clientAddress(c)))
      throw new DataboxError(
        403,
        'setup_loopback_only',
        'the first-run page only answers on the box itself; run "databox user set-password" there instead',
      );
    return undefined;
  };

  app.get('/setup', (c) => setupAllowed(c) ?? c.html(setupForm(preToken(c))));

  app.post('/setup', async (c) => {
    const early = setupAllowed(c);
    if (early) return early;
    const form = await c.req.parseBody();
    checkPreToken(c, form);
    const password = typeof form.password === 'string' ? form.password : '';
    if (password !== form.confirm) return c.html(setupForm(preToken(c), 'The two passwords differ.'), 400);
    try {
      await c.var.parts.passwords.set(password, 'first-run page');
    } catch (error) {
      if (error instanceof DataboxError && error.status === 400)
        return c.html(setupForm(preToken(c), error.message), 400);
      throw error;
    }
    return startSession(c, '/');
  });

  return app;
}
