import { html } from 'hono/html';
import type { AppRequest } from '../../../apps-sdk/src/manifest.ts';
import { planRead, servePoints } from '../../../apps-sdk/src/read-rules.ts';
import { type GrantResolution, RESOLUTION_MS, toGrantResolution } from '../../../apps-sdk/src/resolution.ts';
import { riskFor } from '../../apps/consent-words/kind-risks.ts';
import { durationWords, resolutionWords, valuesWords } from '../../apps/consent-words/plain-durations.ts';
import { readRulesWords } from '../../apps/consent-words/read-rules-words.ts';
import { regulatoryNote } from '../../apps/consent-words/regulatory-note.ts';
import { readLocalBuckets } from '../../arbiter/local-read.ts';
import type { Store } from '../../store/store.ts';
import type { Datasource } from '../../store/types.ts';
import { chartTable } from '../html/chart-table.ts';
import { chartData, type Html, time } from '../html/page.ts';
import { requestLocalTime } from '../html/request-time.ts';
import { fmt } from '../html/sparkline.ts';

/** The chart shows this much of the window: enough to see the raw shape next to the app's buckets. */
export const PREVIEW_SPAN_MS = 2 * 86_400_000;
const RAW_LIMIT = 40_000;

export interface PreviewChoice {
  request: AppRequest;
  source: Datasource;
  resolution: GrantResolution;
  historyMs: number;
  history: string;
}

/**
 * What the app would receive for one request, computed as the arbiter computes it: the SDK's
 * `planRead` (default resolution and aggregate, window clipped to the history and aligned to whole
 * closed buckets) over the store's read (`1h` and `1d` on the box zone's local hours and days, by
 * the arbiter's own `readLocalBuckets`), then `servePoints` (sparse buckets withheld). The chart
 * draws the last two days of it as steps over the raw readings of the same span; the caption gives
 * the whole window and the read rules.
 */
export function consentPreview(store: Store, choice: PreviewChoice, chartId: string): Html {
  const { request, source, resolution } = choice;
  const now = store.now();
  const grant = {
    request: request.name,
    resolution,
    historyMs: choice.historyMs,
    aggregates: request.aggregates,
    valueType: source.valueType === 'counter' ? ('counter' as const) : ('gauge' as const),
  };
  const plan = planRead(grant, {}, now);
  const read = (from: number, to: number, res: GrantResolution, limit: number) =>
    from >= to
      ? []
      : store.read(source.id, { from, to, resolution: res, aggregate: plan.aggregate ?? 'mean', limit });
  // hours and days on the box zone's local boundaries, exactly as the arbiter serves them
  const { from, to, rows } =
    plan.resolution === '1h' || plan.resolution === '1d'
      ? readLocalBuckets(
          store,
          source.id,
          { resolution, historyMs: choice.historyMs },
          { resolution: plan.resolution, aggregate: plan.aggregate ?? 'mean', now },
        )
      : { from: plan.from, to: plan.to, rows: read(plan.from, plan.to, plan.resolution, RAW_LIMIT * 5) };
  const all = servePoints(grant, rows);
  const spanFrom = Math.max(from, now - PREVIEW_SPAN_MS);
  const appView = all.filter((p) => p.t >= spanFrom);
  const raw = read(spanFrom, to, 'raw', RAW_LIMIT);
  const times = [...new Set([...raw.map((r) => r.t), ...appView.map((p) => p.t)])].sort((a, b) => a - b);
  const rawAt = new Map(raw.map((r) => [r.t, r.v]));
  const appAt = new Map(appView.map((p) => [p.t, p.v]));
  const { locale, timeZone } = requestLocalTime();
  const what = valuesWords(plan.resolution, plan.aggregate ?? undefined, locale);
  const chart = {
    series: [
      { label: 'your readings as stored', unit: source.unit },
      { label: `what the app receives (${what})`, unit: source.unit, step: true, width: 2.5 },
    ],
    x: times.map((t) => t / 1000),
    ys: [times.map((t) => rawAt.get(t) ?? null), times.map((t) => appAt.get(t) ?? null)],
  };
  const risk = riskFor(request.kind, resolution, source.location);
  const note = regulatoryNote(source, resolution, timeZone);
  const at = resolutionWords(resolution, locale);
  const purposes = request.resolutions.filter(
    (r) => RESOLUTION_MS[toGrantResolution(r.resolution)] >= RESOLUTION_MS[resolution],
  );
  return html`
<div class="preview">
  <figure class="chart-box">
    <div class="chart" data-chart="${chartId}" aria-hidden="true"></div>${chartData(chartId, chart)}
    <figcaption data-testid="preview-caption">The app would receive <strong data-testid="preview-points">${all.length}</strong> values of
      <code>${source.id}</code>, ${what}, from ${time(from)} to ${time(to)}${all.length ? html`, ranging ${fmt(Math.min(...all.map((p) => p.v)))}–${fmt(Math.max(...all.map((p) => p.v)))} ${source.unit}` : ''}.
      The chart shows the last ${durationWords(`PT${Math.round((to - spanFrom) / 3_600_000)}H`, locale)}: ${raw.length} readings as stored${sampling(raw)} and the ${appView.length} values the app gets for them.
      <span data-testid="preview-rules">${readRulesWords(grant, locale)}</span></figcaption>
    ${chartTable(chart, { summary: 'Table of the values in the chart' })}
  </figure>
  <div class="inference" data-testid="risk" data-family="${risk.family}">
    <h3>What an app could learn from ${risk.what} ${at}</h3>
    <p>${risk.summary}</p>
    ${risk.findings.length ? html`<ul>${risk.findings.map((f) => html`<li><strong>${f.resolution}:</strong> ${f.finding} <cite>${f.source}</cite></li>`)}</ul>` : ''}
    ${note ? html`<p class="muted" data-testid="regulatory-note">${note}</p>` : ''}
    <h3>What this app says it can do ${at}</h3>
    ${purposes.length ? html`<ul>${purposes.map((p) => html`<li><strong>${resolutionWords(p.resolution, locale)}:</strong> ${p.purpose}</li>`)}</ul>` : html`<p>The app lists nothing it can do with data this coarse.</p>`}
  </div>
</div>`;
}

/** ", about every 10 seconds": the typical gap between stored readings, so "every reading" has a size. */
function sampling(raw: Array<{ t: number }>): string {
  if (raw.length < 3) return '';
  const gaps = raw
    .slice(1)
    .map((r, i) => r.t - raw[i].t)
    .sort((a, b) => a - b);
  const seconds = Math.max(1, Math.round(gaps[Math.floor(gaps.length / 2)] / 1000));
  const words =
    seconds % 60 === 0
      ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}`
      : `${seconds} second${seconds === 1 ? '' : 's'}`;
  return ` (about one every ${words})`;
}
