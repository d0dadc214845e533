import type { Context } from 'hono';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { LocalTime } from '../../time/local-time.ts';
import { requestLocalTime } from './request-time.ts';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const NAV = [
  ['/energy', 'Energy'],
  ['/overview', 'Overview'],
  ['/data', 'Data'],
  ['/devices', 'Devices'],
  ['/drivers', 'Drivers'],
  ['/apps', 'Apps'],
  ['/apps/install', 'Install an app'],
  ['/catalogue', 'Catalogue'],
  ['/exports', 'Exports'],
  ['/audit', 'Audit'],
  ['/activity', 'Activity'],
] as const;

export interface PageOptions {
  title: string;
  /** Session CSRF token; when absent (sign-in pages) no navigation is shown. */
  csrf?: string;
  /** Path of the current page, to mark its nav link. */
  path?: string;
  /** A status line after an action (`?done=` of the redirect). */
  notice?: string;
  /** Extra scripts (served from /assets). */
  charts?: boolean;
  /** How many notifications wait (the header badge links to /notifications); absent: no badge. */
  notifications?: number;
}

/** The page shell: skip link, navigation, a sign-out form, the main landmark. */
export function page(options: PageOptions, body: Html): Html {
  const nav = options.csrf
    ? html`<nav aria-label="Main"><ul>
        ${NAV.map(
          ([href, label]) =>
            html`<li><a href="${href}"${options.path === href ? raw(' aria-current="page"') : ''}>${label}</a></li>`,
        )}
        <li><form method="post" action="/signout">${csrfField(options.csrf)}<button type="submit" class="link">Sign out</button></form></li>
      </ul></nav>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Databox</title>
<link rel="stylesheet" href="/assets/dashboard.css">
${options.charts ? html`<link rel="stylesheet" href="/assets/uPlot.min.css"><script src="/assets/uPlot.iife.min.js" defer></script>` : ''}
<script src="/assets/dashboard.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><a class="brand" href="/">Databox</a>${nav}${options.csrf && options.notifications !== undefined ? notificationBadge(options.notifications) : ''}</header>
<main id="main" tabindex="-1">
<h1>${options.title}</h1>
${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
${body}
</main>
</body>
</html>`;
}

/** The header's link to /notifications, with the count when there is something to see. */
function notificationBadge(count: number): Html {
  return count > 0
    ? html`<a class="notify" href="/notifications" data-count="${count}">Notifications <span class="badge">${count}<span class="sr-only"> waiting</span></span></a>`
    : html`<a class="notify" href="/notifications" data-count="0">Notifications</a>`;
}

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** Renders a page for a handler with the session's token and the `?done=` notice. */
export function render(c: Context, title: string, body: Html, options: Partial<PageOptions> = {}) {
  const session = c.get('session') as { csrf: string } | undefined;
  // counted at most every few seconds (Notifications caches it), so every page can show it
  const notes = c.get('parts') as { notifications?: { count(): number } } | undefined;
  const notifications = session ? notes?.notifications?.count() : undefined;
  return c.html(
    page(
      {
        title,
        csrf: session?.csrf,
        path: c.req.path,
        notice: c.req.query('done'),
        notifications,
        ...options,
      },
      body,
    ),
  );
}

/** Embeds data for the chart script: JSON in a non-executed script element (no inline JS, CSP-safe). */
export function chartData(id: string, data: unknown): Html {
  // `<` escaped so no `</script>` in the data can end the element
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return html`<script type="application/json" id="${id}">${raw(json)}</script>`;
}

/**
 * A time for people: the box's zone and locale (24-hour and day-first where the locale has them),
 * labelled with the zone's short name, e.g. `25 okt 2026, 02:30 CEST`; the `datetime` attribute
 * carries the exact instant with its offset. `lt` defaults to the request's settings.
 */
export function time(ms: number | null | undefined, lt: LocalTime = requestLocalTime()): Html {
  if (ms === null || ms === undefined) return html`—`;
  return html`<time datetime="${lt.iso(ms)}">${lt.dateTime(ms)} <span class="zone">${lt.zoneLabel(ms)}</span></time>`;
}

export function redirectDone(c: Context, to: string, done: string): Response {
  const sep = to.includes('?') ? '&' : '?';
  return c.redirect(`${to}${sep}done=${encodeURIComponent(done)}`, 303);
}
