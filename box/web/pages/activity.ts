import { Hono } from 'hono';
import { html } from 'hono/html';
import { activityFeed } from '../../activity/activity-feed.ts';
import type { ActivityLine } from '../../activity/activity-lines.ts';
import { BadRequestError } from '../../errors.ts';
import { LocalCalendar } from '../../time/calendar.ts';
import type { LocalTime } from '../../time/local-time.ts';
import { type Html, render } from '../html/page.ts';
import { requestLocalTime } from '../html/request-time.ts';
import type { WebEnv } from '../web-env.ts';

const TOPIC: Record<ActivityLine['topic'], string> = {
  data: 'Data',
  export: 'Left the home',
  consent: 'Consent',
  box: 'Box',
};

/** The raw audit entries behind a line: the Audit page filtered to them. */
function auditLink(lt: LocalTime, line: ActivityLine, from: number, to: number): string {
  const q = new URLSearchParams({
    actor: line.group.actor,
    action: line.group.action,
    since: lt.input(from),
    until: lt.input(to),
  });
  if (line.group.subject) q.set('subject', line.group.subject);
  return `/audit?${q}`;
}

function lineItem(lt: LocalTime, line: ActivityLine, from: number, to: number): Html {
  const { group } = line;
  const span =
    group.firstTs === group.lastTs || lt.time(group.firstTs) === lt.time(group.lastTs)
      ? lt.time(group.lastTs)
      : `${lt.time(group.firstTs)}–${lt.time(group.lastTs)}`;
  return html`<li data-action="${group.action}" data-count="${group.count}"${line.warning ? html` class="warning"` : ''}>
  <div class="when"><time datetime="${lt.iso(group.lastTs)}">${span}</time> <span class="tag">${TOPIC[line.topic]}</span></div>
  <div>${line.warning ? html`<strong>${line.text}</strong>` : line.text}</div>
  <div><a href="${auditLink(lt, line, from, to)}">${group.count === 1 ? 'the audit entry' : `the ${group.count} audit entries`}</a></div>
</li>`;
}

/**
 * `/activity`: what happened on one local day in plain words, built from the audit trail (one
 * line per kind of event: a day's ingest windows are one line per datasource), with links to the
 * raw entries on the Audit page.
 */
export function activityPages(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.get('/', (c) => {
    const { store } = c.var.parts;
    const lt = requestLocalTime();
    const calendar = LocalCalendar.of(lt.timeZone);
    const q = c.req.query();
    const at = q.day ? lt.parseWall(q.day) : store.now();
    if (at === undefined) throw new BadRequestError(`day: "${q.day}" is not a date such as 2026-10-25`);
    const from = calendar.startOf(at, '1d');
    const to = calendar.next(at, '1d');
    const feed = activityFeed(store, from, to);
    const day = (t: number) => lt.input(t).slice(0, 10);
    const previous = day(calendar.shift(from, '1d', -1));
    const next = day(to);
    const isToday = to > store.now();
    const body = html`
<p>What happened on <strong>${lt.date(from)}</strong> (${lt.zoneCaption(from)}), in plain words, from the <a href="/audit">audit trail</a>: each line stands for the entries it links to.</p>
<form method="get" action="/activity" class="row" aria-label="Day">
  <div><label for="a-day">Day</label><input id="a-day" name="day" type="date" value="${day(from)}"></div>
  <div><button type="submit">Show</button></div>
</form>
<nav aria-label="Days" class="quick"><a href="/activity?day=${previous}" rel="prev">Previous day</a>${isToday ? '' : html` · <a href="/activity?day=${next}" rel="next">Next day</a>`}</nav>
${feed.skipped > 0 ? html`<p class="notice" role="status">This day has ${feed.entries.toLocaleString('en-GB')} audit entries; the newest ${(feed.entries - feed.skipped).toLocaleString('en-GB')} are summarised here. The <a href="/audit">Audit page</a> and its downloads have them all.</p>` : ''}
${
  feed.lines.length
    ? html`<p class="muted" data-testid="activity-count">${feed.lines.length} line${feed.lines.length === 1 ? '' : 's'} for ${feed.entries.toLocaleString('en-GB')} audit entr${feed.entries === 1 ? 'y' : 'ies'}.</p>
<ol class="timeline activity">${feed.lines.map((l) => lineItem(lt, l, from, to))}</ol>`
    : html`<p>Nothing was recorded on this day.</p>`
}`;
    return render(c, 'Activity', body);
  });

  return app;
}
