import { html } from 'hono/html';
import type { Html } from './page.ts';
import { requestLocalTime } from './request-time.ts';

/**
 * A small inline SVG line for the overview (no script needed). Values are scaled into a
 * `width`×`height` box; fewer than two points draw nothing. Its text (the `aria-label`) gives the
 * lowest and highest value with the unit.
 */
export function sparkline(
  points: ReadonlyArray<{ t: number; v: number }>,
  unit = '',
  width = 120,
  height = 28,
): Html {
  if (points.length < 2) return html`<span class="muted">no recent data</span>`;
  const t0 = points[0].t;
  const t1 = points[points.length - 1].t;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    lo = Math.min(lo, p.v);
    hi = Math.max(hi, p.v);
  }
  const span = hi - lo || 1;
  const coords = points
    .map((p) => {
      const x = ((p.t - t0) / (t1 - t0 || 1)) * (width - 2) + 1;
      const y = height - 1 - ((p.v - lo) / span) * (height - 2);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  return html`<svg class="spark" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label="Last 24 hours: lowest ${fmt(lo)}${unit ? ` ${unit}` : ''}, highest ${fmt(hi)}${unit ? ` ${unit}` : ''}"><polyline fill="none" stroke="currentColor" stroke-width="1.5" points="${coords}"/></svg>`;
}

/** Numbers for people, in the box's locale: at most 3 decimals, thousands separated. */
export function fmt(v: number | null | undefined, locale = requestLocalTime().locale): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString(locale, { maximumFractionDigits: Math.abs(v) >= 100 ? 1 : 3 });
}
