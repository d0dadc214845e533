import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** Links a crawl never follows: downloads, streams, sign-out and raw payloads are not pages. */
const NOT_PAGES = [
  /^\/signout/,
  /^\/audit\/export/,
  /^\/exports\/[^/]+\/payload/,
  /^\/apps\/[^/]+\/receipt/,
  /^\/energy\/live/,
  /^\/assets\//,
];

/**
 * The key a crawl visits once: the path and the names of its query parameters, so
 * `/energy?period=day&at=…` is one page however many days it links, while `/apps/install?app=x`
 * (the consent screen of an installed app) is another page than `/apps/install`.
 */
function pageKey(url: URL): string {
  const names = [...new Set(url.searchParams.keys())].filter((k) => k !== 'done').sort();
  return `${url.pathname}${names.length ? `?${names.join('&')}` : ''}`;
}

/**
 * Every page of the dashboard a householder can reach by links: the header's (the main navigation
 * and the notifications badge, whatever they hold, so pages added later are covered), then the
 * pages their `main` links to, to `depth` steps, at most `limit` pages. Same-origin GET links only.
 */
export async function crawlPages(page: Page, start = '/', depth = 2, limit = 50): Promise<string[]> {
  await page.goto(start);
  const origin = new URL(page.url()).origin;
  const hrefs = (selector: string) =>
    page.locator(selector).evaluateAll((els) => els.map((a) => (a as unknown as { href: string }).href));
  const seen = new Map<string, string>();
  const add = (href: string): string | undefined => {
    const url = new URL(href);
    url.hash = '';
    if (url.origin !== origin || NOT_PAGES.some((p) => p.test(url.pathname))) return undefined;
    const key = pageKey(url);
    if (seen.has(key) || seen.size >= limit) return undefined;
    const path = `${url.pathname}${url.search}`;
    seen.set(key, path);
    return path;
  };
  // the header: the home link, the main navigation, and whatever else it links (notifications)
  let frontier = (await hrefs('header a[href]')).map(add).filter((p) => p !== undefined);
  for (let step = 0; step < depth; step++) {
    const next: string[] = [];
    for (const path of frontier) {
      await page.goto(path);
      for (const href of await hrefs('main a[href]:not([download])')) {
        const added = add(href);
        if (added) next.push(added);
      }
    }
    frontier = next;
  }
  return [...seen.values()];
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (every rule it enables by default: WCAG 2.x A/AA and best practices) on the page
 * as it is. The engine is evaluated through the DevTools protocol, so the page's CSP, which
 * allows no inline script, stays as the box sends it.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(axeSource);
  return page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' :: ' + n.failureSummary.split('\\n').slice(1, 2).join('')) })))`);
}

/** How far the page scrolls sideways (0 when it fits the viewport). */
export function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/** The elements that reach past the viewport's right edge, outermost first, to name in a failure. */
export function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const w = document.documentElement.clientWidth;
    const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    return [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > w + 1)
      .filter((el) => !el.parentElement.closest('.scroll') || getComputedStyle(el).position === 'absolute')
      .slice(0, 8)
      .map((el) => name(el) + ' in ' + name(el.parentElement) + ' right ' + Math.round(el.getBoundingClientRect().right));
  })()`);
}

/** Waits until every chart on the page is drawn (or says it has no data). */
export async function chartsSettled(page: Page): Promise<void> {
  await page.waitForFunction(
    `[...document.querySelectorAll('[data-chart]')].every((el) => el.dataset.drawn === 'true' || el.textContent.trim() !== '')`,
  );
}
