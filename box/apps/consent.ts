import type { AppRequest, Manifest } from '../../apps-sdk/src/manifest.ts';
import {
  finestOf,
  type GrantResolution,
  grantResolutionError,
  type ManifestResolution,
  RESOLUTION_MS,
  toGrantResolution,
} from '../../apps-sdk/src/resolution.ts';
import { BadRequestError, type ErrorDetail } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { isIsoDuration, parseIsoDuration } from '../util/iso-duration.ts';
import type { ConsentChoices } from './types.ts';

/** How long grants last when the householder does not say. */
export const DEFAULT_EXPIRY = 'P1Y';

/** One request as the householder granted it, checked against the manifest and the catalogue. */
export interface ResolvedGrant {
  request: AppRequest;
  datasource: string;
  kind: string;
  resolution: GrantResolution;
  history: string;
  historyMs: number;
  /** The manifest's purposes the app can still serve at the granted resolution (finest first). */
  purposes: Array<{ resolution: ManifestResolution; purpose: string }>;
}

export interface ResolvedConsent {
  grants: ResolvedGrant[];
  declined: string[];
  destinations: string[];
  /** Approved destinations marked as on the home network. */
  homeNetwork: string[];
  /** Whether the app may know the box's time zone (only when its manifest asks). */
  timeZone: boolean;
  expires: string;
  expiresAt: number;
}

/** The resolution the app asks for: the finest it lists, as the box grants it. */
export function askedResolution(request: AppRequest): GrantResolution {
  return toGrantResolution(finestOf(request.resolutions.map((r) => r.resolution)));
}

/**
 * Checks the householder's choices against the manifest and the catalogue and resolves defaults.
 * Every problem is listed (as `path: message` details of one BadRequestError): unknown requests,
 * a declined or unmapped required request, a missing datasource or one of another kind, a
 * resolution finer than the app asked for, a history longer than asked, an unknown destination.
 *
 * @example
 * resolveConsent(store, manifest, { requests: { power: { datasource: 'meter.power', resolution: '30min' } } }, Date.now());
 */
export function resolveConsent(
  store: Store,
  manifest: Manifest,
  choices: ConsentChoices,
  now: number,
): ResolvedConsent {
  const errors: ErrorDetail[] = [];
  const grants: ResolvedGrant[] = [];
  const declined: string[] = [];
  for (const name of Object.keys(choices.requests)) {
    if (!manifest.requests.some((r) => r.name === name))
      errors.push({
        path: `grants.${name}`,
        message: `the app has no request "${name}" (it asks for: ${manifest.requests.map((r) => r.name).join(', ') || 'nothing'})`,
      });
  }
  for (const request of manifest.requests) {
    const path = `grants.${request.name}`;
    const choice = choices.requests[request.name];
    if (choice === undefined || 'decline' in choice) {
      if (request.required)
        errors.push({
          path,
          message: `"${request.name}" (${request.kind}) is required by the app: grant it or do not install the app`,
        });
      else declined.push(request.name);
      continue;
    }
    const source = store.catalogue.find(choice.datasource);
    if (!source) {
      errors.push({ path, message: `datasource "${choice.datasource}" does not exist` });
      continue;
    }
    if (source.kind !== request.kind) {
      errors.push({
        path,
        message: `datasource "${source.id}" is ${source.kind}, but the request asks for ${request.kind}`,
      });
      continue;
    }
    const asked = finestOf(request.resolutions.map((r) => r.resolution));
    const resolution = choice.resolution ?? toGrantResolution(asked);
    const problem = grantResolutionError(asked, resolution);
    if (problem) {
      errors.push({ path: `${path}.resolution`, message: problem });
      continue;
    }
    const granted = resolution as GrantResolution;
    const history = choice.history ?? request.history;
    if (!isIsoDuration(history)) {
      errors.push({
        path: `${path}.history`,
        message: `"${history}" is not an ISO 8601 duration such as P90D`,
      });
      continue;
    }
    const historyMs = parseIsoDuration(history);
    const askedMs = parseIsoDuration(request.history);
    if (historyMs > askedMs) {
      errors.push({
        path: `${path}.history`,
        message: `${history} is longer than the ${request.history} of history the app asked for`,
      });
      continue;
    }
    grants.push({
      request,
      datasource: source.id,
      kind: source.kind,
      resolution: granted,
      history,
      historyMs,
      purposes: request.resolutions
        .filter((r) => RESOLUTION_MS[toGrantResolution(r.resolution)] >= RESOLUTION_MS[granted])
        .sort((a, b) => RESOLUTION_MS[a.resolution] - RESOLUTION_MS[b.resolution]),
    });
  }
  const destinations = [...new Set(choices.destinations ?? [])];
  for (const id of destinations) {
    if (!manifest.exports.some((e) => e.id === id))
      errors.push({
        path: `destinations.${id}`,
        message: `the app declares no export "${id}" (it declares: ${manifest.exports.map((e) => e.id).join(', ') || 'none'})`,
      });
  }
  const homeNetwork = [...new Set(choices.homeNetwork ?? [])];
  for (const id of homeNetwork) {
    if (!destinations.includes(id))
      errors.push({
        path: `homeNetwork.${id}`,
        message: `only an approved destination can be marked as on the home network; approve "${id}" too`,
      });
  }
  const timeZone = choices.timeZone === true;
  if (timeZone && !manifest.timeZone)
    errors.push({
      path: 'timeZone',
      message: 'the app does not ask for the time zone, so it cannot be shared',
    });
  const expires = choices.expires ?? DEFAULT_EXPIRY;
  let expiresAt = 0;
  if (!isIsoDuration(expires) || parseIsoDuration(expires) <= 0)
    errors.push({ path: 'expires', message: `"${expires}" is not a positive ISO 8601 duration such as P1Y` });
  else expiresAt = now + parseIsoDuration(expires);

  if (errors.length > 0)
    throw new BadRequestError(`the grant for app "${manifest.id}" cannot be recorded`, {
      details: errors,
      code: 'invalid_grant',
    });
  return { grants, declined, destinations, homeNetwork, timeZone, expires, expiresAt };
}
