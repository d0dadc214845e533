import { PassThrough, Readable } from 'node:stream';
import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { z } from 'zod';
import { writeAuditExport } from '../../audit/export.ts';
import type { Store } from '../../store/store.ts';
import { validationHook } from '../error-handler.ts';
import { timeParam } from '../time-param.ts';

const pattern = z
  .string()
  .max(100)
  .regex(/^[a-z0-9_.:-]*\*?$/, 'must be a name, or a prefix ending in * (e.g. readings.*)');

const filterQuery = z.strictObject({
  since: timeParam.optional(),
  until: timeParam.optional(),
  actor: pattern.optional(),
  action: pattern.optional(),
  subject: z.string().max(256).optional(),
  after: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  order: z.enum(['asc', 'desc']).default('desc'),
});

const exportQuery = filterQuery.omit({ limit: true, order: true, after: true }).extend({
  format: z.enum(['jsonl', 'csv']).default('jsonl'),
});

/** `/api/v1/audit`: query with filters, verify the chain, export as JSON Lines or CSV. */
export function auditRoutes(store: Store): Hono {
  const app = new Hono();

  app.get('/', zValidator('query', filterQuery, validationHook('query')), (c) => {
    const { after, ...q } = c.req.valid('query');
    const entries = store.audit.query({ ...q, afterSeq: after });
    return c.json({ entries, head: store.audit.head() });
  });

  app.get('/verify', (c) => c.json(store.audit.verify()));

  app.get('/export', zValidator('query', exportQuery, validationHook('query')), (c) => {
    const { format, ...filter } = c.req.valid('query');
    const out = new PassThrough();
    writeAuditExport(store.audit, { ...filter, order: 'asc' }, format, out).then(
      () => out.end(),
      (error: unknown) => out.destroy(error as Error),
    );
    const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson';
    return new Response(Readable.toWeb(out) as ReadableStream, {
      headers: {
        'content-type': type,
        'content-disposition': `attachment; filename="databox-audit.${format}"`,
      },
    });
  });

  return app;
}
