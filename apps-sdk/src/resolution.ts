/**
 * Resolutions and the granularity rules shared by the box (arbiter, install) and `runLocally`.
 *
 * A manifest may list `raw`, `10s` and the box's rollups (`1min` … `1d`). `raw` and `10s` are finer
 * than any rollup: the box can only give them as `raw` readings, so they are granted as `raw`.
 * Rollup buckets are aligned to the Unix epoch (UTC): a `1d` bucket starts at 00:00 UTC.
 */

/**
 * Every resolution a manifest may list, finest first.
 *
 * @example
 * ```ts
 * MANIFEST_RESOLUTIONS[0]; // 'raw' (the finest)
 * ```
 */
export const MANIFEST_RESOLUTIONS = ['raw', '10s', '1min', '5min', '15min', '30min', '1h', '1d'] as const;
export type ManifestResolution = (typeof MANIFEST_RESOLUTIONS)[number];

/** The box's rollup resolutions, finest first (the same list as the store's). */
export const ROLLUP_RESOLUTIONS = ['1min', '5min', '15min', '30min', '1h', '1d'] as const;
export type RollupResolution = (typeof ROLLUP_RESOLUTIONS)[number];

/** What a grant or a read can be at: raw readings or one rollup. */
export const GRANT_RESOLUTIONS = ['raw', ...ROLLUP_RESOLUTIONS] as const;
export type GrantResolution = (typeof GRANT_RESOLUTIONS)[number];

/**
 * Width of each resolution in ms; `raw` is 0 (finer than everything).
 *
 * @example
 * ```ts
 * RESOLUTION_MS['30min']; // 1_800_000
 * ```
 */
export const RESOLUTION_MS: Readonly<Record<ManifestResolution, number>> = {
  raw: 0,
  '10s': 10_000,
  '1min': 60_000,
  '5min': 300_000,
  '15min': 900_000,
  '30min': 1_800_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
};

/**
 * True when `name` is a resolution a manifest may list.
 *
 * @example
 * ```ts
 * isManifestResolution('10s'); // true
 * isManifestResolution('2min'); // false
 * ```
 */
export function isManifestResolution(name: string): name is ManifestResolution {
  return (MANIFEST_RESOLUTIONS as readonly string[]).includes(name);
}

/**
 * True when `name` is a resolution the box can grant and read at (`raw` or a rollup).
 *
 * @example
 * ```ts
 * isGrantResolution('30min'); // true
 * isGrantResolution('10s'); // false: granted as raw
 * ```
 */
export function isGrantResolution(name: string): name is GrantResolution {
  return (GRANT_RESOLUTIONS as readonly string[]).includes(name);
}

/**
 * True when `a` is strictly finer (shows more detail) than `b`.
 *
 * @example
 * ```ts
 * isFinerThan('1min', '30min'); // true
 * isFinerThan('raw', '10s'); // true
 * isFinerThan('1d', '1h'); // false
 * ```
 */
export function isFinerThan(a: ManifestResolution, b: ManifestResolution): boolean {
  return RESOLUTION_MS[a] < RESOLUTION_MS[b];
}

/**
 * The coarsest of the given resolutions: the finest detail that satisfies every limit at once
 * (e.g. what an app asked for and what the householder allowed). Throws on an empty list.
 *
 * @example
 * ```ts
 * coarsestCommon('1min', '30min'); // '30min'
 * coarsestCommon('raw', '10s'); // '10s'
 * ```
 */
export function coarsestCommon<R extends ManifestResolution>(...resolutions: R[]): R {
  if (resolutions.length === 0) throw new Error('coarsestCommon needs at least one resolution');
  return resolutions.reduce((a, b) => (RESOLUTION_MS[b] > RESOLUTION_MS[a] ? b : a));
}

/**
 * The finest of the given resolutions: what an app asks for when it lists several.
 *
 * @example
 * ```ts
 * finestOf(['30min', '1min', '1h']); // '1min'
 * ```
 */
export function finestOf<R extends ManifestResolution>(resolutions: readonly R[]): R {
  if (resolutions.length === 0) throw new Error('finestOf needs at least one resolution');
  return resolutions.reduce((a, b) => (RESOLUTION_MS[b] < RESOLUTION_MS[a] ? b : a));
}

/**
 * The resolution the box gives for a manifest resolution: `raw` and `10s` become `raw`
 * (the box keeps no 10 s rollup), rollups stay as they are.
 *
 * @example
 * ```ts
 * toGrantResolution('10s'); // 'raw'
 * toGrantResolution('30min'); // '30min'
 * ```
 */
export function toGrantResolution(resolution: ManifestResolution): GrantResolution {
  return resolution === '10s' ? 'raw' : resolution;
}

/**
 * The rule "a grant is never finer than what the app asked for". `asked` is the finest resolution
 * the request lists. Returns `null` when `granted` is allowed, else a message saying why not.
 * A `10s` ask can be granted `raw` (that is how the box delivers 10 s data).
 *
 * @example
 * ```ts
 * grantResolutionError('30min', '1min'); // 'resolution 1min is finer than the 30min the app asked for'
 * grantResolutionError('10s', 'raw'); // null
 * grantResolutionError('1min', '1h'); // null
 * ```
 */
export function grantResolutionError(asked: ManifestResolution, granted: string): string | null {
  if (!isGrantResolution(granted))
    return `resolution ${granted} is not one the box can grant (${GRANT_RESOLUTIONS.join(', ')})`;
  if (isFinerThan(granted, toGrantResolution(asked)))
    return `resolution ${granted} is finer than the ${asked} the app asked for`;
  return null;
}

/**
 * Start of the epoch-aligned (UTC) bucket of `resolution` holding `t` (same as the store).
 *
 * @example
 * ```ts
 * bucketStart(Date.UTC(2024, 0, 1, 10, 47), '30min') === Date.UTC(2024, 0, 1, 10, 30); // true
 * ```
 */
export function bucketStart(t: number, resolution: RollupResolution): number {
  const width = RESOLUTION_MS[resolution];
  return t - (((t % width) + width) % width);
}
