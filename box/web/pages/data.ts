import { Hono } from 'hono';
import { html } from 'hono/html';
import { aggregateWords, naturalAggregate } from '../../energy/natural-aggregate.ts';
import { BadRequestError } from '../../errors.ts';
import { RESOLUTION_MS, type Resolution } from '../../store/types.ts';
import { BOX_READ_RESOLUTIONS, type BoxReadResolution, readForPerson } from '../../time/calendar-read.ts';
import { boxLocalTime } from '../../time/time-settings.ts';
import { isIsoDuration } from '../../util/iso-duration.ts';
import { chartTable } from '../html/chart-table.ts';
import { parseLocal, text } from '../html/form-values.ts';
import { chartData, csrfField, redirectDone, render } from '../html/page.ts';
import { fmt } from '../html/sparkline.ts';
import type { WebEnv } from '../web-env.ts';

const DAY = 86_400_000;
const BUCKET_SECONDS: Record<Exclude<BoxReadResolution, 'raw'>, number> = {
  '1min': 60,
  '5min': 300,
  '15min': 900,
  '30min': 1800,
  '1h': 3600,
  '1d': 86_400,
  '1w': 7 * 86_400,
  '1mo': 30 * 86_400,
  '1y': 365 * 86_400,
};
/** Rows drawn at most; a finer read over a long range is refused with a hint to pick a coarser one. */
const MAX_POINTS = 20_000;

/** The finest resolution that draws `[from, to)` in at most MAX_POINTS buckets. */
function autoResolution(from: number, to: number): Resolution {
  for (const r of ['1min', '5min', '15min', '30min', '1h', '1d'] as const)
    if ((to - from) / RESOLUTION_MS[r] <= MAX_POINTS) return r;
  return '1d';
}

