import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { html, raw } from 'hono/html';
import { importGreenButton } from '../../../drivers/imports/greenbutton-import.ts';
import { importOctopus } from '../../../drivers/imports/octopus-import.ts';
import { BadRequestError, DataboxError } from '../../errors.ts';
import { text } from '../html/form-values.ts';
import { csrfField, type Html, redirectDone, render, time } from '../html/page.ts';
import type { WebEnv } from '../web-env.ts';

function manager(c: { var: WebEnv['Variables'] }) {
  const drivers = c.var.parts.drivers;
  if (!drivers) throw new DataboxError(503, 'drivers_unavailable', 'this box runs no driver manager');
  return drivers;
}

/** A labelled input; `attrs` is trusted markup written in this file, never user input. */
function field(id: string, label: string, attrs = '', hint = ''): Html {
  return html`<label for="${id}">${label}</label><input id="${id}" name="${id.replace(/^[a-z0-9]+-/, '')}" ${raw(attrs)}>${hint ? html`<small>${hint}</small>` : ''}`;
}

/** The config a form describes, without the fields left empty (the audit log takes JSON only). */
function configFromForm(type: string, form: Record<string, unknown>): Record<string, unknown> {
  const config = formConfig(type, form);
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
}

/** The config a form describes, by driver type. Advanced JSON, when given, is used as it is. */
function formConfig(type: string, form: Record<string, unknown>): Record<string, unknown> {
  const advanced = text(form, 'json');
  if (advanced) {
    try {
      return JSON.parse(advanced) as Record<string, unknown>;
    } catch (error) {
      throw new BadRequestError(`json: not valid JSON (${(error as Error).message})`);
    }
  }
  const num = (name: string) => (text(form, name) === '' ? undefined : Number(text(form, name)));
  const opt = (name: string) => text(form, name) || undefined;
  if (type === 'simulator')
    return {
      seed: num('seed') ?? 1,
      backfill: opt('backfill'),
      live: form.live === 'on',
      prefix: opt('prefix'),
    };
  if (type === 'mqtt') {
    const topics = text(form, 'topics');
    return {
      url: text(form, 'url'),
      username: opt('username'),
      password: opt('password'),
      ...(topics
        ? {
            topics: topics
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          }
        : {}),
    };
  }
  if (type === 'dsmr')
    return {
      source: text(form, 'source'),
      device: opt('device'),
      host: opt('host'),
      port: num('port'),
      prefix: opt('prefix'),
    };
  throw new BadRequestError(`type: unknown driver type "${type}"`);
}

function addForms(csrf: string): Html {
  return html`
<div class="grid">
<form method="post" action="/drivers" class="card"><h3>Household simulator</h3>${csrfField(csrf)}<input type="hidden" name="type" value="simulator">
  ${field('sim-id', 'Name', 'value="sim" required pattern="[a-z0-9][a-z0-9_-]{0,31}"')}
  ${field('sim-seed', 'Seed (any whole number)', 'type="number" value="1" required')}
  ${field('sim-backfill', 'Backfill history (ISO 8601, e.g. P7D)', 'value="P7D"')}
  <label class="check"><input type="checkbox" name="live" checked> Keep producing live readings</label>
  <button type="submit">Add simulator</button></form>
<form method="post" action="/drivers" class="card"><h3>MQTT broker</h3>${csrfField(csrf)}<input type="hidden" name="type" value="mqtt">
  ${field('mqtt-id', 'Name', 'value="mqtt" required')}
  ${field('mqtt-url', 'Broker URL', 'value="mqtt://127.0.0.1:1883" required')}
  ${field('mqtt-username', 'Username (optional)', 'autocomplete="off"')}
  ${field('mqtt-password', 'Password (optional)', 'type="password" autocomplete="new-password"')}
  ${field('mqtt-topics', 'Topics (comma separated; empty for the defaults)', '')}
  <button type="submit">Add MQTT</button></form>
<form method="post" action="/drivers" class="card"><h3>P1 smart meter port (DSMR)</h3>${csrfField(csrf)}<input type="hidden" name="type" value="dsmr">
  ${field('p1-id', 'Name', 'value="p1" required')}
  <label for="p1-source">Connection</label><select id="p1-source" name="source"><option value="serial">Serial cable</option><option value="tcp">Network dongle (TCP)</option></select>
  ${field('p1-device', 'Serial device', 'placeholder="/dev/ttyUSB0"')}
  ${field('p1-host', 'Dongle host', 'placeholder="192.168.1.50"')}
  ${field('p1-port', 'Dongle port', 'type="number" placeholder="23"')}
  <button type="submit">Add P1</button></form>
</div>
<details class="card"><summary>Advanced: any driver type with its config as JSON</summary>
<form method="post" action="/drivers">${csrfField(csrf)}
  ${field('adv-id', 'Name', 'required')}
  <label for="adv-type">Type</label><select id="adv-type" name="type"><option>mqtt</option><option>dsmr</option><option>simulator</option></select>
  <label for="adv-json">Config (JSON)</label><textarea id="adv-json" name="json" rows="5">{}</textarea>
  <button type="submit">Add driver</button></form></details>`;
}

