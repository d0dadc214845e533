import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { exportCapacity } from '../../../apps-sdk/src/export-capacity.ts';
import type { Manifest } from '../../../apps-sdk/src/manifest.ts';
import {
  finestOf,
  GRANT_RESOLUTIONS,
  type GrantResolution,
  grantResolutionError,
} from '../../../apps-sdk/src/resolution.ts';
import type { AppManager } from '../../apps/app-manager.ts';
import { loadAppSource } from '../../apps/app-source.ts';
import { keptChoices, type PermissionDiff, permissionDiff } from '../../apps/app-upgrade.ts';
import { type InstallTrust, installTrust } from '../../apps/bundle/install-trust.ts';
import { askedResolution, DEFAULT_EXPIRY } from '../../apps/consent.ts';
import { destinationLoss, requestLoss } from '../../apps/consent-words/declined-losses.ts';
import { riskFor } from '../../apps/consent-words/kind-risks.ts';
import { everyWords } from '../../apps/consent-words/plain-durations.ts';
import { timeZoneWords } from '../../apps/consent-words/time-zone-words.ts';
import type { ConsentChoices } from '../../apps/types.ts';
import { DataboxError } from '../../errors.ts';
import type { ExportMode } from '../../exports/types.ts';
import { readTimeSettings } from '../../time/time-settings.ts';
import { isIsoDuration, parseIsoDuration } from '../../util/iso-duration.ts';
import { text } from '../html/form-values.ts';
import { csrfField, type Html, redirectDone, render } from '../html/page.ts';
import { requestLocalTime } from '../html/request-time.ts';
import { samplePayload } from '../html/sample-payload.ts';
import type { WebEnv } from '../web-env.ts';
import {
  expiryField,
  exportModeField,
  exportModeOf,
  historyField,
  resolutionField,
  timeZoneField,
} from './consent-fields.ts';
import { consentPreview } from './consent-preview.ts';
import { permissionDiffBlock } from './permission-diff-block.ts';

type C = Context<WebEnv>;
/** The householder's choices plus how exports are handled (kept by the export service, not the grant). */
type FormChoices = ConsentChoices & { exportMode?: ExportMode };

function appsOf(c: C): AppManager {
  const apps = c.var.parts.apps;
  if (!apps) throw new DataboxError(503, 'apps_unavailable', 'this box runs no app manager');
  return apps;
}

/**
 * Who is being consented to: a new install from a path (with who signed it, whether it is a
 * bundle, and for an upgrade the installed version's publisher and the permission diff), or an
 * installed app (change = consent again).
 */
type Target =
  | {
      source: string;
      manifest: Manifest;
      trust: InstallTrust;
      bundle: boolean;
      installed?: InstallTrust;
      diff?: PermissionDiff;
    }
  | { appId: string; manifest: Manifest };

function target(c: C, values: Record<string, string>): Target | undefined {
  if (values.app) return { appId: values.app, manifest: appsOf(c).get(values.app).manifest };
  if (!values.source) return undefined;
  // inspect: an unsigned bundle is shown with why, and refused at approval unless the box is ticked
  const source = loadAppSource(values.source, undefined, { inspect: true });
  try {
    // a dashboard without an app manager still shows what the app asks (approving says why not)
    const apps = c.var.parts.apps;
    const installed = apps?.registry.findInstall(source.manifest.id);
    return {
      source: values.source,
      manifest: source.manifest,
      trust: installTrust(source.trust),
      bundle: source.trust !== 'folder',
      installed: installed ? apps?.publishers.get(installed.id) : undefined,
      diff: installed ? permissionDiff(installed.manifest, source.manifest) : undefined,
    };
  } finally {
    source.cleanup();
  }
}

/** The form's answers as `ConsentChoices`; an empty datasource declines the request. */
function choicesOf(manifest: Manifest, form: Record<string, string | string[]>): FormChoices {
  const one = (k: string) => {
    const v = form[k];
    return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
  };
  const requests: ConsentChoices['requests'] = {};
  for (const r of manifest.requests) {
    const datasource = one(`${r.name}.datasource`);
    requests[r.name] = datasource
      ? {
          datasource,
          resolution: one(`${r.name}.resolution`) || undefined,
          history: one(`${r.name}.history`) || undefined,
        }
      : { decline: true };
  }
  const dest = form.dest;
  return {
    requests,
    expires: one('expires') || DEFAULT_EXPIRY,
    destinations: dest === undefined ? [] : Array.isArray(dest) ? dest : [dest],
    exportMode: exportModeOf(one('exportMode')),
    ...(manifest.timeZone ? { timeZone: one('timeZone') === 'yes' } : {}),
  };
}

