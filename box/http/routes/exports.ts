import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { z } from 'zod';
import { BadRequestError, issuesToDetails } from '../../errors.ts';
import type { ExportService } from '../../exports/export-service.ts';
import { LEDGER_STATUSES } from '../../exports/types.ts';
import { validationHook } from '../error-handler.ts';

const listQuery = z.strictObject({
  app: z.string().max(64).optional(),
  status: z.enum(LEDGER_STATUSES).optional(),
  destination: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const rejectBody = z.strictObject({ reason: z.string().max(1000).optional() });
const modeBody = z.strictObject({ mode: z.enum(['auto', 'review']) });

/**
 * `/api/v1/exports`: the export ledger ("what left my home") and the review queue.
 * - `GET /` (`?app=&status=&destination=&limit=`), `GET /review` (the queue, oldest first), `GET /:id`
 * - `POST /:id/approve`, `POST /:id/reject` (`{ reason? }`), `POST /:id/retry`
 * - `GET /mode/:app`, `PUT /mode/:app` (`{ mode: 'auto' | 'review' }`)
 * Householder actions are audited with actor `user`.
 */
export function exportRoutes(exports: ExportService): Hono {
  const app = new Hono();

  app.get('/', zValidator('query', listQuery, validationHook('query')), (c) => {
    const q = c.req.valid('query');
    return c.json({
      exports: exports.ledger.list({
        appId: q.app,
        status: q.status,
        destination: q.destination,
        limit: q.limit,
      }),
    });
  });

  app.get('/review', (c) => c.json({ exports: exports.ledger.withStatus('review', 1000) }));

  app.get('/mode/:app', (c) => {
    const appId = c.req.param('app');
    exports.registry.getInstall(appId);
    return c.json({ app: appId, mode: exports.mode(appId) });
  });

  app.put('/mode/:app', zValidator('json', modeBody, validationHook('body')), (c) => {
    const appId = c.req.param('app');
    return c.json({ app: appId, mode: exports.setMode(appId, c.req.valid('json').mode) });
  });

  app.get('/:id', (c) => c.json({ export: exports.ledger.get(c.req.param('id')) }));

  app.post('/:id/approve', (c) => c.json({ export: exports.approve(c.req.param('id')) }));

  app.post('/:id/reject', async (c) => {
    // the body is optional (no reason given); chunked bodies carry no content-length
    const text = await c.req.text();
    const parsed = rejectBody.safeParse(text.trim() === '' ? {} : parseJson(text));
    if (!parsed.success)
      throw new BadRequestError('invalid body', { details: issuesToDetails(parsed.error.issues) });
    return c.json({ export: exports.reject(c.req.param('id'), parsed.data.reason) });
  });

  app.post('/:id/retry', (c) => c.json({ export: exports.retry(c.req.param('id')) }));

  return app;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`the request body is not valid JSON: ${(error as Error).message}`, {
      code: 'malformed_json',
    });
  }
}
