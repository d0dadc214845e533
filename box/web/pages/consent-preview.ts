import { html } from 'hono/html';
import type { AppRequest } from '../../../apps-sdk/src/manifest.ts';
import { planRead, readRulesText, servePoints } from '../../../apps-sdk/src/read-rules.ts';
import { type GrantResolution, RESOLUTION_MS, toGrantResolution } from '../../../apps-sdk/src/resolution.ts';
import { GB_CONSENT_NOTE, inferenceAt, inferenceForKind } from '../../apps/inference-reference.ts';
import type { Store } from '../../store/store.ts';
import type { Datasource } from '../../store/types.ts';
import { chartData, type Html, time } from '../html/page.ts';
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
 * closed buckets) over the store's read, then `servePoints` (sparse buckets withheld). The chart
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
  const all = servePoints(grant, read(plan.from, plan.to, plan.resolution, RAW_LIMIT * 5));
  const spanFrom = Math.max(plan.from, now - PREVIEW_SPAN_MS);
  const appView = all.filter((p) => p.t >= spanFrom);
  const raw = read(spanFrom, plan.to, 'raw', RAW_LIMIT);
  const times = [...new Set([...raw.map((r) => r.t), ...appView.map((p) => p.t)])].sort((a, b) => a - b);
  const rawAt = new Map(raw.map((r) => [r.t, r.v]));
  const appAt = new Map(appView.map((p) => [p.t, p.v]));
  const what = plan.resolution === 'raw' ? 'raw readings' : `${plan.resolution} ${plan.aggregate} values`;
  const chart = {
    series: [
      { label: 'your raw readings', unit: source.unit },
      { label: `what the app receives (${what})`, unit: source.unit, step: true, width: 2.5 },
    ],
    x: times.map((t) => t / 1000),
    ys: [times.map((t) => rawAt.get(t) ?? null), times.map((t) => appAt.get(t) ?? null)],
  };
  const inference = inferenceForKind(request.kind, resolution) ?? inferenceAt(resolution);
  const purposes = request.resolutions.filter(
    (r) => RESOLUTION_MS[toGrantResolution(r.resolution)] >= RESOLUTION_MS[resolution],
  );
  return html`
<div class="preview">
  <figure class="chart-box">
    <div class="chart" data-chart="${chartId}" aria-hidden="true"></div>${chartData(chartId, chart)}
    <figcaption data-testid="preview-caption">The app would receive <strong data-testid="preview-points">${all.length}</strong> ${what} of
      <code>${source.id}</code> from ${time(plan.from)} to ${time(plan.to)}${all.length ? html`, ranging ${fmt(Math.min(...all.map((p) => p.v)))}–${fmt(Math.max(...all.map((p) => p.v)))} ${source.unit}` : ''}.
      The chart shows the last ${Math.round((plan.to - spanFrom) / 3_600_000)} hours: ${raw.length} raw readings and the ${appView.length} values the app gets for them.
      <span data-testid="preview-rules">${readRulesText(grant)}</span></figcaption>
  </figure>
  <aside class="inference" aria-label="What an app could infer at ${resolution}">
    <h4>What an app could infer at ${resolution}</h4>
    <p>${inference.summary}</p>
    <ul>${inference.findings.map((f) => html`<li><strong>${f.resolution}:</strong> ${f.finding} <cite>${f.source}</cite></li>`)}</ul>
    ${resolution !== '1d' && !request.kind.startsWith('health.') ? html`<p class="muted">${GB_CONSENT_NOTE}</p>` : ''}
    <h4>What this app says it can do at ${resolution}</h4>
    ${purposes.length ? html`<ul>${purposes.map((p) => html`<li><strong>${p.resolution}:</strong> ${p.purpose}</li>`)}</ul>` : html`<p>The app lists nothing it can do at this resolution.</p>`}
  </aside>
</div>`;
}
