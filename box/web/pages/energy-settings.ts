import { Hono } from 'hono';
import { html } from 'hono/html';
import { readTariff, saveTariff } from '../../energy/tariff.ts';
import { readTimeSettings, saveTimeSettings } from '../../time/time-settings.ts';
import { text } from '../html/form-values.ts';
import { csrfField, redirectDone, render } from '../html/page.ts';
import type { WebEnv } from '../web-env.ts';

const num = (form: Record<string, unknown>, name: string): number | undefined => {
  const v = text(form, name);
  return v === '' ? undefined : Number(v.replace(',', '.'));
};

/** `/energy/settings`: the box's time zone and locale, and the electricity tariff. */
export function energySettings(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.get('/', (c) => {
    const { store } = c.var.parts;
    const time = readTimeSettings(store);
    const t = readTariff(store);
    const periods = (t?.periods ?? []).map((p) => `${p.from}-${p.to}=${p.rate}`).join(', ');
    const csrf = csrfField(c.var.session.csrf);
    const kinds = [
      ['flat', 'Flat: one rate'],
      ['day-night', 'Day/night (Economy 7)'],
      ['time-of-use', 'Time of use (periods)'],
      ['series', 'Price series (Octopus Agile import)'],
    ];
    const prices = store.listDatasources().filter((d) => d.kind.startsWith('price.'));
    const body = html`<div class="grid">
<form method="post" action="/energy/settings/time" class="card">
  <h2>Time zone and locale</h2>${csrf}
  <label for="tz">Time zone (IANA; now ${time.timeZone}, from the ${time.source.timeZone})</label>
  <input id="tz" name="timeZone" value="${time.source.timeZone === 'setting' ? time.timeZone : ''}" placeholder="${time.timeZone}">
  <label for="locale">Locale (now ${time.locale}, from the ${time.source.locale})</label>
  <input id="locale" name="locale" value="${time.source.locale === 'setting' ? time.locale : ''}" placeholder="${time.locale}">
  <p class="muted">Empty uses config.json's timeZone / locale, else the system's. Days, weeks, months and every date shown follow them.</p>
  <button type="submit">Save</button>
</form>
<form method="post" action="/energy/settings/tariff" class="card">
  <h2>Electricity tariff</h2>${csrf}
  <label for="kind">Kind</label><select id="kind" name="kind">${kinds.map(([k, label]) => html`<option value="${k}"${t?.kind === k ? ' selected' : ''}>${label}</option>`)}</select>
  <label for="currency">Currency (ISO 4217)</label><input id="currency" name="currency" value="${t?.currency ?? 'GBP'}" pattern="[A-Z]{3}">
  <label for="rate">Rate per kWh (day rate; outside periods; where the series has none)</label><input id="rate" name="rate" inputmode="decimal" value="${t?.rate ?? ''}" required>
  <label for="standing">Standing charge per day</label><input id="standing" name="standingPerDay" inputmode="decimal" value="${t?.standingPerDay ?? 0}">
  <label for="night">Night rate per kWh</label><input id="night" name="nightRate" inputmode="decimal" value="${t?.nightRate ?? ''}">
  <label for="nf">Night from (local)</label><input id="nf" name="nightFrom" value="${t?.nightFrom ?? '00:30'}">
  <label for="nt">Night to (local)</label><input id="nt" name="nightTo" value="${t?.nightTo ?? '07:30'}">
  <label for="periods">Periods, e.g. 16:00-19:00=0.42, 00:00-04:00=0.08</label><input id="periods" name="periods" value="${periods}">
  <label for="ps">Price datasource</label><select id="ps" name="priceSource"><option value="">—</option>${prices.map((d) => html`<option value="${d.id}"${t?.priceSource === d.id ? ' selected' : ''}>${d.id}</option>`)}</select>
  <button type="submit">Save tariff</button>
</form></div>`;
    return render(c, 'Energy settings', body);
  });

  app.post('/time', async (c) => {
    const form = await c.req.parseBody();
    const saved = saveTimeSettings(c.var.parts.store, {
      timeZone: text(form, 'timeZone'),
      locale: text(form, 'locale'),
    });
    return redirectDone(
      c,
      '/energy/settings',
      `Times are now shown in ${saved.timeZone}, formatted for ${saved.locale}.`,
    );
  });

  app.post('/tariff', async (c) => {
    const form = await c.req.parseBody();
    const kind = text(form, 'kind');
    const periods = text(form, 'periods')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '')
      .map((p) => {
        const m = /^(\d\d:\d\d)-(\d\d:\d\d)=([\d.]+)$/.exec(p);
        return m ? { from: m[1], to: m[2], rate: Number(m[3]) } : { from: p, to: '', rate: Number.NaN };
      });
    const tariff = saveTariff(c.var.parts.store, {
      kind,
      currency: text(form, 'currency'),
      rate: num(form, 'rate'),
      standingPerDay: num(form, 'standingPerDay') ?? 0,
      ...(kind === 'day-night'
        ? {
            nightRate: num(form, 'nightRate'),
            nightFrom: text(form, 'nightFrom'),
            nightTo: text(form, 'nightTo'),
          }
        : {}),
      ...(kind === 'time-of-use' ? { periods } : {}),
      ...(kind === 'series' ? { priceSource: text(form, 'priceSource') } : {}),
    });
    return redirectDone(c, '/energy', `Tariff saved: ${tariff.kind}, ${tariff.currency}.`);
  });
  return app;
}
