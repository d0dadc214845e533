import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { ExportService } from '../../exports/export-service.ts';
import type { LedgerEntry } from '../../exports/types.ts';
import { text } from '../html/form-values.ts';
import { csrfField, type Html, redirectDone, render, time } from '../html/page.ts';
import type { WebEnv } from '../web-env.ts';

function service(c: Context<WebEnv>): ExportService {
  return c.var.parts.exports;
}

/** How much of a payload the review queue shows: apps choose payload sizes, the page must not. */
export const PREVIEW_CHARS = 2048;

/** The first {@link PREVIEW_CHARS} characters of the payload as indented JSON, and whether it was cut. */
function preview(payload: unknown): { text: string; cut: boolean; chars: number } {
  const full = JSON.stringify(payload, null, 2) ?? 'null';
  if (full.length <= PREVIEW_CHARS) return { text: full, cut: false, chars: full.length };
  // never end between the two halves of a surrogate pair
  const end = /[\ud800-\udbff]/.test(full[PREVIEW_CHARS - 1]) ? PREVIEW_CHARS - 1 : PREVIEW_CHARS;
  return { text: full.slice(0, end), cut: true, chars: full.length };
}

/** A bounded preview with its size, and where to see all of it (this page never prints it whole). */
function payloadPreview(e: LedgerEntry): Html {
  const p = preview(e.payload);
  return html`<pre class="payload" data-testid="review-payload">${p.text}${p.cut ? '\n…' : ''}</pre>
${p.cut ? html`<p class="muted">Showing the first ${PREVIEW_CHARS} of ${p.chars} characters (${e.bytes} bytes sent). <a href="/exports/${e.id}/payload">See the whole payload</a> or run <code>databox exports show ${e.id}</code>.</p>` : ''}`;
}

function ledgerTable(entries: LedgerEntry[], csrf: string, withRetry = false): Html {
  if (entries.length === 0) return html`<p>None.</p>`;
  return html`<div class="scroll"><table><thead><tr><th scope="col">Asked</th><th scope="col">App → destination</th><th scope="col">Status</th><th scope="col">Bytes</th><th scope="col">Payload</th><th scope="col">Notes</th></tr></thead><tbody>
${entries.map(
  (
    e,
  ) => html`<tr data-export="${e.id}"><td>${time(e.createdAt)}</td><td>${e.appId} → ${e.destination}<br><code class="muted">${e.url}</code></td>
<td><span class="state state-${e.status}">${e.status}</span>${e.decidedBy ? html`<br><small>decided by ${e.decidedBy} ${time(e.decidedAt)}</small>` : ''}${e.deliveredAt ? html`<br><small>delivered ${time(e.deliveredAt)}</small>` : ''}</td>
<td>${e.bytes}</td><td><a href="/exports/${e.id}/payload">view</a><br><small>SHA-256 ${e.sha256}</small></td>
<td>${e.lastError ? html`<span class="error">${e.lastError}</span>` : ''}${e.reason ? html`rejected: ${e.reason}` : ''}${e.attempts ? html` ${e.attempts} attempts` : ''}${e.responseStatus ? html` (HTTP ${e.responseStatus})` : ''}
${withRetry ? html`<form method="post" action="/exports/${e.id}/retry">${csrfField(csrf)}<button type="submit">Try again</button></form>` : ''}</td></tr>`,
)}
</tbody></table></div>`;
}

/**
 * `/exports`: the review queue (each payload's first 2 KB, with a link to all of it; approve or
 * reject with a reason), the
 * ledger of everything apps asked to send, and failed deliveries (try again). Decisions go
 * through the box's ExportService, which audits them.
 */
export function exportPages(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.get('/', (c) => {
    const exports = service(c);
    const csrf = c.var.session.csrf;
    const review = exports.ledger.withStatus('review', 200);
    const failed = exports.ledger.withStatus('failed', 200);
    const ledger = exports.ledger.list({ limit: 200 });
    const body = html`
<section aria-labelledby="h-review"><h2 id="h-review">Waiting for your review (${review.length})</h2>
${review.length === 0 ? html`<p>Nothing is waiting. Apps in review mode hold every export here until you decide.</p>` : ''}
${review.map(
  (e) => html`
<article class="card review" data-export="${e.id}">
  <h3>${e.appId} wants to send to ${e.destination}</h3>
  <p>To <code>${e.url}</code> · ${e.bytes} bytes · asked ${time(e.createdAt)} in run ${e.runId.slice(0, 8)}</p>
  <p>This is exactly what would be sent:</p>
  ${payloadPreview(e)}
  <div class="row">
    <form method="post" action="/exports/${e.id}/approve">${csrfField(csrf)}<button type="submit">Approve and send</button></form>
    <form method="post" action="/exports/${e.id}/reject" class="row">${csrfField(csrf)}
      <label for="reason-${e.id}" class="sr-only">Reason (optional)</label><input id="reason-${e.id}" name="reason" placeholder="Reason (optional)">
      <button type="submit" class="danger">Reject</button></form>
  </div>
</article>`,
)}
</section>
<section aria-labelledby="h-failed"><h2 id="h-failed">Failed deliveries (${failed.length})</h2>${ledgerTable(failed, csrf, true)}</section>
<section aria-labelledby="h-ledger"><h2 id="h-ledger">Ledger: everything apps asked to send</h2>${ledgerTable(ledger, csrf)}</section>`;
    return render(c, 'Exports', body);
  });

  // The whole payload as JSON text (never as HTML: it is the app's text), for the review page's link.
  app.get('/:id/payload', (c) => {
    const entry = service(c).ledger.get(c.req.param('id'));
    return c.body(JSON.stringify(entry.payload, null, 2), 200, {
      'content-type': 'application/json; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'",
    });
  });

  app.post('/:id/approve', (c) => {
    const entry = service(c).approve(c.req.param('id'));
    return redirectDone(c, '/exports', `Approved: ${entry.appId} → ${entry.destination} is ${entry.status}.`);
  });

  app.post('/:id/reject', async (c) => {
    const form = await c.req.parseBody();
    const entry = service(c).reject(c.req.param('id'), text(form, 'reason') || undefined);
    return redirectDone(
      c,
      '/exports',
      `Rejected: ${entry.appId} → ${entry.destination} never leaves the box.`,
    );
  });

  app.post('/:id/retry', (c) => {
    const entry = service(c).retry(c.req.param('id'));
    return redirectDone(c, '/exports', `${entry.appId} → ${entry.destination} will be tried again.`);
  });

  return app;
}