/** For a change of grants: the app's current grants and approved destinations, as they stand. */
function currentChoices(c: C, appId: string, manifest: Manifest): FormChoices {
  const apps = appsOf(c);
  const live = apps.grants(appId).filter((g) => g.revokedAt === null);
  const requests: ConsentChoices['requests'] = {};
  for (const r of manifest.requests) {
    const g = live.find((x) => x.request === r.name);
    requests[r.name] = g
      ? { datasource: g.datasource, resolution: g.resolution, history: g.history }
      : { decline: true };
  }
  let destinations: string[] = [];
  let timeZone = false;
  try {
    ({ destinations, timeZone } = apps.receipt(appId));
  } catch {
    // no receipt yet: none approved
  }
  return {
    requests,
    expires: DEFAULT_EXPIRY,
    destinations,
    timeZone,
    exportMode: c.var.parts.exports.mode(appId),
  };
}

/** Defaults for a first look: the first datasource of the kind, the resolution asked for, the history asked for, no destinations. */
function defaultChoices(c: C, manifest: Manifest): FormChoices {
  const sources = c.var.parts.store.listDatasources();
  const requests: ConsentChoices['requests'] = {};
  for (const r of manifest.requests) {
    const match = sources.find((s) => s.kind === r.kind);
    requests[r.name] = match
      ? { datasource: match.id, resolution: askedResolution(r), history: r.history }
      : { decline: true };
  }
  // a new install reviews every export until the householder says otherwise
  return { requests, expires: DEFAULT_EXPIRY, destinations: [], exportMode: 'review' };
}

/**
 * For an upgrade, the defaults with the consent that still holds: each unchanged request keeps
 * its live grant (or stays declined) and each unchanged destination its approval (as
 * `AppManager.install` keeps them), so approving without a change neither widens nor narrows
 * what was granted.
 */
function upgradeChoices(c: C, t: Extract<Target, { source: string }>): FormChoices {
  const defaults = defaultChoices(c, t.manifest);
  const apps = c.var.parts.apps;
  if (!t.diff || !apps) return defaults;
  const kept = keptChoices(apps.registry, t.manifest.id, t.diff, { requests: {} });
  const requests = { ...defaults.requests, ...kept.requests };
  // an unchanged optional request with no live grant was declined (or revoked): it stays so
  for (const r of t.diff.requests) {
    const asked = t.manifest.requests.find((x) => x.name === r.name);
    if (r.change === 'unchanged' && !(r.name in kept.requests) && asked && !asked.required)
      requests[r.name] = { decline: true };
  }
  return {
    ...defaults,
    requests,
    destinations: kept.destinations ?? [],
    timeZone: kept.timeZone ?? false,
    exportMode: c.var.parts.exports.mode(t.manifest.id),
  };
}

/** Who signed the app, and the boxes to tick for an unsigned bundle or a new publisher key. */
function publisherBlock(t: Extract<Target, { source: string }>): Html {
  const { trust, installed } = t;
  const keyChanged = installed?.signed && (!trust.signed || trust.publisher.key !== installed.publisher.key);
  return html`<div class="card" data-testid="publisher">
  ${
    trust.signed
      ? html`<p><strong>Signed</strong> by publisher key <code>${trust.publisher.fingerprint}</code>; every file matches its signed digest.</p>`
      : html`<p class="error"><strong>Not validly signed:</strong> ${trust.reason}.</p>`
  }
  ${
    !trust.signed && t.bundle
      ? html`<label class="check"><input type="checkbox" name="allowUnsigned" value="yes" form="consent"> Install although it is not validly signed</label>`
      : ''
  }
  ${
    keyChanged && installed?.signed
      ? html`<p class="error">The installed version is signed by <code>${installed.publisher.fingerprint}</code>; this one ${trust.signed ? html`by a different key` : 'is not signed'}. A new key may mean a new publisher.</p>
  <label class="check"><input type="checkbox" name="allowKeyChange" value="yes" form="consent"> Accept the new publisher key</label>`
      : ''
  }
</div>`;
}