/** `/drivers`: instances with status and last error; add (simulator, MQTT, P1); enable/disable/remove; file import with progress. */
export function driverPages(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.get('/', (c) => {
    const csrf = c.var.session.csrf;
    const drivers = manager(c).list();
    const body = html`
<section aria-labelledby="h-list"><h2 id="h-list">Drivers</h2>
${drivers.length === 0 ? html`<p>No drivers yet.</p>` : ''}
<div class="grid">${drivers.map(
      (d) => html`
<article class="card" id="driver-${d.id}"><h3>${d.id} <small>(${d.type})</small></h3>
  <p>State: <span class="state state-${d.status.state}">${d.status.state}</span>${d.enabled ? '' : ' (disabled)'} · restarts ${d.status.restarts}${d.status.lastReadingAt ? html` · last reading ${time(d.status.lastReadingAt)}` : ''}</p>
  ${d.status.lastError ? html`<p class="error">Last error ${time(d.status.lastError.at)}: ${d.status.lastError.message}</p>` : ''}
  <p class="muted">${Object.entries(d.status.counters)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ')}</p>
  <details><summary>Config</summary><pre>${JSON.stringify(d.config, null, 2)}</pre></details>
  <div class="row">
  <form method="post" action="/drivers/${d.id}/${d.enabled ? 'disable' : 'enable'}">${csrfField(csrf)}<button type="submit">${d.enabled ? 'Disable' : 'Enable'}</button></form>
  <form method="post" action="/drivers/${d.id}/remove" data-confirm="Remove driver ${d.id}? Its data stays.">${csrfField(csrf)}<button type="submit" class="danger">Remove</button></form>
  </div>
</article>`,
    )}</div></section>
<section aria-labelledby="h-add"><h2 id="h-add">Add a driver</h2>${addForms(csrf)}</section>
<section aria-labelledby="h-import"><h2 id="h-import">Import a file</h2>
<form method="post" action="/drivers/import" enctype="multipart/form-data" class="card" data-upload>
  ${csrfField(csrf)}
  <label for="format">What kind of file</label>
  <select id="format" name="format"><option value="greenbutton">Green Button "Download My Data" (XML)</option><option value="octopus">Octopus Energy consumption (CSV or API JSON)</option></select>
  <label for="file">File</label><input id="file" name="file" type="file" required accept=".xml,.csv,.json,text/xml,text/csv,application/json">
  <progress max="100" value="0" hidden aria-label="Upload progress"></progress> <span class="upload-status" role="status"></span>
  <button type="submit">Upload and import</button>
</form></section>`;
    return render(c, 'Drivers', body);
  });

  app.post('/', async (c) => {
    const form = await c.req.parseBody();
    const type = text(form, 'type');
    const view = await manager(c).add(
      { id: text(form, 'id') || undefined, type, config: configFromForm(type, form) },
      'user',
    );
    return redirectDone(c, '/drivers', `Driver ${view.id} added (${view.status.state}).`);
  });

  for (const action of ['enable', 'disable'] as const)
    app.post(`/:id/${action}`, async (c) => {
      const view = await manager(c).update(c.req.param('id'), { enabled: action === 'enable' }, 'user');
      return redirectDone(c, '/drivers', `Driver ${view.id} ${action}d.`);
    });

  app.post('/:id/remove', async (c) => {
    await manager(c).remove(c.req.param('id'), 'user');
    return redirectDone(c, '/drivers', `Driver ${c.req.param('id')} removed; its data stays.`);
  });

  app.post('/import', async (c) => {
    const form = await c.req.parseBody();
    const format = text(form, 'format');
    const file = form.file;
    if (!(file instanceof File) || file.size === 0)
      throw new BadRequestError('file: choose a file to import');
    if (format !== 'greenbutton' && format !== 'octopus')
      throw new BadRequestError(`format: "${format}" is not greenbutton or octopus`);
    const dir = mkdtempSync(join(tmpdir(), 'databox-upload-'));
    try {
      const path = join(dir, 'upload');
      writeFileSync(path, new Uint8Array(await file.arrayBuffer()));
      const { store } = c.var.parts;
      const summary =
        format === 'greenbutton' ? await importGreenButton(store, path) : await importOctopus(store, path);
      store.audit.append({
        actor: 'user',
        action: 'import.file',
        subject: file.name.slice(0, 200),
        details: {
          format,
          bytes: file.size,
          datasources: summary.datasources,
          written: summary.written,
          duplicates: summary.duplicates,
          errors: summary.errors.length,
        },
      });
      const bad = summary.errors.length
        ? `; ${summary.errors.length} bad rows (first: ${summary.errors[0].path}: ${summary.errors[0].message})`
        : '';
      return redirectDone(
        c,
        '/drivers',
        `Imported ${file.name}: ${summary.written} readings into ${summary.datasources.join(', ') || 'no datasource'}, ${summary.duplicates} already stored${bad}.`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  return app;
}
