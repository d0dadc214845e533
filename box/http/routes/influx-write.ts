import { Hono } from 'hono';
import { ingestLineProtocol, type LineIngestReport } from '../../../drivers/influx/line-ingest.ts';
import { PRECISIONS } from '../../../drivers/influx/line-protocol.ts';
import { BadRequestError, PayloadTooLargeError } from '../../errors.ts';
import type { Store } from '../../store/store.ts';

/** Errors listed in one 400 answer; the message says how many there were. */
const MAX_LISTED = 20;
/** The actor of line-protocol writes in the audit trail and ingest windows. */
export const INFLUX_ACTOR = 'driver:influx';

async function bodyText(request: Request, limit: number): Promise<string> {
  const encoding = (request.headers.get('content-encoding') ?? 'identity').toLowerCase();
  if (encoding === 'identity') return request.text();
  if (encoding !== 'gzip')
    throw new BadRequestError(`Content-Encoding "${encoding}" is not supported; send gzip or identity`);
  // Telegraf gzips by default; the bomb check caps the inflated size at the body limit
  const { gunzipSync } = await import('node:zlib');
  try {
    return gunzipSync(Buffer.from(await request.arrayBuffer()), { maxOutputLength: limit }).toString('utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new PayloadTooLargeError(limit);
    throw new BadRequestError(`the gzip body cannot be inflated: ${(error as Error).message}`);
  }
}

function headers(report: LineIngestReport): Record<string, string> {
  return {
    'x-databox-written': String(report.written),
    'x-databox-duplicates': String(report.duplicates),
    'x-databox-skipped-fields': String(report.skippedFields),
    'x-databox-expired': String(report.expired),
  };
}

/**
 * InfluxDB 1.x write endpoint (`POST /write?db=&precision=`), so Telegraf
 * and Home Assistant's InfluxDB integration write into the box unchanged; `/ping` answers 204
 * and `/query` accepts `CREATE DATABASE`, the two other calls those clients make. Auth is done
 * by the caller (see `requireInfluxToken`). Mapping rule and answers: docs/influx.md.
 *
 * @example
 * app.use('/write', requireInfluxToken(store, token));
 * app.route('/', influxRoutes(store, 1 << 24));
 */
export function influxRoutes(store: Store, bodyLimitBytes: number): Hono {
  const app = new Hono();
  const version = { 'x-influxdb-version': '1.8-databox', 'x-influxdb-build': 'OSS' };

  const write = async (c: import('hono').Context) => {
    const precision = c.req.query('precision') ?? 'ns';
    if (!(PRECISIONS as readonly string[]).includes(precision)) {
      throw new BadRequestError(`precision "${precision}" is not one of ${PRECISIONS.join(', ')}`, {
        details: [{ path: 'precision', message: `got "${precision}"` }],
      });
    }
    const body = await bodyText(c.req.raw, bodyLimitBytes);
    const report = ingestLineProtocol(store, body, precision, INFLUX_ACTOR);
    if (report.errors.length === 0) return c.body(null, 204, { ...version, ...headers(report) });
    const [first] = report.errors;
    const stored = `${report.written} reading${report.written === 1 ? '' : 's'} from the other lines ${report.written === 1 ? 'was' : 'were'} stored`;
    // InfluxDB clients read `error` as a string, so it carries the whole message
    return c.json(
      {
        error: `partial write: ${report.errors.length} line${report.errors.length === 1 ? '' : 's'} rejected (line ${first.line}, column ${first.column}: ${first.message}); ${stored}`,
        code: 'line_protocol',
        written: report.written,
        duplicates: report.duplicates,
        rejected: report.errors.length,
        details: report.errors.slice(0, MAX_LISTED).map((e) => ({
          path: `line ${e.line}, column ${e.column}`,
          line: e.line,
          column: e.column,
          message: e.message,
        })),
      },
      400,
      { ...version, ...headers(report) },
    );
  };
  app.post('/write', write);
  app.on(['GET', 'HEAD'], '/ping', (c) => c.body(null, 204, version));
  app.on(['GET', 'POST'], '/query', async (c) => {
    const form = c.req.method === 'POST' ? await c.req.parseBody() : {};
    const q = String(c.req.query('q') ?? form.q ?? '').trim();
    // every database name writes into the box's one store; creating one is a no-op
    if (/^CREATE\s+DATABASE\s/i.test(q)) return c.json({ results: [{ statement_id: 0 }] }, 200, version);
    return c.json(
      { error: 'this box accepts writes only (POST /write); read through /api/v1/datasources/:id/readings' },
      400,
      version,
    );
  });
  return app;
}