/** "runs every day", "runs when new data arrives", "runs when you start it". */
function scheduleWords(m: Manifest, locale: string): string {
  const s = m.schedule;
  if (s.type === 'interval') return `runs ${everyWords(s.every, locale)}`;
  if (s.type === 'on-new-data')
    return `runs when new data arrives${s.minInterval ? `, at most ${everyWords(s.minInterval, locale)}` : ''}`;
  return 'runs when you start it';
}

function consentForm(c: C, t: Target, choices: FormChoices, error?: DataboxError): Html {
  const { store } = c.var.parts;
  const m = t.manifest;
  const lt = requestLocalTime();
  const sources = store.listDatasources();
  const requestBlocks = m.requests.map((r, i) => {
    const choice = choices.requests[r.name];
    const chosen = choice && !('decline' in choice) ? choice : undefined;
    const asked = askedResolution(r);
    const options = GRANT_RESOLUTIONS.filter((g) => grantResolutionError(asked, g) === null);
    const resolution = (chosen?.resolution ?? asked) as GrantResolution;
    const history = chosen?.history ?? r.history;
    const source = chosen ? sources.find((s) => s.id === chosen.datasource) : undefined;
    let preview: Html = html`<p class="muted">Declined: the app gets nothing for this request.</p>`;
    const loss = r.required ? '' : html`<p class="loss" data-testid="loss-${r.name}">${requestLoss(r)}</p>`;
    if (source && options.includes(resolution) && isIsoDuration(history)) {
      preview = consentPreview(
        store,
        { request: r, source, resolution, history, historyMs: parseIsoDuration(history) },
        `preview-${i}`,
      );
    }
    const kindSources = sources.filter((s) => s.kind === r.kind);
    return html`
<fieldset class="card request">
  <legend>${r.name}: ${riskFor(r.kind, asked).what}${r.required ? ' (required)' : ' (optional)'}</legend>
  <div class="row">
    <div><label for="${r.name}-datasource">Datasource</label>
      <select id="${r.name}-datasource" name="${r.name}.datasource" data-autosubmit>
        ${r.required ? '' : html`<option value="">Decline this request</option>`}
        ${kindSources.map((s) => html`<option value="${s.id}"${s.id === chosen?.datasource ? ' selected' : ''}>${s.id}</option>`)}
      </select>
      ${kindSources.length === 0 ? html`<p class="error">No datasource of kind ${r.kind} exists yet.</p>` : ''}</div>
    ${resolutionField(r.name, options, asked, resolution, lt.locale, finestOf(r.resolutions.map((x) => x.resolution)))}
    ${historyField(r.name, r.history, history, lt.locale)}
  </div>
  ${loss}
  ${preview}
</fieldset>`;
  });
  const dests = new Set(choices.destinations ?? []);
  const now = new Date(store.now());
  // the box's zone (its settings), the one the app would be told; never the browser's
  const zoneWords = timeZoneWords(m, readTimeSettings(store).timeZone);
  return html`
<p>${m.description}</p>
<p class="muted">${m.name} ${m.version} by ${m.author ?? 'unknown'} · runs in ${m.runtime.type === 'isolate' ? 'an isolated sandbox' : 'a container without network'} · ${scheduleWords(m, lt.locale)}</p>
${'source' in t ? publisherBlock(t) : ''}
${'source' in t && t.diff?.fromVersion ? permissionDiffBlock(t.diff) : ''}
${error ? html`<div class="error card" role="alert"><p>${error.message}</p>${error.details.length ? html`<ul>${error.details.map((d) => html`<li><code>${d.path}</code>: ${d.message}</li>`)}</ul>` : ''}</div>` : ''}
<form method="post" action="/apps/install" id="consent">
  ${csrfField(c.var.session.csrf)}
  ${'source' in t ? html`<input type="hidden" name="source" value="${t.source}">` : html`<input type="hidden" name="app" value="${t.appId}">`}
  <h2>Data the app asks for</h2>
  ${requestBlocks}
  ${zoneWords ? timeZoneField(zoneWords, choices.timeZone === true) : ''}
  <h2>Where results may be sent</h2>
  ${
    m.exports.length === 0
      ? html`<p>This app sends nothing out of your home.</p>`
      : m.exports.map(
          (e) => html`
  <fieldset class="card">
    <legend>${e.id}</legend>
    <label class="check"><input type="checkbox" name="dest" value="${e.id}"${dests.has(e.id) ? ' checked' : ''}> Allow sending to <code>${e.url}</code></label>
    <p><strong>Why:</strong> ${e.reason}</p>
    <p class="loss" data-testid="loss-${e.id}">${destinationLoss(m, e)}</p>
    <p data-testid="export-capacity"><strong>This app ${exportCapacity(e).text}.</strong> A sample of what would be sent (values invented):</p>
    <pre class="payload">${JSON.stringify(samplePayload(e.schema, now), null, 2)}</pre>
  </fieldset>`,
        )
  }
  ${m.exports.length ? exportModeField(choices.exportMode ?? 'review') : ''}
  <h2>How long</h2>
  ${expiryField(choices.expires ?? DEFAULT_EXPIRY, lt, store.now())}
  <div class="row actions">
    <button type="submit" name="intent" value="preview" class="secondary">Update preview</button>
    <button type="submit" name="intent" value="approve">Approve${'source' in t ? ' and install' : ' new grants'}</button>
    <button type="submit" name="intent" value="decline" class="secondary" formnovalidate>Decline</button>
  </div>
</form>`;
}

