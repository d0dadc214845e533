import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { ExportRecord } from '../../apps/types.ts';
import { type ChainState, ChainStatus } from '../../audit/chain-status.ts';
import { boxPaths } from '../../config/paths.ts';
import { findSources } from '../../energy/energy-summary.ts';
import { naturalAggregate } from '../../energy/natural-aggregate.ts';
import { lastCheck } from '../../ops/check-record.ts';
import { diskSpace } from '../../ops/disk-space.ts';
import { tlsPaths } from '../../ops/tls-cert.ts';
import type { Store } from '../../store/store.ts';
import { type Html, render, time } from '../html/page.ts';
import { fmt, sparkline } from '../html/sparkline.ts';
import type { WebEnv, WebParts } from '../web-env.ts';
import { energyScreen } from './energy.ts';

const DAY = 86_400_000;

function datasourceRows(parts: WebParts): Html {
  const { store } = parts;
  const now = store.now();
  const rows = store.listDatasources().map((d) => {
    const numeric = d.valueType === 'gauge' || d.valueType === 'counter';
    const latest = numeric ? store.latest(d.id) : undefined;
    const recent = numeric
      ? store.read(d.id, {
          from: now - DAY,
          to: now + 1,
          resolution: '30min',
          aggregate: naturalAggregate(d.kind, d.valueType),
        })
      : [];
    // the kind and the time sit under the name and the value, so a phone shows every value
    return html`<tr>
      <th scope="row"><a href="/data/${d.id}">${d.id}</a><br><small>${d.kind}</small></th>
      <td class="latest">${latest ? html`<span class="value">${fmt(latest.v)} ${d.unit}</span><br><small>${time(latest.t)}</small>` : '—'}</td>
      <td>${numeric ? sparkline(recent, d.unit) : html`<span class="muted">${d.valueType}</span>`}</td>
    </tr>`;
  });
  if (rows.length === 0)
    return html`<p>No datasources yet. <a href="/drivers">Add a driver</a> or import a file.</p>`;
  return html`<div class="scroll"><table><thead><tr><th scope="col">Datasource and kind</th><th scope="col">Latest</th><th scope="col">Last 24 h</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

// Entries verified per page load at most (about 20 ms); the audit job verifies the rest each minute.
const VERIFY_PER_LOAD = 4096;

/** Chain status from the "verified up to" record: never a full scan on a page load. */
function auditCard(state: ChainState): Html {
  if (state.broken)
    return html`<p class="error" role="alert">The chain is broken at entry ${state.broken.seq}: ${state.broken.reason}. Run <code>databox audit verify</code>.</p>`;
  const behind = state.head.seq - state.verified.seq;
  return html`<p><span class="state state-ok">intact</span> ${state.head.seq} entries; verified up to entry ${state.verified.seq}${behind > 0 ? html` (${behind} newer, verified within a minute)` : ''}.</p>
  <p class="muted">Head hash <code>${state.verified.hash.slice(0, 16)}…</code></p>`;
}

/** The store's health: the last `databox check`, free disk space (the audit chain has its own card). */
function healthCard(store: Store): Html {
  const home = dirname(store.db.name);
  const config = store.kv.get('box', 'config') as { store?: { lowDiskMB?: number } } | undefined;
  const disk = diskSpace(boxPaths(home), config?.store?.lowDiskMB);
  const check = lastCheck(store);
  const failed = check?.items.filter((i) => !i.ok) ?? [];
  return html`<p>${
    !check
      ? html`<span class="state">not checked</span> Run <code>databox check</code> for a full check of the store, rollups, audit chain, outbox and file modes.`
      : failed.length === 0
        ? html`<span class="state state-ok">in order</span> last full check ${time(check.at)}: store, outbox, rollups, audit chain, file modes.`
        : html`<span class="error" role="alert">Problems found ${time(check.at)}: ${failed.map((i) => html`<br>${i.name}: ${i.summary}${i.problems[0] ? ` (${i.problems[0]})` : ''}`)}</span> See docs/operations.md.`
  }</p>
  ${tlsLine(home)}
  <p>${disk.level === 'ok' ? html`<span class="state state-ok">disk</span> ${disk.summary}` : html`<span class="error" role="alert">${disk.summary}</span>`}</p>`;
}

/** The HTTPS certificate's fingerprint, to compare with what the browser shows. */
function tlsLine(home: string): Html | string {
  const { cert } = tlsPaths(home);
  if (!existsSync(cert)) return '';
  try {
    return html`<p>HTTPS certificate SHA-256 <code class="fingerprint">${new X509Certificate(readFileSync(cert)).fingerprint256}</code></p>`;
  } catch {
    return html`<p class="error">${cert} is not a valid certificate</p>`;
  }
}

/** Every installed app's export requests, newest first. */
export function allExports(parts: WebParts, limit = 100): ExportRecord[] {
  if (!parts.apps) return [];
  return parts.apps
    .list()
    .flatMap((a) => parts.apps?.registry.listExports(a.id, limit) ?? [])
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, limit);
}

/**
 * `/overview`: datasources with latest value and sparkline, drivers, apps and their last run,
 * recent exports, audit chain. `/` is the home screen: the energy screen for a household with an
 * electricity meter, this page otherwise.
 */
export function overviewPage(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.get('/', (c) => (findSources(c.var.parts.store).import ? energyScreen(c) : overview(c)));
  app.get('/overview', overview);
  return app;
}

function overview(c: Context<WebEnv>): Response | Promise<Response> {
  const parts = c.var.parts;
  const { store } = parts;
  const drivers = parts.drivers?.list() ?? [];
  const apps = parts.apps?.list() ?? [];
  const exports = allExports(parts, 5);
  const chain = new ChainStatus(store.db, store.audit).advance(VERIFY_PER_LOAD, store.now());
  const body = html`
<section aria-labelledby="h-ds"><h2 id="h-ds">Datasources</h2>${datasourceRows(parts)}</section>
<div class="grid">
<section aria-labelledby="h-drv" class="card"><h2 id="h-drv">Drivers</h2>
  ${drivers.length === 0 ? html`<p>None yet. <a href="/drivers">Add one</a>.</p>` : html`<ul class="plain">${drivers.map((d) => html`<li><a href="/drivers#driver-${d.id}">${d.id}</a> (${d.type}): <span class="state state-${d.status.state}">${d.status.state}</span>${d.status.lastError ? html` — <span class="error">${d.status.lastError.message}</span>` : ''}</li>`)}</ul>`}
</section>
<section aria-labelledby="h-apps" class="card"><h2 id="h-apps">Apps</h2>
  ${
    apps.length === 0
      ? html`<p>None installed. <a href="/apps/install">Install an app</a>.</p>`
      : html`<ul class="plain">${apps.map((a) => {
          const [run] = parts.apps?.registry.listRuns(a.id, 1) ?? [];
          return html`<li><a href="/apps/${a.id}">${a.name}</a>: ${run ? html`last run ${time(run.startedAt)} <span class="state state-${run.status}">${run.status}</span>` : 'not run yet'}</li>`;
        })}</ul>`
  }
</section>
<section aria-labelledby="h-exp" class="card"><h2 id="h-exp">Recent exports</h2>
  ${exports.length === 0 ? html`<p>Nothing has been sent or asked to be sent.</p>` : html`<ul class="plain">${exports.map((e) => html`<li>${time(e.createdAt)} ${e.appId} → ${e.destination}: <span class="state state-${e.status}">${e.status}</span></li>`)}</ul>`}
  <p><a href="/exports">All exports</a></p>
</section>
<section aria-labelledby="h-health" class="card"><h2 id="h-health">Health</h2>
  ${healthCard(store)}
</section>
<section aria-labelledby="h-audit" class="card"><h2 id="h-audit">Audit trail</h2>
  ${auditCard(chain)}
  <p><a href="/audit">Open the audit timeline</a></p>
</section>
</div>`;
  return render(c, 'Overview', body, { path: '/overview' });
}
