import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import { DataboxError } from '../errors.ts';
import { ExportService } from '../exports/export-service.ts';
import { Notifications } from '../notifications/notifications.ts';
import { assetRoutes } from './assets.ts';
import { authRoutes } from './auth/auth-routes.ts';
import { PasswordStore } from './auth/password.ts';
import { checkOrigin, ForbiddenRequestError, sameToken, sessionCookie } from './auth/request-guard.ts';
import { SessionStore } from './auth/sessions.ts';
import { SignInLimiter } from './auth/sign-in-limiter.ts';
import { page } from './html/page.ts';
import { localTimes } from './html/request-time.ts';
import { activityPages } from './pages/activity.ts';
import { appPages } from './pages/apps.ts';
import { auditPages } from './pages/audit.ts';
import { cataloguePages } from './pages/catalogue.ts';
import { dataPages } from './pages/data.ts';
import { devicePages } from './pages/devices.ts';
import { driverPages } from './pages/drivers.ts';
import { energyPages } from './pages/energy.ts';
import { exportPages } from './pages/exports.ts';
import { installPages } from './pages/install.ts';
import { notificationPages } from './pages/notifications.ts';
import { overviewPage } from './pages/overview.ts';
import type { WebDeps, WebEnv } from './web-env.ts';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/** Paths of the bearer-token API mounted beside the dashboard. */
export function isApiPath(path: string): boolean {
  return path === '/healthz' || path === '/cat' || path.startsWith('/cat/') || path.startsWith('/api/');
}

function errorPage(error: Error, c: Context<WebEnv>): Response | Promise<Response> {
  if (!(error instanceof DataboxError)) {
    console.error(`databox: unexpected error on the dashboard (${c.req.method} ${c.req.path}):`, error);
  }
  const status = error instanceof DataboxError ? error.status : 500;
  const message =
    error instanceof DataboxError ? error.message : 'Something went wrong; the box log has the details.';
  const details = error instanceof DataboxError ? error.details : [];
  const body = html`<div class="card" role="alert"><p class="error">${message}</p>
    ${details.length ? html`<ul>${details.map((d) => html`<li><code>${d.path}</code>: ${d.message}</li>`)}</ul>` : ''}
    <p><a href="javascript:history.back()">Go back</a> · <a href="/">Overview</a></p></div>`;
  const session = c.get('session');
  return c.html(
    page({ title: status === 403 ? 'Refused' : 'Could not do that', csrf: session?.csrf }, body),
    status as 400,
  );
}

/**
 * The householder's dashboard, server-rendered with hono: sign-in (scrypt password, server-side
 * sessions in an HttpOnly SameSite=Strict cookie), CSRF checks on every POST (Origin and a
 * synchronizer token), and the screens Overview, Data, Drivers, Install an app, Apps, Exports
 * and Audit. Mount it at `/` beside the bearer-token API through `createHttpApp`, which refuses
 * requests whose Host is not one of the box's names (DNS rebinding) before they reach it.
 *
 * @example
 * app.route('/', createWebApp({ store, drivers, apps, appRunner }));
 */
export function createWebApp(deps: WebDeps): Hono<WebEnv> {
  const parts = {
    ...deps,
    exports: deps.exports ?? new ExportService({ store: deps.store, registry: deps.apps?.registry }),
    notifications: new Notifications({
      store: deps.store,
      drivers: deps.drivers && (() => deps.drivers?.list() ?? []),
    }),
    passwords: new PasswordStore(deps.store),
    sessions: new SessionStore(deps.store),
    limiter: new SignInLimiter(),
  };
  const app = new Hono<WebEnv>();
  app.onError(errorPage);
  app.use('*', async (c, next) => {
    c.set('parts', parts);
    await next();
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });
  // every time a page shows is in the box's zone and locale (html/page.ts `time()`)
  app.use('*', localTimes());
  const maxSize = deps.uploadLimitBytes ?? 64 * 1024 * 1024;
  const limit = bodyLimit({
    maxSize,
    onError: () => {
      throw new DataboxError(
        413,
        'payload_too_large',
        `the upload is larger than the box accepts (${maxSize / 1024 / 1024} MiB)`,
      );
    },
  });
  app.use('*', (c, next) => (isApiPath(c.req.path) ? next() : limit(c, next)));
  app.route('/assets', assetRoutes());
  app.route('/', authRoutes());

  // everything below needs a live session; every POST also needs the Origin and the session's token
  app.use('*', async (c, next) => {
    // the API beside the dashboard keeps its bearer tokens
    if (isApiPath(c.req.path)) return next();
    const id = sessionCookie(c);
    const session = parts.sessions.get(id);
    if (!session || !id) {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const next = encodeURIComponent(c.req.path + (new URL(c.req.url).search || ''));
        return c.redirect(`/signin?next=${next}${id ? '&expired=1' : ''}`, 303);
      }
      throw new DataboxError(
        401,
        'not_signed_in',
        'refused: you are not signed in (or your session has ended); sign in again',
      );
    }
    c.set('session', session);
    c.set('sessionId', id);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      checkOrigin(c);
      let token = c.req.header('x-csrf-token');
      if (token === undefined) {
        const form = await c.req.parseBody();
        token = typeof form._csrf === 'string' ? form._csrf : undefined;
      }
      if (!sameToken(session.csrf, token))
        throw new ForbiddenRequestError(
          'refused: the form token is missing or does not match; reload the page and try again',
        );
    }
    return next();
  });
  app.route('/', overviewPage());
  app.route('/data', dataPages());
  app.route('/energy', energyPages());
  app.route('/drivers', driverPages());
  app.route('/apps/install', installPages());
  app.route('/catalogue', cataloguePages());
  app.route('/apps', appPages());
  app.route('/exports', exportPages());
  app.route('/audit', auditPages());
  app.route('/activity', activityPages());
  app.route('/devices', devicePages());
  app.route('/notifications', notificationPages());
  return app;
}
