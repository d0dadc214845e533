import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Store } from '../../store/store.ts';
import { jsonBody, validationHook } from '../error-handler.ts';
import { timeParam } from '../time-param.ts';

/** `/api/v1/datasources`: the catalogue (list, create, get, update, delete) and erasure. */
export function datasourceRoutes(store: Store): Hono {
  const app = new Hono();

  app.get('/', (c) => c.json({ datasources: store.listDatasources() }));

  app.post('/', async (c) => c.json({ datasource: store.createDatasource(await jsonBody(c), 'user') }, 201));

  app.get('/:id', (c) => c.json({ datasource: store.getDatasource(c.req.param('id')) }));

  app.patch('/:id', async (c) =>
    c.json({ datasource: store.updateDatasource(c.req.param('id'), await jsonBody(c), 'user') }),
  );

  app.delete('/:id', (c) => {
    store.deleteDatasource(c.req.param('id'), 'user');
    return c.body(null, 204);
  });

  app.delete(
    '/:id/readings',
    zValidator('query', z.strictObject({ from: timeParam, to: timeParam }), validationHook('query')),
    (c) => {
      const { from, to } = c.req.valid('query');
      return c.json({ erased: store.erase(c.req.param('id'), from, to, 'user') });
    },
  );

  return app;
}