/** `/data`: a chart per datasource at any resolution with a range picker; erase a range; retention. */
export function dataPages(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.get('/', (c) => {
    const list = c.var.parts.store.listDatasources();
    return render(
      c,
      'Data',
      html`<ul class="plain">${list.map((d) => html`<li><a href="/data/${d.id}">${d.id}</a> — ${d.kind}, ${d.unit || d.valueType}${d.description ? html` <span class="muted">${d.description}</span>` : ''}</li>`)}</ul>
      ${list.length === 0 ? html`<p>No datasources yet.</p>` : ''}`,
    );
  });

  app.get('/:id', (c) => {
    const { store } = c.var.parts;
    const d = store.getDatasource(c.req.param('id'));
    const lt = boxLocalTime(store);
    const now = store.now();
    const q = c.req.query();
    const to = q.to ? parseLocal(lt, q.to, 'to') : now;
    const from = q.from ? parseLocal(lt, q.from, 'from') : to - DAY;
    if (from >= to) throw new BadRequestError(`from (${lt.input(from)}) must be before to (${lt.input(to)})`);
    const resolution = (BOX_READ_RESOLUTIONS as readonly string[]).includes(q.resolution ?? '')
      ? (q.resolution as BoxReadResolution)
      : autoResolution(from, to);
    const numeric = d.valueType === 'gauge' || d.valueType === 'counter';
    // the kind's natural aggregate: kWh used for a register, summed interval energy, else the mean
    const aggregate = naturalAggregate(d.kind, d.valueType);
    const rows = numeric
      ? readForPerson(store, d.id, { from, to, resolution, aggregate, limit: MAX_POINTS }).rows
      : [];
    const truncated = rows.length >= MAX_POINTS;
    const per = resolution === 'raw' ? 'raw readings' : `${aggregateWords(aggregate)} per ${resolution}`;
    const bars = resolution !== 'raw' && aggregate !== 'mean';
    const zone = lt.zoneCaption(to);
    const chart = {
      series: [{ label: `${d.id} (${per})`, unit: d.unit, bars }],
      x: rows.map((r) => r.t / 1000),
      ys: [rows.map((r) => r.v)],
      // one bucket's width, so a single bar has its size (calendar buckets vary; near enough)
      bucket: resolution === 'raw' ? undefined : BUCKET_SECONDS[resolution],
      timeZone: lt.timeZone,
      locale: lt.locale,
    };
    const body = html`
<p>${d.kind} · ${d.unit || d.valueType} · ${d.description}</p>
<form method="get" action="/data/${d.id}" class="row card" aria-label="Range">
  <div><label for="from">From (${zone})</label><input id="from" name="from" type="datetime-local" value="${lt.input(from)}"></div>
  <div><label for="to">To (${zone})</label><input id="to" name="to" type="datetime-local" value="${lt.input(to)}"></div>
  <div><label for="resolution">Resolution</label><select id="resolution" name="resolution">
    ${BOX_READ_RESOLUTIONS.map((r) => html`<option value="${r}"${r === resolution ? ' selected' : ''}>${r}</option>`)}
  </select></div>
  <div><button type="submit">Show</button></div>
  <div class="quick">${[
    ['Day', DAY],
    ['Week', 7 * DAY],
    ['Month', 30 * DAY],
  ].map(
    ([name, span]) =>
      html`<a href="/data/${d.id}?from=${lt.input(now - (span as number))}&to=${lt.input(now)}">${name}</a> `,
  )}</div>
</form>
${
  numeric
    ? html`<figure class="chart-box"><div class="chart" data-chart="chart-${d.id}" aria-hidden="true"></div>${chartData(`chart-${d.id}`, chart)}
<figcaption>${rows.length} ${per} (${d.unit}) from ${lt.dateTime(from)} to ${lt.dateTime(to)}, ${zone}${truncated ? html` — <strong>only the first ${MAX_POINTS} shown; pick a coarser resolution</strong>` : ''}${rows.length ? html`; min ${fmt(Math.min(...chart.ys[0]))}, max ${fmt(Math.max(...chart.ys[0]))} ${d.unit}${aggregate !== 'mean' ? html`, total ${fmt(chart.ys[0].reduce((a, b) => a + b, 0))} ${d.unit}` : ''}` : ''}</figcaption></figure>
${chartTable({ series: [{ label: per, unit: d.unit }], x: chart.x, ys: chart.ys }, { timeHeading: 'From', lt })}`
    : html`<p>This datasource holds ${d.valueType} values; there is no chart.</p>`
}
<div class="grid">
<form method="post" action="/data/${d.id}/erase" class="card danger" data-confirm="Erase every reading of ${d.id} in this range? This cannot be undone.">
  <h2>Erase a range</h2>
  ${csrfField(c.var.session.csrf)}
  <label for="erase-from">From (${zone})</label><input id="erase-from" name="from" type="datetime-local" value="${lt.input(from)}" required>
  <label for="erase-to">To (${zone})</label><input id="erase-to" name="to" type="datetime-local" value="${lt.input(to)}" required>
  <label class="check"><input type="checkbox" name="confirm" value="yes" required> I understand the readings and their rollups in this range are deleted for good</label>
  <button type="submit" class="danger">Erase</button>
</form>
<form method="post" action="/data/${d.id}/retention" class="card">
  <h2>Retention</h2>
  ${csrfField(c.var.session.csrf)}
  <label for="raw">Keep raw readings for (ISO 8601 duration, e.g. P30D; empty keeps them for ever)</label>
  <input id="raw" name="raw" value="${d.retention.raw ?? ''}" pattern="P.*" placeholder="P30D">
  <p class="muted">Older raw readings are removed; the 1-minute to daily rollups are kept.</p>
  <button type="submit">Save retention</button>
</form>
</div>`;
    return render(c, d.id, body, { charts: true });
  });

  app.post('/:id/erase', async (c) => {
    const form = await c.req.parseBody();
    const id = c.req.param('id');
    if (form.confirm !== 'yes') throw new BadRequestError('confirm: tick the box to confirm the erasure');
    const lt = boxLocalTime(c.var.parts.store);
    const from = parseLocal(lt, form.from, 'from');
    const to = parseLocal(lt, form.to, 'to');
    const report = c.var.parts.store.erase(id, from, to, 'user');
    return redirectDone(
      c,
      `/data/${id}?from=${lt.input(from)}&to=${lt.input(to)}`,
      `Erased ${report.readings} readings and ${report.events} events; ${report.buckets} rollup buckets removed or recomputed.`,
    );
  });

  app.post('/:id/retention', async (c) => {
    const form = await c.req.parseBody();
    const id = c.req.param('id');
    const raw = text(form, 'raw');
    if (raw !== '' && !isIsoDuration(raw))
      throw new BadRequestError(`raw: "${raw}" is not an ISO 8601 duration such as P30D`);
    c.var.parts.store.updateDatasource(id, { retention: { raw: raw === '' ? null : raw } }, 'user');
    return redirectDone(
      c,
      `/data/${id}`,
      `Raw readings are now kept ${raw === '' ? 'for ever' : `for ${raw}`}.`,
    );
  });

  return app;
}
