import { Hono } from 'hono';
import { html } from 'hono/html';
import { render } from '../html/page.ts';
import type { WebEnv } from '../web-env.ts';

/**
 * `/notifications`: what needs the householder's attention (exports waiting for review, consents
 * ending within 14 days, a driver that stopped, low disk space), each with a link to where it is
 * dealt with. Computed afresh on each visit; the header badge of every page counts the same list.
 */
export function notificationPages(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.get('/', (c) => {
    const list = c.var.parts.notifications.list();
    const body = list.length
      ? html`<ul class="plain notifications">${list.map(
          (n) => html`<li class="card notification notification-${n.severity}" data-kind="${n.kind}">
  <p>${n.severity === 'problem' ? html`<strong>Problem:</strong> ` : ''}${n.text}</p>
  <p><a href="${n.href}">${LINKS[n.kind]}</a></p>
</li>`,
        )}</ul>`
      : html`<p role="status">Nothing needs your attention: no export waits for review, no consent ends within 14 days, every driver runs and the disk has room.</p>`;
    return render(c, 'Notifications', body);
  });

  return app;
}

const LINKS = {
  'export-review': 'Review it on the Exports page',
  'consent-expiring': 'Open the app',
  'driver-stopped': 'See the Drivers page',
  'disk-low': 'See the box’s health',
  'store-damaged': 'See the box’s health',
} as const;
