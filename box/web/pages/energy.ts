import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { streamSSE } from 'hono/streaming';
import {
  findSources,
  PERIODS,
  type Period,
  type PeriodView,
  periodView,
} from '../../energy/energy-summary.ts';
import { readTariff } from '../../energy/tariff.ts';
import { BadRequestError } from '../../errors.ts';
import { LocalCalendar } from '../../time/calendar.ts';
import type { LocalTime } from '../../time/local-time.ts';
import { boxLocalTime } from '../../time/time-settings.ts';
import { chartData, type Html, render } from '../html/page.ts';
import type { WebEnv } from '../web-env.ts';
import { energySettings } from './energy-settings.ts';

const CAL = { day: '1d', week: '1w', month: '1mo', year: '1y' } as const;
const LABEL: Record<Period, [string, string]> = {
  day: ['Today', 'Yesterday'],
  week: ['This week', 'Last week'],
  month: ['This month', 'Last month'],
  year: ['This year', 'Last year'],
};

// number formats made once per locale (each costs ~0.04 ms to make, and a page formats dozens)
const formats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale} ${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) {
    if (formats.size >= 64) formats.clear();
    format = new Intl.NumberFormat(locale, options);
    formats.set(key, format);
  }
  return format;
}

function kwh(lt: LocalTime, v: number): string {
  return `${numberFormat(lt.locale, { maximumFractionDigits: v < 10 ? 2 : 1 }).format(v)} kWh`;
}

function money(lt: LocalTime, v: number, currency: string): string {
  return numberFormat(lt.locale, { style: 'currency', currency }).format(v);
}

/** The name of a period in the box's locale: `Sun 25 Oct`, `week of 19 Oct`, `October 2026`, `2026`. */
function periodName(lt: LocalTime, period: Period, start: number): string {
  if (period === 'day') return lt.date(start);
  if (period === 'week') return `week of ${lt.date(start)}`;
  if (period === 'month') return lt.month(start);
  return new Intl.DateTimeFormat(lt.locale, { timeZone: lt.timeZone, year: 'numeric' }).format(start);
}

function barLabel(lt: LocalTime, period: Period, t: number): string {
  if (period === 'day') return lt.time(t);
  if (period === 'year') return lt.month(t);
  return lt.weekday(t);
}

function summaryCards(lt: LocalTime, views: Array<[Period, PeriodView]>): Html {
  return html`<div class="grid energy-totals">${views.map(
    ([period, v]) => html`<section class="card" aria-labelledby="total-${period}">
      <h2 id="total-${period}">${LABEL[period][0]}</h2>
      <p class="big" data-total="${period}" data-kwh="${v.importTotal}">${kwh(lt, v.importTotal)}</p>
      ${v.cost ? html`<p data-cost="${period}">${money(lt, v.cost.now, v.cost.currency)}</p>` : ''}
      <p class="muted">${LABEL[period][1]} to the same point: ${kwh(lt, v.previousTotal)}${v.cost ? html`, ${money(lt, v.cost.previous, v.cost.currency)}` : ''}</p>
      ${v.exportTotal !== undefined ? html`<p>Returned to the grid: ${kwh(lt, v.exportTotal)}</p>` : ''}
    </section>`,
  )}</div>`;
}

function periodSection(lt: LocalTime, period: Period, at: number, v: PeriodView): Html {
  const cal = LocalCalendar.of(lt.timeZone);
  const prev = lt.input(cal.shift(v.start, CAL[period], -1)).slice(0, 10);
  const next = lt.input(cal.shift(v.start, CAL[period], 1)).slice(0, 10);
  const exportByT = new Map(v.export.map((b) => [b.t, b.v]));
  const chart = {
    series: [
      { label: 'Used', unit: 'kWh', bars: true },
      ...(v.export.length ? [{ label: 'Returned', unit: 'kWh', bars: true }] : []),
    ],
    x: v.import.map((b) => b.t / 1000),
    ys: [
      v.import.map((b) => b.v),
      ...(v.export.length ? [v.import.map((b) => exportByT.get(b.t) ?? null)] : []),
    ],
    // the whole period, so today's first hours sit at the left of a day, not across the chart
    range: [v.start / 1000, v.end / 1000],
    timeZone: lt.timeZone,
    locale: lt.locale,
  };
  const zone = lt.zoneCaption(v.start);
  return html`<section aria-labelledby="h-period" class="card">
  <h2 id="h-period">${periodName(lt, period, v.start)}: ${kwh(lt, v.importTotal)}</h2>
  <nav aria-label="Period" class="quick">${PERIODS.map((p) => html`<a href="/energy?period=${p}&at=${lt.input(at).slice(0, 10)}"${p === period ? html` aria-current="page"` : ''}>${p[0].toUpperCase()}${p.slice(1)}</a> `)}
    · <a href="/energy?period=${period}&at=${prev}" rel="prev">Previous</a> <a href="/energy?period=${period}&at=${next}" rel="next">Next</a></nav>
  <figure class="chart-box"><div class="chart" data-chart="energy-bars" aria-hidden="true"></div>${chartData('energy-bars', chart)}
  <figcaption>kWh used per ${period === 'day' ? 'hour' : period === 'year' ? 'month' : 'day'}, ${zone}; the same stretch last time: ${kwh(lt, v.previousTotal)}${v.exportTotal !== undefined ? html`; returned ${kwh(lt, v.exportTotal)}` : ''}.</figcaption></figure>
  <details><summary>Table of these values</summary><div class="scroll"><table>
    <thead><tr><th scope="col">${period === 'day' ? `Hour (${zone})` : period === 'year' ? 'Month' : 'Day'}</th><th scope="col">Used (kWh)</th>${v.export.length ? html`<th scope="col">Returned (kWh)</th>` : ''}</tr></thead>
    <tbody>${v.import.map((b) => html`<tr><td><time datetime="${lt.iso(b.t)}">${barLabel(lt, period, b.t)}</time></td><td class="num" data-bar="${b.t}">${b.v.toFixed(3)}</td>${v.export.length ? html`<td class="num">${(exportByT.get(b.t) ?? 0).toFixed(3)}</td>` : ''}</tr>`)}</tbody>
  </table></div></details>
</section>`;
}

