import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/box-process.ts';
import { CHROMIUM_PATH } from '../helpers/services.ts';

export const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'screenshots');

/**
 * Debian's chromium, headless, with nothing that phones home; `args` adds flags (e.g.
 * `--host-resolver-rules=MAP attacker.example 127.0.0.1` to play a DNS-rebound name).
 */
export function launchChromium(args: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...args,
    ],
  });
}

/** Writes `test-results/screenshots/<name>.png` (a test artifact; the folder is git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The id of the focused element, or its text when it has none (evaluated in the page, which has a DOM). */
export function focused(page: Page): Promise<string> {
  return page.evaluate(
    '(document.activeElement && (document.activeElement.id || document.activeElement.textContent)) || ""',
  );
}
