import { html } from 'hono/html';
import type { InsightRecord } from '../../apps/types.ts';
import { type ChartSpec, chartTable } from './chart-table.ts';
import { chartData, type Html, time } from './page.ts';
import { fmt } from './sparkline.ts';

/**
 * A chartable series inside an insight's data: the first array of objects that each have a time
 * (`t` in ms or a `date`/`month` string) and a number. Returns undefined when there is none.
 */
export function insightSeries(data: unknown): { label: string; x: number[]; y: number[] } | undefined {
  if (!data || typeof data !== 'object') return undefined;
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (!Array.isArray(value) || value.length < 2) continue;
    const first = value[0] as Record<string, unknown> | null;
    if (!first || typeof first !== 'object') continue;
    const timeKey = ['t', 'date', 'month', 'day'].find((k) => k in first);
    const numKey = Object.keys(first).find((k) => k !== timeKey && typeof first[k] === 'number');
    if (!timeKey || !numKey) continue;
    const x: number[] = [];
    const y: number[] = [];
    for (const item of value as Array<Record<string, unknown>>) {
      const raw = item[timeKey];
      const t = typeof raw === 'number' ? raw : Date.parse(String(raw));
      if (!Number.isFinite(t) || typeof item[numKey] !== 'number') continue;
      x.push(t / 1000);
      y.push(item[numKey] as number);
    }
    if (x.length >= 2) return { label: `${key} (${numKey})`, x, y };
  }
  return undefined;
}

/** The unit for a series heading, unless its label already ends with it (`days (kWh)`). */
function seriesUnit(label: string, unit: string): string {
  return unit && label.endsWith(`(${unit})`) ? '' : unit;
}

function chart(id: string, spec: ChartSpec): Html {
  return html`<div class="chart small" data-chart="${id}" aria-hidden="true"></div>${chartData(id, spec)}${chartTable(spec)}`;
}

/** An insight as a card: title, headline value, summary, and a chart when its data has a series. */
export function insightCard(insight: InsightRecord, unit = ''): Html {
  const series = insightSeries(insight.data);
  const id = `insight-${insight.insightId}`;
  return html`<article class="card insight" data-testid="insight-${insight.key}">
    <h3>${insight.title}</h3>
    ${insight.value !== null ? html`<p class="big">${fmt(insight.value)} <small>${insight.unit ?? unit}</small></p>` : ''}
    ${insight.summary ? html`<p>${insight.summary}</p>` : ''}
    ${series ? chart(id, { series: [{ label: series.label, unit: seriesUnit(series.label, insight.unit ?? unit), bars: true }], x: series.x, ys: [series.y] }) : ''}
    <p class="muted">${time(insight.createdAt)} · run ${insight.runId.slice(0, 8)}</p>
  </article>`;
}
