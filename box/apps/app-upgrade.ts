import { isDeepStrictEqual } from 'node:util';
import type { Manifest } from '../../apps-sdk/src/manifest.ts';
import type { AppRegistry } from './app-registry.ts';
import type { ConsentChoices } from './types.ts';

export type PermissionChange = 'unchanged' | 'changed' | 'added' | 'removed';

/** What a new version asks for compared with the installed one, request by request and export by export. */
export interface PermissionDiff {
  fromVersion: string | null;
  toVersion: string;
  requests: Array<{ name: string; change: PermissionChange; what?: string[] }>;
  exports: Array<{ id: string; change: PermissionChange; what?: string[] }>;
  /** The time zone request (`null`: neither version asks); `changed` when its reason did. */
  timeZone: PermissionChange | null;
}

const REQUEST_FIELDS = ['kind', 'required', 'resolutions', 'history', 'aggregates'] as const;
const EXPORT_FIELDS = ['url', 'schema', 'maxBytes', 'maxPerDay', 'reason'] as const;

function compare<T extends Record<string, unknown>>(
  before: T[],
  after: T[],
  id: keyof T,
  fields: readonly (keyof T)[],
): Array<{ name: string; change: PermissionChange; what?: string[] }> {
  const out: Array<{ name: string; change: PermissionChange; what?: string[] }> = [];
  for (const next of after) {
    const prev = before.find((b) => b[id] === next[id]);
    if (!prev) {
      out.push({ name: String(next[id]), change: 'added' });
      continue;
    }
    const what = fields.filter((f) => !isDeepStrictEqual(prev[f], next[f])).map(String);
    out.push(
      what.length === 0
        ? { name: String(next[id]), change: 'unchanged' }
        : { name: String(next[id]), change: 'changed', what },
    );
  }
  for (const prev of before)
    if (!after.some((a) => a[id] === prev[id])) out.push({ name: String(prev[id]), change: 'removed' });
  return out;
}

/**
 * The permission diff between the installed manifest and a new one: a request is unchanged only
 * when its kind, required flag, resolutions with their purposes, history and aggregates are all
 * the same; an export only when its URL, schema, limits and reason are. What changed is named.
 *
 * @example
 * permissionDiff(v1, v2).requests; // [{ name: 'power', change: 'unchanged' }, { name: 'gas', change: 'added' }]
 */
export function permissionDiff(before: Manifest | undefined, after: Manifest): PermissionDiff {
  const requests = compare(
    (before?.requests ?? []) as unknown as Record<string, unknown>[],
    after.requests as unknown as Record<string, unknown>[],
    'name',
    REQUEST_FIELDS,
  );
  const exports = compare(
    (before?.exports ?? []) as unknown as Record<string, unknown>[],
    after.exports as unknown as Record<string, unknown>[],
    'id',
    EXPORT_FIELDS,
  ).map(({ name, ...rest }) => ({ id: name, ...rest }));
  const [was, now] = [before?.timeZone, after.timeZone];
  const timeZone: PermissionChange | null =
    was === undefined
      ? now === undefined
        ? null
        : 'added'
      : now === undefined
        ? 'removed'
        : was.reason === now.reason
          ? 'unchanged'
          : 'changed';
  return { fromVersion: before?.version ?? null, toVersion: after.version, requests, exports, timeZone };
}

/**
 * The householder's choices for a new version (or a grant change) with the consent that still
 * holds filled in: each request the diff finds unchanged and the choices leave open keeps its
 * live grant (datasource, resolution, history), and each unchanged export destination keeps its
 * approval. Only what changed needs an answer; what the choices say always wins.
 *
 * @example
 * const choices = keptChoices(registry, 'energy-insights', permissionDiff(v1, v2), { requests: {} });
 * // { requests: { power: { datasource: 'meter.power', resolution: '30min', history: 'P90D' } }, destinations: ['monthly-summary'] }
 */
export function keptChoices(
  registry: AppRegistry,
  appId: string,
  diff: PermissionDiff,
  choices: ConsentChoices,
): ConsentChoices {
  if (!registry.findInstall(appId)) return choices;
  const requests = { ...choices.requests };
  const live = registry.currentGrants(appId).filter((g) => g.revokedAt === null && g.supersededAt === null);
  for (const r of diff.requests) {
    if (r.change !== 'unchanged' || r.name in requests) continue;
    const grant = live.find((g) => g.request === r.name);
    if (grant)
      requests[r.name] = {
        datasource: grant.datasource,
        resolution: grant.resolution,
        history: grant.history,
      };
  }
  const approved = registry.currentConsent(appId)?.destinations ?? [];
  const kept = diff.exports
    .filter((e) => e.change === 'unchanged' && approved.includes(e.id))
    .map((e) => e.id);
  const destinations = [...new Set([...(choices.destinations ?? []), ...kept])];
  // an unchanged time zone request keeps its answer; a new or reworded one is asked (default no)
  const timeZone =
    choices.timeZone ??
    (diff.timeZone === 'unchanged' ? registry.currentConsent(appId)?.timeZone === true : undefined);
  return { ...choices, requests, destinations, ...(timeZone === undefined ? {} : { timeZone }) };
}

/** The diff as lines for the terminal: `power: unchanged (grant kept)`, `gas: added (needs your answer)`. */
export function diffLines(diff: PermissionDiff): string[] {
  const say = (change: PermissionChange, what?: string[]) =>
    change === 'unchanged'
      ? 'unchanged (kept)'
      : change === 'changed'
        ? `changed: ${what?.join(', ')} (needs your answer)`
        : change === 'added'
          ? 'new (needs your answer)'
          : 'no longer asked for';
  return [
    `permissions of ${diff.fromVersion ?? '(not installed)'} → ${diff.toVersion}:`,
    ...diff.requests.map((r) => `  request ${r.name}: ${say(r.change, r.what)}`),
    ...diff.exports.map((e) => `  export ${e.id}: ${say(e.change, e.what)}`),
    ...(diff.timeZone === null ? [] : [`  time zone: ${say(diff.timeZone, ['reason'])}`]),
  ];
}
