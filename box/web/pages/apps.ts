import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { AppManager } from '../../apps/app-manager.ts';
import { quotaReport } from '../../apps/app-quotas.ts';
import { appSettings, setAppSettings } from '../../apps/app-settings-store.ts';
import { DataboxError } from '../../errors.ts';
import { text } from '../html/form-values.ts';
import { insightCard } from '../html/insight-card.ts';
import { csrfField, redirectDone, render, time } from '../html/page.ts';
import { readSettingsForm, settingsForm } from '../html/settings-form.ts';
import type { WebEnv } from '../web-env.ts';

function appsOf(c: Context<WebEnv>): AppManager {
  const apps = c.var.parts.apps;
  if (!apps) throw new DataboxError(503, 'apps_unavailable', 'this box runs no app manager');
  return apps;
}

/** Whether the app may know the box's zone (it asked), as the current consent says. */
function timeZoneLine(apps: AppManager, id: string) {
  const shared = apps.registry.currentConsent(id)?.timeZone === true;
  return html`<p data-testid="time-zone-grant"><strong>Your time zone:</strong> ${
    shared ? "shared (the app is told the box's zone at each run)" : 'not shared (the app works in UTC)'
  }. <a href="/apps/install?app=${id}">Change</a></p>`;
}

/** `/apps`: installed apps; per app its runs, insights as cards, grants (change = consent again; revoke), receipt, uninstall. */
export function appPages(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.get('/', (c) => {
    const apps = appsOf(c).list();
    return render(
      c,
      'Apps',
      html`
${apps.length === 0 ? html`<p>No apps installed.</p>` : ''}
<ul class="plain">${apps.map((a) => html`<li><a href="/apps/${a.id}">${a.name}</a> ${a.version} — ${a.manifest.description}</li>`)}</ul>
<p><a href="/apps/install" class="button">Install an app</a></p>`,
    );
  });

  app.get('/:id', (c) => {
    const apps = appsOf(c);
    const id = c.req.param('id');
    const a = apps.get(id);
    const csrf = c.var.session.csrf;
    const grants = apps.grants(id);
    const runs = apps.registry.listRuns(id, 20);
    const insights = apps.registry.listInsights(id, 30);
    // newest insight per key first, so the cards show the latest answer
    const latest = [...new Map(insights.map((i) => [i.key, i] as const).reverse()).values()].reverse();
    const mode = a.manifest.exports.length ? c.var.parts.exports.mode(id) : undefined;
    const running = c.var.parts.appRunner?.isRunning(id) ?? false;
    const quotas = quotaReport(c.var.parts.store, apps.registry, id);
    const body = html`
<p>${a.manifest.description}</p>
<div class="row">
  <form method="post" action="/apps/${id}/run">${csrfField(csrf)}<button type="submit"${running ? ' disabled' : ''}>${running ? 'Running…' : 'Run now'}</button></form>
  <a class="button secondary" href="/apps/install?app=${id}">Change what it may see</a>
  <a class="button secondary" href="/apps/${id}/receipt" download>Download consent receipt</a>
  <form method="post" action="/apps/${id}/uninstall" data-confirm="Uninstall ${a.name}? Its grants end and its private storage is wiped.">${csrfField(csrf)}<button type="submit" class="danger">Uninstall</button></form>
</div>
${
  mode
    ? html`<form method="post" action="/apps/${id}/export-mode" class="card row">${csrfField(csrf)}
  <div><label for="mode">Exports of this app</label>
  <select id="mode" name="mode">${(['review', 'auto'] as const).map((m) => html`<option value="${m}"${m === mode ? ' selected' : ''}>${m === 'review' ? 'hold each for my review' : 'send automatically (approved destinations only)'}</option>`)}</select></div>
  <div><button type="submit">Save</button></div>
</form>`
    : ''
}
<section aria-labelledby="h-ins"><h2 id="h-ins">Insights</h2>
  ${latest.length === 0 ? html`<p>No insights yet.</p>` : html`<div class="grid">${latest.map((i) => insightCard(i))}</div>`}
</section>
${
  a.manifest.settings
    ? html`<section aria-labelledby="h-settings"><h2 id="h-settings">Settings</h2>
${settingsForm(id, a.manifest.settings, appSettings(c.var.parts.store, id, a.manifest), csrf)}
</section>`
    : ''
}
<section aria-labelledby="h-grants"><h2 id="h-grants">Grants</h2>
<div class="scroll"><table><thead><tr><th scope="col">Request</th><th scope="col">Datasource</th><th scope="col">Resolution</th><th scope="col">History</th><th scope="col">Expires</th><th scope="col">State</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead><tbody>
${grants.map(
  (
    g,
  ) => html`<tr><th scope="row">${g.request}</th><td>${g.datasource}</td><td>${g.resolution}</td><td>${g.history}</td><td>${time(g.expiresAt)}</td>
  <td>${g.revokedAt ? html`revoked ${time(g.revokedAt)}` : g.expiresAt <= c.var.parts.store.now() ? 'expired' : 'live'}</td>
  <td>${g.revokedAt ? '' : html`<form method="post" action="/apps/${id}/revoke" data-confirm="Revoke ${g.request}? The app can no longer read it.">${csrfField(csrf)}<input type="hidden" name="request" value="${g.request}"><button type="submit" class="danger">Revoke</button></form>`}</td></tr>`,
)}
</tbody></table></div>
${grants.length === 0 ? html`<p>No grants.</p>` : ''}
${a.manifest.timeZone ? timeZoneLine(apps, id) : ''}
</section>
<section aria-labelledby="h-quotas"><h2 id="h-quotas">Storage and limits</h2>
<div class="scroll"><table><thead><tr><th scope="col">Quota</th><th scope="col">Used</th><th scope="col">Limit</th></tr></thead><tbody>
${quotas.map(
  (q) =>
    html`<tr><th scope="row">${q.name}</th><td>${q.used === null ? '—' : q.used.toLocaleString('en')}${q.used !== null && q.used >= q.limit ? html` <span class="error">full</span>` : ''}</td><td>${q.limit.toLocaleString('en')} ${q.unit}${q.custom ? ' (set for this app)' : ''}</td></tr>`,
)}
</tbody></table></div>
<p>Change with <code>databox app quota ${id} --set NAME=N</code>, or for every app in <code>config.json</code> (<code>apps.quotas</code>).</p>
</section>
<section aria-labelledby="h-runs"><h2 id="h-runs">Runs</h2>
<div class="scroll"><table><thead><tr><th scope="col">Started</th><th scope="col">Trigger</th><th scope="col">Outcome</th><th scope="col">Reads (rows)</th><th scope="col">Insights</th><th scope="col">Exports</th><th scope="col">Details</th></tr></thead><tbody>
${runs.map(
  (
    r,
  ) => html`<tr><td>${time(r.startedAt)}</td><td>${r.trigger}</td><td><span class="state state-${r.status}">${r.status}</span>${r.durationMs !== null ? ` in ${r.durationMs} ms` : ''}</td><td>${r.reads} (${r.rowsRead})</td><td>${r.insights}</td><td>${r.exports}</td>
  <td>${r.error ? html`<span class="error">${r.error}</span>` : ''}${r.logs.length ? html`<details><summary>${r.logs.length} log lines</summary><pre>${r.logs.join('\n')}</pre></details>` : ''}</td></tr>`,
)}
</tbody></table></div>
${runs.length === 0 ? html`<p>Not run yet.</p>` : ''}
</section>`;
    return render(c, a.name, body, { charts: true });
  });

  app.get('/:id/receipt', (c) => {
    const id = c.req.param('id');
    const consent = appsOf(c).receipt(id, c.req.query('receipt'));
    c.header('content-disposition', `attachment; filename="consent-${id}-${consent.receiptId}.json"`);
    return c.json(consent.receipt);
  });

  app.post('/:id/run', async (c) => {
    const runner = c.var.parts.appRunner;
    if (!runner) throw new DataboxError(503, 'runtime_unavailable', 'this box has no app runner');
    const run = await runner.run(c.req.param('id'), 'manual');
    const what =
      run.status === 'ok'
        ? `Run finished: ${run.insights} insights, ${run.exports} export requests.`
        : `Run ended ${run.status}: ${run.error ?? ''}`;
    return redirectDone(c, `/apps/${c.req.param('id')}`, what);
  });

  app.post('/:id/settings', async (c) => {
    const id = c.req.param('id');
    const { manifest } = appsOf(c).get(id);
    const store = c.var.parts.store;
    const { set, reset } = readSettingsForm(
      manifest.settings,
      await c.req.parseBody({ all: true }),
      appSettings(store, id, manifest),
    );
    // validated against the app's schema and audited (app.settings, names only) by the store
    await setAppSettings(store, id, manifest, set, reset);
    const changed = [...Object.keys(set), ...reset];
    return redirectDone(
      c,
      `/apps/${id}`,
      changed.length === 0 ? 'No setting changed.' : `Saved: ${changed.join(', ')}.`,
    );
  });

  app.post('/:id/export-mode', async (c) => {
    const form = await c.req.parseBody();
    const mode = text(form, 'mode') === 'review' ? 'review' : 'auto';
    c.var.parts.exports.setMode(c.req.param('id'), mode);
    return redirectDone(
      c,
      `/apps/${c.req.param('id')}`,
      mode === 'review' ? 'Exports now wait for your review.' : 'Exports are now sent automatically.',
    );
  });

  app.post('/:id/revoke', async (c) => {
    const form = await c.req.parseBody();
    const request = text(form, 'request') || undefined;
    const revoked = appsOf(c).revoke(c.req.param('id'), request);
    return redirectDone(
      c,
      `/apps/${c.req.param('id')}`,
      `Revoked: ${revoked.join(', ') || 'nothing was live'}.`,
    );
  });

  app.post('/:id/uninstall', (c) => {
    const id = c.req.param('id');
    const { kvKeys } = appsOf(c).uninstall(id);
    return redirectDone(c, '/apps', `${id} uninstalled; ${kvKeys} keys of its private storage wiped.`);
  });

  return app;
}
