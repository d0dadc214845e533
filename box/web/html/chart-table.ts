import { html } from 'hono/html';
import type { LocalTime } from '../../time/local-time.ts';
import type { Html } from './page.ts';
import { requestLocalTime } from './request-time.ts';
import { fmt } from './sparkline.ts';

/** What a chart draws (the JSON the chart script reads): times in seconds, one row per series. */
export interface ChartSpec {
  series: ReadonlyArray<{ label: string; unit?: string; bars?: boolean; step?: boolean; width?: number }>;
  x: readonly number[];
  ys: ReadonlyArray<ReadonlyArray<number | null>>;
}

/** Rows listed in full at most; a longer series gets its key points instead. */
export const TABLE_ROWS = 400;

/** Row indexes of the key points of a long series: first, last, and each series' lowest and highest. */
function keyPoints(spec: ChartSpec): number[] {
  const picked = new Set([0, spec.x.length - 1]);
  for (const ys of spec.ys) {
    let lo = -1;
    let hi = -1;
    ys.forEach((v, i) => {
      if (v === null) return;
      if (lo < 0 || v < (ys[lo] as number)) lo = i;
      if (hi < 0 || v > (ys[hi] as number)) hi = i;
    });
    if (lo >= 0) picked.add(lo).add(hi);
  }
  return [...picked].sort((a, b) => a - b);
}

/**
 * The table behind a chart, for screen readers and for anyone who wants the numbers: a
 * `<details>` with a row per time (local, in the box zone and locale) and a column per series,
 * headed with its unit. Charts themselves are `aria-hidden`; this is their text. A series longer
 * than {@link TABLE_ROWS} lists its first, last, lowest and highest values, and says so.
 *
 * @example
 * html`<figure>…chart…</figure>${chartTable(spec, { timeHeading: 'From' })}`
 */
export function chartTable(
  spec: ChartSpec,
  options: { timeHeading?: string; lt?: LocalTime; summary?: string } = {},
): Html {
  if (spec.x.length === 0) return html``;
  const lt = options.lt ?? requestLocalTime();
  const zone = lt.zoneCaption(spec.x[0] * 1000);
  const full = spec.x.length <= TABLE_ROWS;
  const rows = full ? spec.x.map((_, i) => i) : keyPoints(spec);
  return html`<details class="chart-table"><summary>${options.summary ?? 'Table of these values'}</summary>
${full ? '' : html`<p class="muted">${spec.x.length} values: the first, the last, and the lowest and highest of each series. Pick a shorter range to list every value.</p>`}
<div class="scroll"><table><thead><tr><th scope="col">${options.timeHeading ?? 'Time'} (${zone})</th>${spec.series.map((s) => html`<th scope="col">${s.label}${s.unit ? ` (${s.unit})` : ''}</th>`)}</tr></thead>
<tbody>${rows.map((i) => html`<tr><th scope="row"><time datetime="${lt.iso(spec.x[i] * 1000)}">${lt.dateTime(spec.x[i] * 1000)}</time></th>${spec.ys.map((ys) => html`<td class="num">${ys[i] === null || ys[i] === undefined ? '—' : fmt(ys[i], lt.locale)}</td>`)}</tr>`)}</tbody></table></div></details>`;
}
