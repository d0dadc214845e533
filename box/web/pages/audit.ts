import { PassThrough, Readable } from 'node:stream';
import { Hono } from 'hono';
import { html } from 'hono/html';
import { writeAuditExport } from '../../audit/export.ts';
import { auditFilterSchema } from '../../audit/filter.ts';
import type { AuditFilter } from '../../audit/types.ts';
import { BadRequestError, issuesToDetails } from '../../errors.ts';
import type { LocalTime } from '../../time/local-time.ts';
import { parseLocal } from '../html/form-values.ts';
import { render, time } from '../html/page.ts';
import { requestLocalTime } from '../html/request-time.ts';
import type { WebEnv } from '../web-env.ts';

const PAGE = 200;

/** The filter of the query string (empty fields ignored; times on the box's clock), validated like the API's. */
function filterOf(q: Record<string, string>, lt: LocalTime): AuditFilter {
  const filter: AuditFilter = {};
  if (q.actor) filter.actor = q.actor.trim();
  if (q.action) filter.action = q.action.trim();
  if (q.subject) filter.subject = q.subject.trim();
  if (q.since) filter.since = parseLocal(lt, q.since, 'since');
  if (q.until) filter.until = parseLocal(lt, q.until, 'until');
  const result = auditFilterSchema.safeParse(filter);
  if (!result.success)
    throw new BadRequestError('invalid audit filter', { details: issuesToDetails(result.error.issues) });
  return result.data;
}

/** `/audit`: the timeline with filters (actor, action, datasource/subject, time), verify, downloads. */
export function auditPages(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.get('/', (c) => {
    const q = c.req.query();
    const lt = requestLocalTime();
    const filter = filterOf(q, lt);
    const zone = lt.zoneCaption(c.var.parts.store.now());
    const { audit } = c.var.parts.store;
    const entries = audit.query({ ...filter, limit: PAGE, order: 'desc' });
    const verify = q.verify ? audit.verify() : undefined;
    const qs = new URLSearchParams(
      Object.entries(q).filter(([k, v]) => v && ['actor', 'action', 'subject', 'since', 'until'].includes(k)),
    ).toString();
    const input = (name: string, label: string, type = 'text', placeholder = '') =>
      html`<div><label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" type="${type}" value="${q[name] ?? ''}" placeholder="${placeholder}"></div>`;
    const body = html`
<form method="get" action="/audit" class="card row" aria-label="Filter">
  ${input('actor', 'Actor', 'text', 'user, box, app:*, driver:*')}
  ${input('action', 'Action', 'text', 'readings.*')}
  ${input('subject', 'Datasource or subject', 'text', 'sim.power')}
  ${input('since', `Since (${zone})`, 'datetime-local')}
  ${input('until', `Until (${zone})`, 'datetime-local')}
  <div><button type="submit">Filter</button></div>
</form>
<p>The same trail <a href="/activity">in plain words, one line per kind of event, on the Activity page</a>.</p>
<div class="row">
  <a class="button secondary" href="/audit?${qs}${qs ? '&' : ''}verify=1">Verify chain</a>
  <a class="button secondary" href="/audit/export?format=jsonl${qs ? `&${qs}` : ''}" download>Download JSON Lines</a>
  <a class="button secondary" href="/audit/export?format=csv${qs ? `&${qs}` : ''}" download>Download CSV</a>
</div>
${verify ? (verify.ok ? html`<p class="notice" role="status" data-testid="verify">Chain intact: ${verify.count} entries verified, head #${verify.head.seq} ${verify.head.hash.slice(0, 16)}….</p>` : html`<p class="error" role="alert" data-testid="verify">Chain broken at entry ${verify.brokenAt}: ${verify.reason}</p>`) : ''}
<ol class="timeline" reversed>
${entries.map(
  (
    e,
  ) => html`<li data-action="${e.action}"><div class="when">${time(e.ts)} <span class="muted">#${e.seq}</span></div>
  <div><strong>${e.actor}</strong> <code>${e.action}</code>${e.subject ? html` <em>${e.subject}</em>` : ''}</div>
  <details><summary>details</summary><pre>${JSON.stringify(e.details, null, 2)}</pre></details></li>`,
)}
</ol>
${entries.length === 0 ? html`<p>No entries match.</p>` : entries.length === PAGE ? html`<p class="muted">Showing the newest ${PAGE}; narrow the filter or download to see all.</p>` : ''}`;
    return render(c, 'Audit', body);
  });

  app.get('/export', (c) => {
    const q = c.req.query();
    const format = q.format === 'csv' ? 'csv' : 'jsonl';
    const filter = filterOf(q, requestLocalTime());
    const out = new PassThrough();
    writeAuditExport(c.var.parts.store.audit, { ...filter, order: 'asc' }, format, out).then(
      () => out.end(),
      (error: unknown) => out.destroy(error as Error),
    );
    return new Response(Readable.toWeb(out) as ReadableStream, {
      headers: {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
        'content-disposition': `attachment; filename="databox-audit.${format}"`,
      },
    });
  });

  return app;
}
