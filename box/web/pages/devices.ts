import { Hono } from 'hono';
import { html } from 'hono/html';
import { type Device, DeviceRegistry } from '../../devices/device-registry.ts';
import { text } from '../html/form-values.ts';
import { csrfField, type Html, redirectDone, render } from '../html/page.ts';
import type { WebEnv } from '../web-env.ts';

/** What a device measures, in a few words: `power, energy, voltage`. */
function measures(device: Device): string {
  const words = device.datasources.map((s) =>
    s.kind
      .split('.')
      .filter((p) => p !== 'electricity')
      .join(' '),
  );
  return [...new Set(words)].join(', ');
}

function deviceCard(device: Device, csrf: string, n: number): Html {
  return html`<li class="card device" data-device="${device.id}">
  <h3 id="dev-${n}">${device.name}${device.named ? '' : html` <span class="muted">(default name)</span>`}</h3>
  <p class="muted">${measures(device)} · <code>${device.id}</code></p>
  <details><summary>${device.datasources.length} datasource${device.datasources.length === 1 ? '' : 's'}</summary><ul class="plain">
    ${device.datasources.map((s) => html`<li><a href="/data/${s.id}">${s.id}</a> <span class="muted">${s.kind}, ${s.unit || 'no unit'}</span></li>`)}
  </ul></details>
  <form method="post" action="/devices/${device.id}" class="row" aria-labelledby="dev-${n}">${csrfField(csrf)}
    <div><label for="name-${n}">Name</label><input id="name-${n}" name="name" maxlength="64" value="${device.named ? device.name : ''}" placeholder="${device.name}"></div>
    <div><label for="room-${n}">Room</label><input id="room-${n}" name="room" maxlength="64" list="rooms" value="${device.roomSet ? device.room : ''}" placeholder="${device.room || 'none'}"></div>
    <div><button type="submit">Save</button></div>
  </form>
</li>`;
}

/**
 * `/devices`: datasources grouped into devices (a plug's power, energy, voltage and current are
 * one), by room, each with a form to name it and set its room. Ids never change; names and rooms
 * are labels the Energy screen and the activity feed show.
 */
export function devicePages(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.get('/', (c) => {
    const devices = new DeviceRegistry(c.var.parts.store).list();
    const csrf = c.var.session.csrf;
    const rooms = [...new Set(devices.map((d) => d.room).filter(Boolean))];
    const groups = new Map<string, Device[]>();
    for (const d of devices) groups.set(d.room, [...(groups.get(d.room) ?? []), d]);
    let n = 0;
    const body = devices.length
      ? html`<p>Each device is one thing in your home; its datasources keep their ids. An empty name or room puts the default back.</p>
<datalist id="rooms">${rooms.map((r) => html`<option value="${r}"></option>`)}</datalist>
${[...groups].map(
  (
    [room, list],
    g,
  ) => html`<section aria-labelledby="room-h-${g}"><h2 id="room-h-${g}">${room || 'No room yet'}</h2>
  <ul class="plain grid">${list.map((d) => deviceCard(d, csrf, n++))}</ul></section>`,
)}`
      : html`<p>No devices yet. <a href="/drivers">Add a driver</a> or import a meter file; its datasources appear here grouped by device.</p>`;
    return render(c, 'Devices', body);
  });

  app.post('/:id', async (c) => {
    const form = await c.req.parseBody();
    const id = c.req.param('id');
    const device = new DeviceRegistry(c.var.parts.store).update(
      id,
      { name: text(form, 'name'), room: text(form, 'room') },
      'user',
    );
    return redirectDone(c, '/devices', `Saved: ${device.name}${device.room ? ` in ${device.room}` : ''}.`);
  });

  return app;
}
