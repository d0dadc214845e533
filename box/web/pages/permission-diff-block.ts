import { html } from 'hono/html';
import type { PermissionChange, PermissionDiff } from '../../apps/app-upgrade.ts';
import type { Html } from '../html/page.ts';

const WORDS: Record<PermissionChange, string> = {
  unchanged: 'unchanged: what you granted is kept',
  changed: 'changed',
  added: 'new: needs your answer',
  removed: 'no longer asked for: its grant ends',
};

function item(what: string, name: string, change: PermissionChange, fields?: string[]): Html {
  const words = change === 'changed' ? `changed (${fields?.join(', ')}): needs your answer` : WORDS[change];
  return html`<li data-change="${change}">${what} <strong>${name}</strong>: ${words}</li>`;
}

/**
 * The consent screen's card for an upgrade: the permission diff between the installed version and
 * the one offered, request by request and export by export (`data-change` on each line), so the
 * householder sees that only the new or changed ones need an answer and the rest is kept.
 *
 * @example
 * permissionDiffBlock(permissionDiff(installed.manifest, next)); // "Upgrade 0.1.0 → 0.2.0 … Request temperature: new"
 */
export function permissionDiffBlock(diff: PermissionDiff): Html {
  return html`<section class="card" data-testid="permission-diff" aria-labelledby="h-diff">
  <h2 id="h-diff">What changed since the installed version</h2>
  <p>Upgrade ${diff.fromVersion} → ${diff.toVersion}</p>
  <ul>
    ${diff.requests.map((r) => item('Request', r.name, r.change, r.what))}
    ${diff.exports.map((e) => item('Export', e.id, e.change, e.what))}
  </ul>
</section>`;
}