function breakdown(lt: LocalTime, v: PeriodView): Html {
  if (v.devices.length === 0 && v.gas.length === 0) return html``;
  return html`<div class="grid">
  ${
    v.devices.length
      ? html`<section class="card" aria-labelledby="h-devices"><h2 id="h-devices">Devices</h2><table><tbody>
    ${v.devices.map((d) => html`<tr><th scope="row"><a href="/data/${d.source.id}">${d.name}</a>${d.room ? html` <span class="muted">${d.room}</span>` : ''}</th><td class="num">${kwh(lt, d.total)}</td></tr>`)}
    ${v.untracked !== undefined ? html`<tr><th scope="row">Not tracked by a device</th><td class="num">${kwh(lt, v.untracked)}</td></tr>` : ''}
  </tbody></table></section>`
      : ''
  }
  ${v.gas.length ? html`<section class="card" aria-labelledby="h-gas"><h2 id="h-gas">Gas</h2><ul class="plain">${v.gas.map((g) => html`<li>${g.source.id}: ${numberFormat(lt.locale, { maximumFractionDigits: 2 }).format(g.total)} ${g.source.unit}</li>`)}</ul></section>` : ''}
</div>`;
}

/**
 * The energy screen's handler: mounted at `/energy`, and served at `/` itself for a household
 * with a meter (the home screen; Overview is then at `/overview`).
 */
export function energyScreen(c: Context<WebEnv>): Response | Promise<Response> {
  const { store } = c.var.parts;
  const lt = boxLocalTime(store);

  const sources = findSources(store);
  const now = store.now();
  const q = c.req.query();
  const period = (PERIODS as readonly string[]).includes(q.period ?? '') ? (q.period as Period) : 'day';
  const at = q.at ? lt.parseWall(q.at) : now;
  if (at === undefined) throw new BadRequestError(`at: "${q.at}" is not a date such as 2026-10-25`);
  const tariff = readTariff(store);
  if (!sources.import)
    return render(
      c,
      'Energy',
      html`<p>No electricity meter yet: add a P1 meter or a simulator on <a href="/drivers">Drivers</a>, or import an Octopus or Green Button file.</p><p><a href="/energy/settings">Time zone, locale and tariff</a></p>`,
      { path: '/energy' },
    );
  // the cards show totals only; the running period shown below is read in full once, for both
  const shownNow = at === now;
  const cards = PERIODS.map(
    (p) =>
      [
        p,
        periodView(store, sources, p, now, lt.timeZone, tariff, shownNow && p === period ? 'full' : 'totals'),
      ] as [Period, PeriodView],
  );
  // without `at` the period shown is the running one its card already read: reuse it
  const card = cards.find(([p]) => p === period);
  const view = shownNow && card ? card[1] : periodView(store, sources, period, at, lt.timeZone, tariff);
  const live = sources.power
    ? html`<p class="card" aria-live="polite">Using now: <strong data-live="/energy/live">${(() => {
        const r = store.latest(sources.power.id);
        return r ? `${Math.round(r.v)} W` : '—';
      })()}</strong> <span class="muted">(updates by itself)</span></p>`
    : '';
  const body = html`${live}${summaryCards(lt, cards)}${periodSection(lt, period, at, view)}${breakdown(lt, view)}
<p class="muted">Times in ${lt.zoneCaption(now)}. ${tariff ? html`Cost at your ${tariff.kind} tariff in ${tariff.currency}, standing charge included.` : 'Set a tariff to see what it cost.'} <a href="/energy/settings">Time zone, locale and tariff</a></p>`;
  return render(c, 'Energy', body, { charts: true, path: '/energy' });
}

/** `/energy`: the household's energy in local time: totals, bars per period, cost, devices, live power. */
export function energyPages(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.route('/settings', energySettings());

  app.get('/', energyScreen);

  // live power, pushed every 2 s as server-sent events: the page updates without a reload
  app.get('/live', (c) => {
    const { store } = c.var.parts;
    const power = findSources(store).power;
    return streamSSE(c, async (stream) => {
      let last = -1;
      while (!stream.aborted && power) {
        const r = store.latest(power.id);
        if (r && r.t !== last) {
          last = r.t;
          await stream.writeSSE({ event: 'power', data: JSON.stringify({ t: r.t, w: Math.round(r.v) }) });
        }
        await stream.sleep(2000);
      }
    });
  });

  return app;
}