/**
 * `/apps/install`: consent. Per request the householder picks the datasource, resolution and
 * history and sees exactly what the app would get beside what can be inferred at that resolution;
 * approves destinations seeing each reason and a sample payload; picks an expiry; approves or
 * declines. `?app=<id>` changes an installed app's grants the same way (consent again).
 */
export function installPages(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.get('/', (c) => {
    const q = c.req.query();
    const t = target(c, q);
    if (!t) {
      return render(
        c,
        'Install an app',
        html`
<form method="get" action="/apps/install" class="card narrow">
  <label for="source">App folder or .tgz on this box</label>
  <input id="source" name="source" required placeholder="/home/me/apps/energy-insights">
  <button type="submit">Read its request</button>
</form>`,
      );
    }
    const title = 'source' in t ? `Install ${t.manifest.name}` : `Change what ${t.manifest.name} may see`;
    const choices = 'appId' in t ? currentChoices(c, t.appId, t.manifest) : upgradeChoices(c, t);
    return render(c, title, consentForm(c, t, choices), { charts: true });
  });

  app.post('/', async (c) => {
    const form = (await c.req.parseBody({ all: true })) as Record<string, string | string[]>;
    const values = { source: text(form, 'source'), app: text(form, 'app') };
    const t = target(c, values);
    if (!t) throw new DataboxError(400, 'bad_request', 'source: say which app to install');
    const choices = choicesOf(t.manifest, form);
    const intent = text(form, 'intent');
    const title = 'source' in t ? `Install ${t.manifest.name}` : `Change what ${t.manifest.name} may see`;
    if (intent === 'decline') {
      c.var.parts.store.audit.append({
        actor: 'user',
        action: 'app.decline',
        subject: t.manifest.id,
        details: { version: t.manifest.version, via: 'web' },
      });
      return redirectDone(
        c,
        '/apps',
        `You declined ${t.manifest.name}; ${'source' in t ? 'nothing was installed' : 'its grants are unchanged'}.`,
      );
    }
    if (intent === 'approve') {
      try {
        const result =
          'source' in t
            ? appsOf(c).install(t.source, choices, 'web', {
                allowUnsigned: text(form, 'allowUnsigned') === 'yes',
                allowKeyChange: text(form, 'allowKeyChange') === 'yes',
              })
            : appsOf(c).grant(t.appId, choices, 'web');
        // in the same turn of the event loop as the install: no scheduled run starts in between
        if (t.manifest.exports.length > 0 && choices.exportMode)
          c.var.parts.exports.setMode(result.app.id, choices.exportMode);
        return redirectDone(
          c,
          `/apps/${result.app.id}`,
          `Consent recorded (receipt ${result.consent.receiptId}).`,
        );
      } catch (error) {
        if (!(error instanceof DataboxError) || error.status !== 400) throw error;
        c.status(400);
        return render(c, title, consentForm(c, t, choices, error), { charts: true });
      }
    }
    return render(c, title, consentForm(c, t, choices), { charts: true });
  });

  return app;
}
