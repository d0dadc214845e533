import type { Manifest } from '../../../apps-sdk/src/manifest.ts';

/** The consent screen's and the terminal's words for an app's time zone request. */
export interface TimeZoneWords {
  /** `Your time zone (Europe/Amsterdam)`. */
  title: string;
  /** The app's reason (from the manifest). */
  reason: string;
  /** What sharing it reveals. */
  risk: string;
  /** What the app loses if it is declined. */
  loss: string;
}

/**
 * Plain words for the manifest's `timeZone` request with the box's zone, or `undefined` when the
 * app does not ask. The zone is the box's configured one: the app is told that, never a zone a
 * browser or client sends.
 *
 * @example
 * ```ts
 * timeZoneWords(manifest, 'Europe/Amsterdam')?.title; // 'Your time zone (Europe/Amsterdam)'
 * ```
 */
export function timeZoneWords(manifest: Manifest, zone: string): TimeZoneWords | undefined {
  if (!manifest.timeZone) return undefined;
  // the box serves hours and days on its own local boundaries, which carry the offset
  const coarse = manifest.requests.some((r) =>
    r.resolutions.some((x) => x.resolution === '1h' || x.resolution === '1d'),
  );
  const still = coarse
    ? ' Declining keeps the name of your zone from the app; given hourly or daily data, it can still tell your offset from UTC from where your hours and days begin.'
    : '';
  return {
    title: `Your time zone (${zone})`,
    reason: manifest.timeZone.reason,
    risk: 'It tells the app roughly where in the world you live (the region of your time zone), and it could pass that on in what it sends to destinations you allow.',
    loss: `If you decline: ${manifest.name} works in UTC and labels its times "(UTC)", so an hour it names can differ from your clock by your zone's offset. Everything else keeps working.${still}`,
  };
}
