import { Hono } from 'hono';
import type { AppManager } from '../apps/app-manager.ts';
import type { AppRunner } from '../apps/app-runner.ts';
import type { AppStores } from '../apps/catalogue/app-stores.ts';
import type { DriverManager } from '../drivers/driver-manager.ts';
import type { ExportService } from '../exports/export-service.ts';
import type { Store } from '../store/store.ts';
import { HostGuard, hostCheck } from '../web/auth/host-guard.ts';
import { createWebApp, isApiPath } from '../web/web-app.ts';
import { requireAdminToken } from './auth.ts';
import { bodyLimit } from './body-limit.ts';
import { errorResponse } from './error-handler.ts';
import { requireInfluxToken } from './influx-auth.ts';
import { appRoutes } from './routes/apps.ts';
import { auditRoutes } from './routes/audit.ts';
import { type CheckRouteDeps, checkRoutes } from './routes/check.ts';
import { datasourceRoutes } from './routes/datasources.ts';
import { driverRoutes } from './routes/drivers.ts';
import { exportRoutes } from './routes/exports.ts';
import { hypercatRoutes } from './routes/hypercat.ts';
import { influxRoutes } from './routes/influx-write.ts';
import { readingRoutes } from './routes/readings.ts';

export interface HttpDeps {
  store: Store;
  adminToken: string;
  bodyLimitBytes: number;
  /** What `GET /api/v1/status` reports beside the store's own figures. */
  status: () => Record<string, unknown>;
  /** Mounts `/api/v1/drivers` and `/api/v1/driver-types` when given. */
  drivers?: DriverManager;
  /** Mounts `/api/v1/apps` when given (with `appRunner`, runs can be started over HTTP). */
  apps?: AppManager;
  appRunner?: AppRunner;
  /** The app stores the dashboard's Catalogue lists (with `web`). */
  appStores?: AppStores;
  /** Mounts `/api/v1/exports` (the export ledger and review queue) when given. */
  exports?: ExportService;
  /** Mounts the householder's web dashboard at `/` (session cookie, not the bearer token). */
  web?: boolean;
  /**
   * The names the box answers to (see {@link HostGuard}): its bind address and `http.allowedHosts`.
   * Default: bound to 127.0.0.1 with no extra names.
   */
  hosts?: { bindHost: string; allowedHosts?: readonly string[] };
  /** Mounts `/api/v1/check` (the `databox check` report; a POST runs one) when given. */
  check?: Omit<CheckRouteDeps, 'store'>;
}

/**
 * The box's HTTP API (hono). Everything but `/healthz` needs the admin bearer token. Every
 * request, API or dashboard, must name the box in its `Host` header (DNS rebinding; see docs/dashboard.md).
 *
 * @example
 * const app = createHttpApp({ store, adminToken, bodyLimitBytes: 1 << 24, status: () => ({}) });
 * const res = await app.request('/api/v1/datasources', { headers: { authorization: `Bearer ${adminToken}` } });
 */
export function createHttpApp(deps: HttpDeps): Hono {
  const { store } = deps;
  const app = new Hono();
  app.onError((error, c) => errorResponse(error, c, store.db.name));
  app.notFound((c) =>
    c.json(
      { error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}`, details: [] } },
      404,
    ),
  );

  // first, before any route: a page that rebinds its own name to the box's address is refused
  // everywhere, the bearer-token API included, so the box answers only under its own names
  app.use('*', hostCheck(new HostGuard(deps.hosts ?? { bindHost: '127.0.0.1' }), isApiPath));

  app.get('/healthz', (c) => c.json({ ok: true }));

  const limit = bodyLimit(deps.bodyLimitBytes);
  const auth = requireAdminToken(store, deps.adminToken);
  app.use('/api/*', auth, limit);
  app.use('/cat', auth);
  app.use('/cat/*', auth);
  // InfluxDB 1.x clients (Telegraf, Home Assistant) send the token their own ways (docs/influx.md)
  const influxAuth = requireInfluxToken(store, deps.adminToken);
  app.use('/write', influxAuth, limit);
  app.use('/query', influxAuth, limit);

  app.route('/cat', hypercatRoutes(store));
  app.route('/', influxRoutes(store, deps.bodyLimitBytes));
  app.route('/api/v1/datasources', datasourceRoutes(store));
  app.route('/api/v1/datasources', readingRoutes(store));
  app.route('/api/v1/audit', auditRoutes(store));
  if (deps.drivers) app.route('/api/v1', driverRoutes(deps.drivers));
  if (deps.apps) app.route('/api/v1/apps', appRoutes(deps.apps, deps.appRunner, store));
  if (deps.exports) app.route('/api/v1/exports', exportRoutes(deps.exports));
  if (deps.check) app.route('/api/v1/check', checkRoutes({ store, ...deps.check }));
  app.get('/api/v1/status', (c) =>
    c.json({
      ...deps.status(),
      datasources: store.listDatasources().length,
      audit: store.audit.head(),
    }),
  );
  if (deps.web) {
    // after the API: its routes answer first and keep their bearer token
    app.route(
      '/',
      createWebApp({
        store,
        drivers: deps.drivers,
        apps: deps.apps,
        appRunner: deps.appRunner,
        appStores: deps.appStores,
        exports: deps.exports,
      }),
    );
  }
  return app;
}
