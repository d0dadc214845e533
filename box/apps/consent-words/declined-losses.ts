import type { AppRequest, ExportDeclaration, Manifest } from '../../../apps-sdk/src/manifest.ts';

/**
 * What the app loses if the householder declines an optional request: the purposes it lists for
 * that request (from the manifest), so the choice is made knowing what stops working. A required
 * request cannot be declined (declining it is declining the app).
 *
 * @example
 * ```ts
 * requestLoss(request); // 'Without it the app cannot: which rooms are used when; … Everything else it does keeps working.'
 * ```
 */
export function requestLoss(request: AppRequest): string {
  if (request.required) return 'The app needs this: declining it means not installing the app.';
  const purposes = [...new Set(request.resolutions.map((r) => r.purpose))];
  return `Without it the app cannot: ${purposes.join('; ')}. Everything else it does keeps working.`;
}

/**
 * What the app loses if the householder declines an export destination: that destination's
 * purpose (its `reason` in the manifest, shown just above it), while the app keeps working on the
 * box and its insights (the manifest's) stay. The app gets
 * the typed refusal `destination_declined` when it tries to send, and is expected to go on.
 *
 * @example
 * ```ts
 * destinationLoss(manifest, manifest.exports[0]);
 * // 'If you do not allow it, nothing is sent to energy-coop.example, so what it is for (the reason
 * //  above) does not happen. Energy insights keeps working on this box; its insights (…) stay …'
 * ```
 */
export function destinationLoss(manifest: Manifest, destination: ExportDeclaration): string {
  const host = new URL(destination.url).host;
  const shown = manifest.insights.map((i) => i.title);
  const stays = shown.length
    ? `its insights (${shown.join(', ')}) stay on this box for you`
    : 'what it shows stays on this box';
  return `If you do not allow it, nothing is sent to ${host}, so what it is for (the reason above) does not happen. ${manifest.name} keeps working on this box; ${stays}.`;
}
