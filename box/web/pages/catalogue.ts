import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { AddedStore, AppStores } from '../../apps/catalogue/app-stores.ts';
import { compareVersions } from '../../apps/catalogue/store-versions.ts';
import { DataboxError } from '../../errors.ts';
import { text } from '../html/form-values.ts';
import { csrfField, type Html, redirectDone, render, time } from '../html/page.ts';
import type { WebEnv } from '../web-env.ts';

type C = Context<WebEnv>;
const versions = (n: number) => `${n} app version${n === 1 ? '' : 's'}`;

function storesOf(c: C): AppStores {
  const stores = c.var.parts.appStores;
  if (!stores) throw new DataboxError(503, 'stores_unavailable', 'this box runs no app-store catalogue');
  return stores;
}

/** One store's card: where it is, where bundles may come from, and its apps with an Install button each. */
function storeCard(c: C, s: AddedStore): Html {
  const csrf = csrfField(c.var.session.csrf);
  const entries = [...s.entries].sort(
    (a, b) => a.name.localeCompare(b.name) || compareVersions(b.version, a.version),
  );
  return html`
<section class="card" aria-labelledby="store-${s.id}">
  <h2 id="store-${s.id}">${s.id}</h2>
  <p>${s.description}</p>
  <p class="muted" style="overflow-wrap: anywhere">${s.url ? html`Index <code>${s.url}</code>` : html`Index file <code>${s.file}</code>`} · bundles only from ${s.approvedOrigins.map((o) => html`<code>${o}</code> `)}${s.homeNetwork ? ' (home network)' : ''} · read ${time(s.refreshedAt)}</p>
  <div class="scroll"><table>
    <caption>Apps in ${s.id}</caption>
    <thead><tr><th scope="col">App</th><th scope="col">Version</th><th scope="col">Publisher</th><th scope="col">Key fingerprint</th><th scope="col">SHA-256</th><th scope="col"><span class="sr-only">Install</span></th></tr></thead>
    <tbody>
      ${entries.map(
        (e) => html`<tr data-app="${e.appId}" data-version="${e.version}">
        <td><strong>${e.name}</strong> <code>${e.appId}</code><br><small>${e.description}</small></td>
        <td>${e.version}</td>
        <td>${e.publisher ?? html`<span class="muted">not stated</span>`}</td>
        <td>${e.publisherKey ? html`<code>${e.publisherKey}</code>` : html`<span class="muted">unsigned</span>`}</td>
        <td><code title="${e.sha256}">${e.sha256.slice(0, 16)}…</code></td>
        <td><form method="post" action="/catalogue/install">${csrf}
          <input type="hidden" name="store" value="${s.id}"><input type="hidden" name="app" value="${e.appId}"><input type="hidden" name="version" value="${e.version}">
          <button type="submit" aria-label="Install ${e.name} ${e.version}">Install</button></form></td>
      </tr>`,
      )}
    </tbody>
  </table></div>
  <div class="row actions">
    ${s.url ? html`<form method="post" action="/catalogue/refresh">${csrf}<input type="hidden" name="store" value="${s.id}"><button type="submit" class="secondary">Refresh ${s.id}</button></form>` : ''}
    <form method="post" action="/catalogue/remove">${csrf}<input type="hidden" name="store" value="${s.id}"><button type="submit" class="secondary">Remove ${s.id}</button></form>
  </div>
</section>`;
}

function cataloguePage(c: C, error?: DataboxError, source = ''): Response | Promise<Response> {
  const stores = storesOf(c).list();
  if (error) c.status(error.status as 400);
  return render(
    c,
    'Catalogue',
    html`
${error ? html`<div class="error card" role="alert"><p>${error.message}</p>${error.details.length ? html`<ul>${error.details.map((d) => html`<li><code>${d.path}</code>: ${d.message}</li>`)}</ul>` : ''}</div>` : ''}
<form method="post" action="/catalogue/add" class="card narrow">
  ${csrfField(c.var.session.csrf)}
  <label for="source">Store index URL, or an index file on this box</label>
  <input id="source" name="source" required value="${source}" placeholder="https://apps.example.org/databox/index.json">
  <label class="check"><input type="checkbox" name="homeNetwork"> The store is on my home network</label>
  <button type="submit">Add store</button>
</form>
${stores.length === 0 ? html`<p>No store added yet. A store is a HyperCat index listing apps and their bundles; see the app developers' guide.</p>` : stores.map((s) => storeCard(c, s))}`,
  );
}

/** Runs `action`; a refusal re-renders the catalogue with the message instead of an error page. */
async function orRefusal(c: C, source: string, action: () => Promise<Response>): Promise<Response> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof DataboxError) || (error.status >= 500 && error.status !== 502)) throw error;
    return cataloguePage(c, error, source);
  }
}

/**
 * `/catalogue`: the apps of every added store, each with its version, publisher, key fingerprint
 * and digest. Install fetches the bundle (approved store host only, digest checked) and hands it
 * to the consent screen `/apps/install`, which installs it like any .tgz.
 */
export function cataloguePages(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.get('/', (c) => cataloguePage(c));
  app.post('/add', async (c) => {
    const form = await c.req.parseBody();
    const source = text(form, 'source');
    return orRefusal(c, source, async () => {
      const added = await storesOf(c).add(source, { homeNetwork: form.homeNetwork === 'on' });
      return redirectDone(c, '/catalogue', `Store ${added.id} added: ${versions(added.entries.length)}.`);
    });
  });
  app.post('/refresh', async (c) => {
    const id = text(await c.req.parseBody(), 'store');
    return orRefusal(c, '', async () => {
      const s = await storesOf(c).refresh(id);
      return redirectDone(c, '/catalogue', `Store ${s.id} read again: ${versions(s.entries.length)}.`);
    });
  });
  app.post('/remove', async (c) => {
    const id = text(await c.req.parseBody(), 'store');
    storesOf(c).remove(id);
    return redirectDone(c, '/catalogue', `Store ${id} removed; installed apps stay.`);
  });
  app.post('/install', async (c) => {
    const form = await c.req.parseBody();
    return orRefusal(c, '', async () => {
      const fetched = await storesOf(c).fetchBundle(text(form, 'app'), {
        store: text(form, 'store'),
        version: text(form, 'version') || undefined,
      });
      return c.redirect(`/apps/install?source=${encodeURIComponent(fetched.path)}`, 303);
    });
  });
  return app;
}
