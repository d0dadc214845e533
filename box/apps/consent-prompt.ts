import { exportCapacity } from '../../apps-sdk/src/export-capacity.ts';
import type { Manifest } from '../../apps-sdk/src/manifest.ts';
import { readRulesText } from '../../apps-sdk/src/read-rules.ts';
import { isGrantResolution } from '../../apps-sdk/src/resolution.ts';
import type { Store } from '../store/store.ts';
import { askedResolution, DEFAULT_EXPIRY } from './consent.ts';
import { inferenceForKind } from './inference-reference.ts';
import type { ConsentChoices, RequestChoice } from './types.ts';

export interface PromptIo {
  ask(question: string): Promise<string>;
  print(text: string): void;
}

/**
 * Asks the householder, on a terminal, for every choice not already given by flags: for each
 * request its datasource (or decline), resolution and history, showing the app's purposes and what
 * research says can be inferred at the chosen resolution; then each export destination and the
 * expiry. The answers are checked afterwards by `resolveConsent`, like flags are.
 *
 * @example
 * const choices = await promptConsent(io, store, manifest, { requests: {} });
 */
export async function promptConsent(
  io: PromptIo,
  store: Store,
  manifest: Manifest,
  preset: ConsentChoices,
  presetDestinations: boolean,
): Promise<ConsentChoices> {
  const requests: Record<string, RequestChoice> = { ...preset.requests };
  io.print(
    `${manifest.name} ${manifest.version} by ${manifest.author}${manifest.homepage ? ` (${manifest.homepage})` : ''}`,
  );
  io.print(manifest.description);
  for (const request of manifest.requests) {
    if (requests[request.name]) continue;
    io.print('');
    io.print(
      `Request "${request.name}": ${request.kind}, ${request.required ? 'required' : 'optional'}, history ${request.history}`,
    );
    for (const r of request.resolutions) io.print(`  at ${r.resolution}: ${r.purpose}`);
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
    const asked = askedResolution(request);
    const resolution = (await io.ask(`  resolution (${asked} or coarser) [${asked}]: `)).trim() || asked;
    if (isGrantResolution(resolution))
      io.print(`  Reads serve: ${readRulesText({ resolution, aggregates: request.aggregates })}`);
    const inference = isGrantResolution(resolution) ? inferenceForKind(request.kind, resolution) : null;
    if (inference) {
      io.print(`  At ${resolution}: ${inference.summary}`);
      for (const f of inference.findings) io.print(`    - ${f.resolution}: ${f.finding} (${f.source})`);
    }
    const history =
      (await io.ask(`  history (at most ${request.history}) [${request.history}]: `)).trim() ||
      request.history;
    requests[request.name] = { datasource: source, resolution, history };
  }
  const destinations = [...(preset.destinations ?? [])];
  if (!presetDestinations) {
    for (const e of manifest.exports) {
      io.print('');
      io.print(`Export "${e.id}" to ${e.url}: ${e.reason}`);
      // what the schema and limits allow at most, so raw data cannot leave unnoticed as an "inference"
      io.print(`  It ${exportCapacity(e).text}.`);
      if (/^y(es)?$/i.test((await io.ask('  approve? [y/N]: ')).trim())) destinations.push(e.id);
    }
  }
  const expires =
    preset.expires ?? ((await io.ask(`Grants expire after [${DEFAULT_EXPIRY}]: `)).trim() || DEFAULT_EXPIRY);
  return { requests, destinations, expires };
}
