import { Hono } from 'hono';
import type { DriverManager } from '../../drivers/driver-manager.ts';
import { describeDriverType } from '../../drivers/driver-types.ts';
import { jsonBody } from '../error-handler.ts';

/**
 * `/api/v1/drivers` (instances with their status) and `/api/v1/driver-types` (what can be added,
 * with each type's config as JSON Schema). Configs are shown with secrets redacted.
 *
 * @example
 * app.route('/api/v1', driverRoutes(manager));
 * // POST /api/v1/drivers { "type": "mqtt", "id": "home", "config": { "url": "mqtt://127.0.0.1:1883" } }
 */
export function driverRoutes(drivers: DriverManager): Hono {
  const app = new Hono();

  app.get('/driver-types', (c) => c.json({ types: drivers.types.map(describeDriverType) }));

  app.get('/drivers', (c) => c.json({ drivers: drivers.list() }));

  app.post('/drivers', async (c) => c.json({ driver: await drivers.add(await jsonBody(c), 'user') }, 201));

  app.get('/drivers/:id', (c) => c.json({ driver: drivers.get(c.req.param('id')) }));

  app.patch('/drivers/:id', async (c) =>
    c.json({ driver: await drivers.update(c.req.param('id'), await jsonBody(c), 'user') }),
  );

  app.delete('/drivers/:id', async (c) => {
    await drivers.remove(c.req.param('id'), 'user');
    return c.body(null, 204);
  });

  return app;
}
