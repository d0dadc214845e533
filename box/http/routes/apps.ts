import { Hono } from 'hono';
import { z } from 'zod';
import type { AppManager } from '../../apps/app-manager.ts';
import type { AppRunner } from '../../apps/app-runner.ts';
import type { ConsentChoices } from '../../apps/types.ts';
import { BadRequestError, DataboxError, issuesToDetails } from '../../errors.ts';
import type { Store } from '../../store/store.ts';
import { jsonBody } from '../error-handler.ts';
import { appSettingsRoutes } from './app-settings.ts';

const requestChoice = z.union([
  z.strictObject({ decline: z.literal(true) }),
  z.strictObject({
    datasource: z.string().min(1),
    resolution: z.string().optional(),
    history: z.string().optional(),
  }),
]);

const consentBody = z.strictObject({
  /** Per request name: `{ datasource, resolution?, history? }` or `{ decline: true }`. */
  grants: z.record(z.string(), requestChoice).default({}),
  expires: z.string().optional(),
  destinations: z.array(z.string()).default([]),
  /** Approved destinations on the home network (the gateway may then connect to a private address). */
  homeNetwork: z.array(z.string()).default([]),
  /** Lets the app know the box's time zone (only if its manifest asks). */
  timeZone: z.boolean().optional(),
});

const installBody = consentBody.extend({
  /** Path of the app folder or .tgz on the box's file system. */
  source: z.string().min(1),
  /** Install a bundle that is not validly signed (recorded as unsigned). */
  allowUnsigned: z.boolean().default(false),
  /** Upgrade with a version signed by another key than the installed one. */
  allowKeyChange: z.boolean().default(false),
});

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success)
    throw new BadRequestError('invalid body', { details: issuesToDetails(result.error.issues) });
  return result.data;
}

function choices(body: z.output<typeof consentBody>): ConsentChoices {
  return {
    requests: body.grants,
    expires: body.expires,
    destinations: body.destinations,
    homeNetwork: body.homeNetwork,
    ...(body.timeZone === undefined ? {} : { timeZone: body.timeZone }),
  };
}

/**
 * `/api/v1/apps`: the same operations as `databox app` for the dashboard: list, install (from a
 * path on the box), show, grants (read and change = consent again), receipt download, revoke,
 * uninstall, run now, runs, insights and export requests, and settings (with `store`).
 */
export function appRoutes(apps: AppManager, runner?: AppRunner, store?: Store): Hono {
  const app = new Hono();
  // settings (GET/PUT /:id/settings) need the store their values live in
  if (store) app.route('/', appSettingsRoutes(apps, store));

  app.get('/', (c) =>
    c.json({
      apps: apps.list().map(({ manifest, ...rest }) => ({ ...rest, runtime: manifest.runtime.type })),
    }),
  );

  app.post('/', async (c) => {
    const body = parse(installBody, await jsonBody(c));
    const result = apps.install(body.source, choices(body), 'http', {
      allowUnsigned: body.allowUnsigned,
      allowKeyChange: body.allowKeyChange,
    });
    return c.json(result, 201);
  });

  app.get('/:id', (c) => {
    const id = c.req.param('id');
    return c.json({ app: apps.get(id), grants: apps.grants(id), running: runner?.isRunning(id) ?? false });
  });

  app.get('/:id/grants', (c) => c.json({ grants: apps.grants(c.req.param('id')) }));

  app.put('/:id/grants', async (c) => {
    const body = parse(consentBody, await jsonBody(c));
    return c.json(apps.grant(c.req.param('id'), choices(body), 'http'));
  });

  app.get('/:id/receipt', (c) => {
    const id = c.req.param('id');
    const consent = apps.receipt(id, c.req.query('receipt'));
    c.header('content-disposition', `attachment; filename="consent-${id}-${consent.receiptId}.json"`);
    return c.json(consent.receipt);
  });

  app.get('/:id/receipts', (c) => c.json({ receipts: apps.registry.listConsents(c.req.param('id')) }));

  app.post('/:id/revoke', async (c) => {
    const hasBody = (c.req.header('content-length') ?? '0') !== '0';
    const body = parse(z.strictObject({ request: z.string().optional() }), hasBody ? await jsonBody(c) : {});
    return c.json({ revoked: apps.revoke(c.req.param('id'), body.request) });
  });

  app.delete('/:id', (c) => c.json(apps.uninstall(c.req.param('id'))));

  app.post('/:id/runs', async (c) => {
    if (!runner) throw new DataboxError(503, 'runtime_unavailable', 'this box has no app runner');
    return c.json({ run: await runner.run(c.req.param('id'), 'manual') });
  });

  app.get('/:id/runs', (c) => c.json({ runs: apps.registry.listRuns(c.req.param('id')) }));
  app.get('/:id/insights', (c) => c.json({ insights: apps.registry.listInsights(c.req.param('id')) }));
  app.get('/:id/exports', (c) => c.json({ exports: apps.registry.listExports(c.req.param('id')) }));

  return app;
}
