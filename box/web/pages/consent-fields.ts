import { html } from 'hono/html';
import type { GrantResolution, ManifestResolution } from '../../../apps-sdk/src/resolution.ts';
import { durationWords, historyOptions, resolutionWords } from '../../apps/consent-words/plain-durations.ts';
import type { TimeZoneWords } from '../../apps/consent-words/time-zone-words.ts';
import type { ExportMode } from '../../exports/types.ts';
import type { LocalTime } from '../../time/local-time.ts';
import { isIsoDuration, parseIsoDuration } from '../../util/iso-duration.ts';
import type { Html } from '../html/page.ts';

/**
 * The consent form's fields in plain words, shared by the install page and the catalogue's
 * install: the values sent stay machine names (`30min`, `P90D`), the text people read does not.
 */

/** Expiry choices of the consent. */
export const EXPIRIES = ['P1M', 'P3M', 'P6M', 'P1Y'];

/**
 * The resolution `<select>`: each option in words ("every 30 minutes"), the asked one marked.
 * `askedAs` is what the manifest lists (a `10s` request is granted as every reading, `raw`, but
 * the label says "every 10 seconds").
 *
 * @example
 * resolutionField('power', ['30min', '1h', '1d'], '30min', '30min', 'en-GB');
 */
export function resolutionField(
  name: string,
  options: readonly GrantResolution[],
  asked: GrantResolution,
  chosen: GrantResolution,
  locale: string,
  askedAs: ManifestResolution = asked,
): Html {
  return html`<div><label for="${name}-resolution">How detailed (the app asks for ${resolutionWords(askedAs, locale)})</label>
      <select id="${name}-resolution" name="${name}.resolution" data-autosubmit>
        ${options.map((o) => html`<option value="${o}"${o === chosen ? ' selected' : ''}>${resolutionWords(o, locale)}${o === asked ? ' (asked)' : ''}</option>`)}
      </select></div>`;
}

/**
 * The history `<select>`: the window the app asks for and shorter usual ones, in words. A value
 * that is not a duration (typed into an old form) is kept as an option so the error names it.
 */
export function historyField(name: string, asked: string, chosen: string, locale: string): Html {
  const values = historyOptions(asked, chosen);
  const label = (v: string) => (isIsoDuration(v) ? durationWords(v, locale) : v);
  return html`<div><label for="${name}-history">How far back (the app asks for ${durationWords(asked, locale)})</label>
      <select id="${name}-history" name="${name}.history" data-autosubmit>
        ${values.map((v) => html`<option value="${v}"${v === chosen ? ' selected' : ''}>${label(v)}${v === asked ? ' (asked)' : ''}</option>`)}
      </select></div>`;
}

/** The expiry `<select>`: "1 year (until 2 Dec 2027)", dates in the box's zone and locale. */
export function expiryField(chosen: string, lt: LocalTime, now: number): Html {
  return html`<label for="expires">This consent expires after</label>
  <select id="expires" name="expires">${EXPIRIES.map((v) => html`<option value="${v}"${v === chosen ? ' selected' : ''}>${durationWords(v, lt.locale)} (until ${lt.date(now + parseIsoDuration(v))})</option>`)}</select>`;
}

/**
 * Review each export or send automatically, chosen at install, so the app's first run already
 * follows it (an app that exports could otherwise send once before the app page is reached).
 */
export function exportModeField(mode: ExportMode): Html {
  // a select like the app page's "Exports of this app", which changes it later
  return html`<fieldset class="card" data-testid="export-mode">
    <legend>When the app asks to send something</legend>
    <label for="exportMode">Exports of this app</label>
    <select id="exportMode" name="exportMode">
      <option value="review"${mode === 'review' ? ' selected' : ''}>Let me review each one before it is sent</option>
      <option value="auto"${mode === 'auto' ? ' selected' : ''}>Send automatically</option>
    </select>
    <p class="muted">Reviewed requests wait on the Exports page until you approve or reject them. Automatic ones go out at once to the destinations you allow, within the limits above; the Exports page lists what left. You can change this later on the app's page.</p>
  </fieldset>`;
}

/**
 * The app's optional time zone request: unticked unless the householder said yes before. The
 * zone named is the box's (its settings), which is what the app would be told.
 */
export function timeZoneField(words: TimeZoneWords, shared: boolean): Html {
  return html`<fieldset class="card" data-testid="time-zone">
    <legend>${words.title} (optional)</legend>
    <label class="check"><input type="checkbox" name="timeZone" value="yes"${shared ? ' checked' : ''}> Let the app know my time zone</label>
    <p><strong>Why:</strong> ${words.reason}</p>
    <p>${words.risk}</p>
    <p class="loss" data-testid="loss-time-zone">${words.loss}</p>
  </fieldset>`;
}

/** The export mode in a submitted form: `review` unless `auto` was chosen (the safe default). */
export function exportModeOf(value: unknown): ExportMode {
  return value === 'auto' ? 'auto' : 'review';
}
