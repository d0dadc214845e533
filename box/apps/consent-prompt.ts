import { exportCapacity } from '../../apps-sdk/src/export-capacity.ts';
import type { Manifest } from '../../apps-sdk/src/manifest.ts';
import { GRANT_RESOLUTIONS, grantResolutionError, isGrantResolution } from '../../apps-sdk/src/resolution.ts';
import type { ExportMode } from '../exports/types.ts';
import type { Store } from '../store/store.ts';
import { readTimeSettings } from '../time/time-settings.ts';
import { askedResolution, DEFAULT_EXPIRY } from './consent.ts';
import { destinationLoss, requestLoss } from './consent-words/declined-losses.ts';
import { riskFor } from './consent-words/kind-risks.ts';
import { durationWords, historyOptions, resolutionWords } from './consent-words/plain-durations.ts';
import { readRulesWords } from './consent-words/read-rules-words.ts';
import { regulatoryNote } from './consent-words/regulatory-note.ts';
import { timeZoneWords } from './consent-words/time-zone-words.ts';
import type { ConsentChoices, RequestChoice } from './types.ts';

/** Expiry choices, as on the consent screen. */
const EXPIRIES = ['P1M', 'P3M', 'P6M', 'P1Y'];

/** An answer by number from a printed list, or the value itself (`2` or `1h`); empty keeps `fallback`. */
function pick(answer: string, options: readonly string[], fallback: string): string {
  const text = answer.trim();
  if (text === '') return fallback;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= options.length ? options[n - 1] : text;
}

/** The householder's choices, and how the app's exports are handled (the export service keeps that). */
export type PromptedConsent = ConsentChoices & { exportMode?: ExportMode };

export interface PromptIo {
  ask(question: string): Promise<string>;
  print(text: string): void;
}

/**
 * Asks the householder, on a terminal, for every choice not already given by flags: for each
 * request its datasource (or decline), how detailed and how far back, in plain words ("every 30
 * minutes", "90 days"), showing the app's purposes, what declining costs, what could be learnt from
 * that kind of data at the chosen resolution and the GB note where it applies; then each export
 * destination with what declining it costs, and the expiry. Answers may be a number from the list
 * or the value itself; they are checked afterwards by `resolveConsent`, like flags are.
 *
 * @example
 * const choices = await promptConsent(io, store, manifest, { requests: {} });
 */
export async function promptConsent(
  io: PromptIo,
  store: Store,
  manifest: Manifest,
  preset: PromptedConsent,
  presetDestinations: boolean,
): Promise<PromptedConsent> {
  const requests: Record<string, RequestChoice> = { ...preset.requests };
  const { locale, timeZone } = readTimeSettings(store);
  io.print(
    `${manifest.name} ${manifest.version} by ${manifest.author}${manifest.homepage ? ` (${manifest.homepage})` : ''}`,
  );
  io.print(manifest.description);
  for (const request of manifest.requests) {
    if (requests[request.name]) continue;
    io.print('');
    const asked = askedResolution(request);
    io.print(
      `Request "${request.name}": ${riskFor(request.kind, asked).what} (${request.kind}), ${request.required ? 'required' : 'optional'}, going back ${durationWords(request.history, locale)}`,
    );
    for (const r of request.resolutions) io.print(`  ${resolutionWords(r.resolution, locale)}: ${r.purpose}`);
    if (!request.required) io.print(`  If you decline it: ${requestLoss(request)}`);
    const sources = store.listDatasources().filter((d) => d.kind === request.kind);
    if (sources.length === 0) {
      io.print(`  no datasource of kind ${request.kind} exists`);
      if (!request.required) requests[request.name] = { decline: true };
      continue;
    }
    io.print(`  datasources: ${sources.map((s) => s.id).join(', ')}`);
    const declineHint = request.required ? '' : ', or "no" to decline';
    const source = (await io.ask(`  datasource [${sources[0].id}${declineHint}]: `)).trim() || sources[0].id;
    if (!request.required && /^(no?|decline)$/i.test(source)) {
      requests[request.name] = { decline: true };
      continue;
    }
    const options = GRANT_RESOLUTIONS.filter((g) => grantResolutionError(asked, g) === null);
    io.print('  How detailed:');
    options.forEach((o, i) => {
      io.print(`    ${i + 1}) ${resolutionWords(o, locale)}${o === asked ? ' (asked)' : ''}`);
    });
    const resolution = pick(await io.ask(`  choose [1]: `), options, asked);
    if (isGrantResolution(resolution)) {
      io.print(`  ${readRulesWords({ resolution, aggregates: request.aggregates }, locale)}`);
      const datasource = store.catalogue.find(source);
      const risk = riskFor(request.kind, resolution, datasource?.location);
      io.print(
        `  What an app could learn from ${risk.what} ${resolutionWords(resolution, locale)}: ${risk.summary}`,
      );
      for (const f of risk.findings) io.print(`    - ${f.resolution}: ${f.finding} (${f.source})`);
      const note = datasource ? regulatoryNote(datasource, resolution, timeZone) : null;
      if (note) io.print(`  ${note}`);
    }
    const histories = historyOptions(request.history);
    io.print('  How far back:');
    histories.forEach((h, i) => {
      io.print(`    ${i + 1}) ${durationWords(h, locale)}${h === request.history ? ' (asked)' : ''}`);
    });
    const history = pick(await io.ask(`  choose [${histories.length}]: `), histories, request.history);
    requests[request.name] = { datasource: source, resolution, history };
  }
  const destinations = [...(preset.destinations ?? [])];
  if (!presetDestinations) {
    for (const e of manifest.exports) {
      io.print('');
      io.print(`Export "${e.id}" to ${e.url}: ${e.reason}`);
      // what the schema and limits allow at most, so raw data cannot leave unnoticed as an "inference"
      io.print(`  It ${exportCapacity(e).text}.`);
      io.print(`  ${destinationLoss(manifest, e)}`);
      if (/^y(es)?$/i.test((await io.ask('  approve? [y/N]: ')).trim())) destinations.push(e.id);
    }
  }
  let shareZone = preset.timeZone;
  const zoneWords = timeZoneWords(manifest, timeZone);
  if (zoneWords && shareZone === undefined) {
    io.print('');
    io.print(`${zoneWords.title}: ${zoneWords.reason}`);
    io.print(`  ${zoneWords.risk}`);
    io.print(`  ${zoneWords.loss}`);
    shareZone = /^y(es)?$/i.test((await io.ask('  share it? [y/N]: ')).trim());
  }
  let exportMode = preset.exportMode;
  if (exportMode === undefined && manifest.exports.length > 0) {
    io.print('');
    io.print('When the app asks to send something:');
    io.print('  1) let me review each one before it is sent');
    io.print('  2) send automatically');
    exportMode =
      pick(await io.ask('choose [1]: '), ['review', 'auto'], 'review') === 'auto' ? 'auto' : 'review';
  }
  let expires = preset.expires;
  if (expires === undefined) {
    io.print('');
    io.print('This consent expires after:');
    EXPIRIES.forEach((v, i) => {
      io.print(`  ${i + 1}) ${durationWords(v, locale)}${v === DEFAULT_EXPIRY ? ' (default)' : ''}`);
    });
    expires = pick(
      await io.ask(`choose [${EXPIRIES.indexOf(DEFAULT_EXPIRY) + 1}]: `),
      EXPIRIES,
      DEFAULT_EXPIRY,
    );
  }
  return {
    requests,
    destinations,
    expires,
    ...(exportMode ? { exportMode } : {}),
    ...(shareZone === undefined ? {} : { timeZone: shareZone }),
  };
}
